"""The qcow2 images the console builds for demo data, tests and benchmarks are well-formed."""

import io
import json
import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from oslo_utils.imageutils import format_inspector

from images.qcow2 import build_qcow2, write_qcow2

GIB = 1 << 30
MIB = 1 << 20


def inspect(data: bytes) -> format_inspector.FileInspector:
    """What the inspector Glance and Nova use makes of ``data``, read as a stream."""
    wrapper = format_inspector.InspectWrapper(io.BytesIO(data))
    while wrapper.read(64 * 1024):
        pass
    wrapper.close()
    found = wrapper.format
    assert found is not None
    return found


class Qcow2Reader:
    """A small independent reader of the qcow2 structures, to check the builder's arithmetic."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        (
            self.magic,
            self.version,
            self.backing_offset,
            self.backing_size,
            self.cluster_bits,
            self.size,
            self.crypt,
            self.l1_size,
            self.l1_offset,
            self.rt_offset,
            self.rt_clusters,
        ) = struct.unpack(">4sIQIIQIIQQI", data[:60])
        self.cluster = 1 << self.cluster_bits

    def u64(self, offset: int) -> int:
        return struct.unpack(">Q", self.data[offset : offset + 8])[0]

    def refcount(self, cluster_index: int) -> int:
        per_block = self.cluster // 2
        block_offset = self.u64(self.rt_offset + 8 * (cluster_index // per_block))
        if block_offset == 0:
            return 0
        at = block_offset + 2 * (cluster_index % per_block)
        return struct.unpack(">H", self.data[at : at + 2])[0]

    def host_offset(self, guest_offset: int) -> int | None:
        l2_entries = self.cluster // 8
        cluster_index = guest_offset // self.cluster
        l1_entry = self.u64(self.l1_offset + 8 * (cluster_index // l2_entries))
        l2_offset = l1_entry & 0x00FF_FFFF_FFFF_FE00
        if l2_offset == 0:
            return None
        l2_entry = self.u64(l2_offset + 8 * (cluster_index % l2_entries))
        host = l2_entry & 0x00FF_FFFF_FFFF_FE00
        return host + guest_offset % self.cluster if host else None

    def read_guest(self, offset: int, length: int) -> bytes:
        out = bytearray()
        while length:
            n = min(length, self.cluster - offset % self.cluster)
            host = self.host_offset(offset)
            out += bytes(n) if host is None else self.data[host : host + n]
            offset += n
            length -= n
        return bytes(out)

    def referenced_clusters(self) -> list[int]:
        """Every cluster the metadata points at, with repeats if anything is shared."""
        c = self.cluster
        found = [0]
        found += [self.rt_offset // c + i for i in range(self.rt_clusters)]
        for i in range(self.rt_clusters * c // 8):
            block = self.u64(self.rt_offset + 8 * i)
            if block:
                found.append(block // c)
        l1_bytes = self.l1_size * 8
        found += [self.l1_offset // c + i for i in range(max(1, -(-l1_bytes // c)))]
        for i in range(self.l1_size):
            l2 = self.u64(self.l1_offset + 8 * i) & 0x00FF_FFFF_FFFF_FE00
            if not l2:
                continue
            found.append(l2 // c)
            for j in range(c // 8):
                host = self.u64(l2 + 8 * j) & 0x00FF_FFFF_FFFF_FE00
                if host:
                    found.append(host // c)
        return found


@pytest.mark.parametrize(
    ("virtual_size", "cluster_bits"),
    [(MIB, 16), (10 * GIB, 16), (3 * 1024 * GIB + 4096, 16), (GIB, 9), (100 * GIB, 21)],
)
def test_it_builds_an_image_the_inspector_accepts(virtual_size: int, cluster_bits: int) -> None:
    data = build_qcow2(virtual_size, cluster_bits=cluster_bits)

    found = inspect(data)

    assert found.NAME == "qcow2"
    assert found.virtual_size == virtual_size
    found.safety_check()
    assert len(data) % (1 << cluster_bits) == 0


def test_it_builds_version_2_images() -> None:
    data = build_qcow2(GIB, version=2)

    found = inspect(data)

    assert found.NAME == "qcow2"
    assert struct.unpack(">I", data[4:8]) == (2,)
    found.safety_check()


@pytest.mark.parametrize(
    ("options", "failed_check"),
    [
        ({"backing_file": "/etc/shadow"}, "backing_file"),
        ({"data_file_bit": True}, "data_file"),
        ({"incompatible_bits": 1 << 5}, "unknown_features"),
        ({"incompatible_bits": 1 << 40}, "unknown_features"),
    ],
)
def test_it_builds_unsafe_variants_the_inspector_flags(
    options: dict[str, object], failed_check: str
) -> None:
    found = inspect(build_qcow2(GIB, **options))  # type: ignore[arg-type]

    assert found.NAME == "qcow2"
    with pytest.raises(format_inspector.SafetyCheckFailed) as failure:
        found.safety_check()
    assert set(failure.value.failures) == {failed_check}


def test_it_stores_the_backing_file_name_where_the_header_points() -> None:
    reader = Qcow2Reader(build_qcow2(GIB, backing_file="base.qcow2"))

    start = reader.backing_offset
    assert reader.data[start : start + reader.backing_size] == b"base.qcow2"


def test_it_counts_every_cluster_once_in_an_empty_image() -> None:
    reader = Qcow2Reader(build_qcow2(10 * GIB))

    referenced = reader.referenced_clusters()

    assert len(referenced) == len(set(referenced))
    total = len(reader.data) // reader.cluster
    assert sorted(referenced) == list(range(total))
    assert [reader.refcount(i) for i in range(total)] == [1] * total
    assert reader.refcount(total) == 0
    assert reader.read_guest(0, 4096) == bytes(4096)


def test_it_writes_data_clusters_mapped_to_the_start_of_the_disk(tmp_path: Path) -> None:
    path = tmp_path / "disk.qcow2"
    data_bytes = 3 * MIB + 12345

    written = write_qcow2(path, 64 * MIB, data_bytes=data_bytes, seed=7, cluster_bits=16)

    data = path.read_bytes()
    assert written == len(data)
    reader = Qcow2Reader(data)
    assert reader.size == 64 * MIB
    guest = reader.read_guest(0, data_bytes + 70000)
    assert guest[data_bytes:] == bytes(70000)
    # Pseudo-random data does not compress into a run of one byte value.
    assert len(set(guest[:data_bytes])) == 256
    referenced = reader.referenced_clusters()
    assert len(referenced) == len(set(referenced))
    assert sorted(referenced) == list(range(len(data) // reader.cluster))
    assert all(reader.refcount(i) == 1 for i in referenced)
    found = inspect(data)
    assert found.NAME == "qcow2"
    assert found.virtual_size == 64 * MIB


def test_it_needs_several_l2_tables_and_refcount_blocks_for_larger_images(
    tmp_path: Path,
) -> None:
    # 512-byte clusters: one L2 table maps 32 KiB and one refcount block counts 256 clusters.
    path = tmp_path / "disk.qcow2"
    write_qcow2(path, 4 * MIB, data_bytes=MIB + 100, seed=1, cluster_bits=9)

    data = path.read_bytes()
    reader = Qcow2Reader(data)
    referenced = reader.referenced_clusters()
    assert len(referenced) == len(set(referenced))
    assert sorted(referenced) == list(range(len(data) // reader.cluster))
    assert all(reader.refcount(i) == 1 for i in referenced)
    l2_tables = [reader.u64(reader.l1_offset + 8 * i) for i in range(reader.l1_size)]
    blocks = [reader.u64(reader.rt_offset + 8 * i) for i in range(reader.cluster // 8)]
    assert len([t for t in l2_tables if t]) > 1
    assert len([b for b in blocks if b]) > 1
    # Data clusters come last in the file, in guest order.
    data_clusters = -(-(MIB + 100) // reader.cluster)
    data_region = data[len(data) - data_clusters * reader.cluster :]
    assert reader.read_guest(0, MIB + 100) == data_region[: MIB + 100]


def test_it_writes_the_same_bytes_for_the_same_seed() -> None:
    first, second, other = io.BytesIO(), io.BytesIO(), io.BytesIO()

    write_qcow2(first, 8 * MIB, data_bytes=2 * MIB, seed=3)
    write_qcow2(second, 8 * MIB, data_bytes=2 * MIB, seed=3)
    write_qcow2(other, 8 * MIB, data_bytes=2 * MIB, seed=4)

    assert first.getvalue() == second.getvalue()
    assert first.getvalue() != other.getvalue()
    assert len(first.getvalue()) == len(other.getvalue())


def test_it_refuses_more_data_than_the_disk_holds() -> None:
    with pytest.raises(ValueError, match="data_bytes"):
        write_qcow2(io.BytesIO(), MIB, data_bytes=MIB + 1)


def test_it_agrees_with_qemu_img(tmp_path: Path) -> None:
    # An independent implementation checks the test files (the console never runs it).
    if shutil.which("qemu-img") is None:
        message = "qemu-img is not installed (apt-get install qemu-utils)"
        if os.environ.get("CONSOLE_TESTS_STRICT", "").lower() in {"1", "true", "yes"}:
            pytest.fail(message)
        pytest.skip(message)
    path = tmp_path / "disk.qcow2"
    write_qcow2(path, GIB, data_bytes=5 * MIB, seed=2)

    check = subprocess.run(["qemu-img", "check", str(path)], capture_output=True, text=True)
    info = subprocess.run(
        ["qemu-img", "info", "--output=json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )

    assert check.returncode == 0, check.stdout + check.stderr
    assert json.loads(info.stdout)["virtual-size"] == GIB
