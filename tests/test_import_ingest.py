"""An imported file is stored, hashed and accepted only if it is a self-contained qcow2 image."""

import hashlib
import io
import itertools
import os
import random
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from django.core.exceptions import SuspiciousFileOperation
from oslo_utils.imageutils import format_inspector
from pytest_django.fixtures import Settings as SettingsWrapper

from images.pipeline import errors
from images.pipeline.errors import ImportFailed
from images.pipeline.fetch import open_url
from images.pipeline.ingest import QCOW2_MAGIC, IngestResult, ingest
from images.pipeline.qcow2_layout import check_tables
from images.pipeline.storage import delete_image_file, open_image_writer, open_ranges
from images.qcow2 import build_qcow2, write_qcow2
from tests.support.http_server import LocalHTTPServer, http_server_fixture  # noqa: F401
from tests.support.resolver import ConnectionGuard, loopback_only_fixture  # noqa: F401

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30
TIB = 1 << 40
NAME = "images/0b9d6f2e-5a7c-4d8e-9f10-1a2b3c4d5e6f.qcow2"


@pytest.fixture
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    """Image files go to a fresh folder for each test."""
    root = tmp_path / "media"
    settings.MEDIA_ROOT = root
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": root},
        },
    }
    return root


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def qcow2_with_data(data_bytes: int = 3 * MIB, virtual_size: int = GIB) -> bytes:
    out = io.BytesIO()
    write_qcow2(out, virtual_size, data_bytes=data_bytes, seed=11)
    return out.getvalue()


def import_bytes(
    data: bytes,
    *,
    max_bytes: int = 64 * GIB,
    max_virtual_bytes: int = 64 * TIB,
    expected_length: int | None = -1,
    chunk_size: int = MIB,
) -> IngestResult:
    """Run the ingest into storage as an import does: commit on success, discard on failure."""
    source = io.BytesIO(data)
    announced = len(data) if expected_length == -1 else expected_length
    with open_image_writer(NAME) as writer:
        result = ingest(
            source.read,
            writer.file,
            max_bytes=max_bytes,
            max_virtual_bytes=max_virtual_bytes,
            expected_length=announced,
            chunk_size=chunk_size,
        )
        writer.commit()
    return result


def refusal(data: bytes, **options: object) -> str:
    with pytest.raises(ImportFailed) as failure:
        import_bytes(data, **options)  # type: ignore[arg-type]
    return failure.value.reason


def patched(data: bytes, offset: int, value: bytes) -> bytes:
    return data[:offset] + value + data[offset + len(value) :]


# --- Accepted ------------------------------------------------------------------------


def test_it_hashes_sizes_and_stores_a_valid_qcow2(media: Path) -> None:
    data = qcow2_with_data(virtual_size=20 * GIB)

    result = import_bytes(data)

    assert result == IngestResult(
        size=len(data),
        virtual_size=20 * GIB,
        sha512=hashlib.sha512(data).hexdigest(),
        md5=hashlib.md5(data, usedforsecurity=False).hexdigest(),
        format_name="qcow2",
    )
    assert files_under(media) == [media / NAME]
    assert (media / NAME).read_bytes() == data


def test_it_hashes_a_file_of_many_chunks_right(tmp_path: Path) -> None:
    path = tmp_path / "disk.qcow2"
    write_qcow2(path, 8 * GIB, data_bytes=40 * MIB, seed=5)
    expected = path.read_bytes()
    out = io.BytesIO()

    # Odd-sized reads, as a network delivers them.
    with path.open("rb") as source:
        result = ingest(
            lambda n: source.read(min(n, 777_777)),
            out,
            max_bytes=GIB,
            expected_length=len(expected),
        )

    assert result.size == len(expected) > 40 * MIB
    assert result.sha512 == hashlib.sha512(expected).hexdigest()
    assert result.md5 == hashlib.md5(expected, usedforsecurity=False).hexdigest()
    assert result.virtual_size == 8 * GIB
    assert out.getvalue() == expected


def test_it_accepts_a_stream_of_unknown_length(media: Path) -> None:
    data = build_qcow2(GIB)

    assert import_bytes(data, expected_length=None).size == len(data)


def test_it_accepts_version_2_images(media: Path) -> None:
    assert import_bytes(build_qcow2(GIB, version=2)).virtual_size == GIB


def test_it_stops_showing_a_large_file_to_the_inspector_once_it_has_decided(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[int] = []
    real_read = format_inspector.InspectWrapper.read

    def counting_read(self: format_inspector.InspectWrapper, size: int) -> bytes:
        calls.append(size)
        return real_read(self, size)

    monkeypatch.setattr(format_inspector.InspectWrapper, "read", counting_read)
    data = qcow2_with_data(data_bytes=20 * MIB)

    result = ingest(io.BytesIO(data).read, io.BytesIO(), max_bytes=GIB, expected_length=None)

    assert result.virtual_size == GIB
    assert 1 <= len(calls) <= 2


# --- Refused qcow2 images ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (build_qcow2(GIB, backing_file="/var/lib/images/base.qcow2"), str(errors.BACKING_FILE())),
        (build_qcow2(GIB, data_file_bit=True), str(errors.DATA_FILE())),
        (build_qcow2(GIB, incompatible_bits=1 << 5), str(errors.UNSUPPORTED_FEATURES())),
        (build_qcow2(GIB, incompatible_bits=1 << 60), str(errors.UNSUPPORTED_FEATURES())),
        (build_qcow2(GIB, backing_file="base", data_file_bit=True), str(errors.BACKING_FILE())),
        (patched(build_qcow2(GIB), 4, struct.pack(">I", 4)), str(errors.UNSUPPORTED_FEATURES())),
        (patched(build_qcow2(GIB), 32, struct.pack(">I", 2)), str(errors.ENCRYPTED())),
        (build_qcow2(GIB, incompatible_bits=1 << 1), str(errors.DAMAGED_HEADER())),
        (patched(build_qcow2(GIB), 20, struct.pack(">I", 40)), str(errors.DAMAGED_HEADER())),
        (patched(build_qcow2(GIB), 48, struct.pack(">Q", 12345)), str(errors.DAMAGED_HEADER())),
        (build_qcow2(0), str(errors.ZERO_SIZE_DISK())),
    ],
    ids=[
        "backing-file",
        "data-file",
        "unknown-feature",
        "unknown-high-feature",
        "backing-and-data-file",
        "version-4",
        "encrypted",
        "marked-corrupt",
        "absurd-cluster-size",
        "misaligned-refcount-table",
        "zero-size",
    ],
)
def test_it_refuses_a_qcow2_that_is_not_self_contained_or_sound(
    media: Path, data: bytes, reason: str
) -> None:
    assert refusal(data) == reason
    assert files_under(media) == []


def with_virtual_size(data: bytes, virtual_size: int) -> bytes:
    """``data`` with its header claiming another virtual size (its L1 table unchanged)."""
    return patched(data, 24, struct.pack(">Q", virtual_size))


@pytest.mark.parametrize(
    ("virtual_size", "shown"),
    [
        ((1 << 64) - 1, "16 EiB"),
        (1 << 63, "8 EiB"),
        (1 << 62, "4 EiB"),
        (64 * TIB + 1, f"{64 * TIB + 1:,} bytes"),
    ],
    ids=["2^64-1", "2^63", "2^62", "one-byte-over"],
)
def test_it_refuses_a_virtual_size_over_the_bound(
    media: Path, virtual_size: int, shown: str
) -> None:
    data = with_virtual_size(build_qcow2(GIB), virtual_size)

    assert refusal(data) == (
        f"The qcow2 image's virtual size of {shown} is larger than the 64 TiB allowed"
    )
    assert files_under(media) == []


def test_it_accepts_a_virtual_size_at_the_bound(media: Path) -> None:
    assert import_bytes(build_qcow2(64 * TIB)).virtual_size == 64 * TIB


def test_it_takes_the_bound_from_the_caller(media: Path) -> None:
    assert refusal(build_qcow2(2 * GIB), max_virtual_bytes=GIB) == (
        "The qcow2 image's virtual size of 2 GiB is larger than the 1 GiB allowed"
    )


def test_it_refuses_an_l1_table_too_small_for_the_virtual_size(media: Path) -> None:
    # 1 GiB of L1 table (one entry with 64 KiB clusters) cannot map 2 GiB.
    assert refusal(with_virtual_size(build_qcow2(GIB), 2 * GIB)) == str(errors.DAMAGED_HEADER())


def test_it_calls_random_bytes_after_the_magic_a_damaged_header(media: Path) -> None:
    # Random header fields name a "backing file" by chance; what is wrong is the header.
    for seed in range(20):
        data = QCOW2_MAGIC + random.Random(seed).randbytes(2 * MIB)
        assert refusal(data) == str(errors.DAMAGED_HEADER()), seed


@pytest.mark.parametrize("length", [4, 100, 511])
def test_it_refuses_a_truncated_qcow2_header(media: Path, length: int) -> None:
    assert refusal(build_qcow2(GIB)[:length]) == str(errors.DAMAGED_HEADER())
    assert files_under(media) == []


def test_it_refuses_a_qcow2_cut_short_after_its_header(media: Path) -> None:
    data = build_qcow2(GIB)[: 100 * KIB]

    assert refusal(data, expected_length=None) == str(errors.TRUNCATED_IMAGE())
    assert files_under(media) == []


@pytest.mark.parametrize(
    "offset_and_signature",
    [(32 * KIB + 1, b"CD001"), (510, b"\x55\xaa")],
    ids=["also-iso", "also-mbr"],
)
def test_it_refuses_a_qcow2_that_also_looks_like_another_format(
    media: Path, offset_and_signature: tuple[int, bytes]
) -> None:
    offset, signature = offset_and_signature
    data = patched(build_qcow2(GIB), offset, signature)
    if signature == b"\x55\xaa":
        # One bootable partition entry, so it reads as a sane MBR disk too.
        data = patched(data, 446, bytes([0x80, 0, 2, 0, 0x83, 0, 0, 0]) + struct.pack("<II", 1, 9))

    assert refusal(data) == str(errors.SEVERAL_FORMATS())
    assert files_under(media) == []


def _mbr_disk() -> bytes:
    disk = bytearray(2 * MIB)
    disk[446:462] = bytes([0x80, 0x20, 0x21, 0x00, 0x83, 0, 0, 0]) + struct.pack("<II", 2048, 2048)
    disk[510:512] = b"\x55\xaa"
    return bytes(disk)


def _with_prefix(prefix: bytes, offset: int = 0, size: int = 2 * MIB) -> bytes:
    return patched(bytes(size), offset, prefix)


@pytest.mark.parametrize(
    "data",
    [
        os.urandom(2 * MIB),
        bytes(2 * MIB),
        _mbr_disk(),
        _with_prefix(b"\x01CD001\x01", offset=32 * KIB),
        _with_prefix(b"KDMV" + struct.pack("<I", 1)),
        _with_prefix(b"# Disk DescriptorFile\nversion=1\n"),
        _with_prefix(b"conectix"),
        _with_prefix(b"vhdxfile"),
        _with_prefix(b"QED\x00"),
        _with_prefix(b"LUKS\xba\xbe\x00\x01"),
        _with_prefix(struct.pack("<I", 0xBEDA107F), offset=0x40),
        b"<html><body>404 Not Found</body></html>\n" * 100,
        b"not a disk image",
    ],
    ids=[
        "random",
        "raw-zeros",
        "raw-mbr-disk",
        "iso",
        "vmdk-sparse",
        "vmdk-descriptor",
        "vhd",
        "vhdx",
        "qed",
        "luks",
        "vdi",
        "html",
        "short-text",
    ],
)
def test_it_refuses_a_file_that_is_not_qcow2(media: Path, data: bytes) -> None:
    assert refusal(data) == str(errors.NOT_QCOW2())
    assert files_under(media) == []


def test_it_refuses_an_empty_file(media: Path) -> None:
    assert refusal(b"") == str(errors.EMPTY_FILE())
    assert files_under(media) == []


def test_it_stops_reading_a_file_as_soon_as_it_is_refused() -> None:
    asked: list[int] = []
    random_disk = os.urandom(1024 * KIB)

    def endless(n: int) -> bytes:
        asked.append(n)
        return random_disk[:n]

    with pytest.raises(ImportFailed) as failure:
        ingest(endless, io.BytesIO(), max_bytes=64 * GIB, expected_length=None)

    assert failure.value.reason == str(errors.NOT_QCOW2())
    assert len(asked) == 1


# --- Size limits ------------------------------------------------------------------------


def test_it_stops_at_the_size_cap_without_writing_past_it(media: Path) -> None:
    data = qcow2_with_data(data_bytes=5 * MIB)
    source = io.BytesIO(data)
    written = io.BytesIO()

    with pytest.raises(ImportFailed) as failure:
        ingest(source.read, written, max_bytes=2 * MIB, expected_length=None)

    assert failure.value.reason == "Download stopped at 2 MiB"
    assert len(written.getvalue()) <= 2 * MIB
    assert source.tell() <= 2 * MIB + 1


def test_it_leaves_no_file_behind_when_the_cap_is_hit(media: Path) -> None:
    assert refusal(qcow2_with_data(), max_bytes=MIB, expected_length=None) == (
        "Download stopped at 1 MiB"
    )
    assert files_under(media) == []


def test_it_refuses_an_announced_length_over_the_cap_without_reading() -> None:
    def must_not_read(n: int) -> bytes:
        raise AssertionError("read after the announced length was refused")

    with pytest.raises(ImportFailed) as failure:
        ingest(must_not_read, io.BytesIO(), max_bytes=64 * GIB, expected_length=64 * GIB + 1)

    assert failure.value.reason == "Download stopped at 64 GiB"


@pytest.mark.parametrize("announced_delta", [1000, -1000])
def test_it_refuses_a_length_different_from_the_announced_one(
    media: Path, announced_delta: int
) -> None:
    data = build_qcow2(GIB)
    announced = len(data) + announced_delta

    reason = refusal(data, expected_length=announced, chunk_size=64 * KIB)

    assert reason == f"The server sent {len(data):,} bytes but announced {announced:,}"
    assert files_under(media) == []


def test_it_reports_a_download_cut_short_by_the_server(
    media: Path, http_server: LocalHTTPServer, loopback_only: ConnectionGuard
) -> None:
    data = qcow2_with_data()
    url = http_server.serve_truncated("/disk.qcow2", data[: 2 * MIB], announced=len(data))
    body = open_url(
        url, allow_hosts=["127.0.0.1"], connect_timeout=5, read_timeout=5, max_bytes=GIB
    )

    with body, open_image_writer(NAME) as writer, pytest.raises(ImportFailed) as failure:
        ingest(body.read, writer.file, max_bytes=GIB, expected_length=body.content_length)

    assert failure.value.reason == f"The server sent {2 * MIB:,} bytes but announced {len(data):,}"
    assert files_under(media) == []


def test_it_imports_over_http_end_to_end(
    media: Path, http_server: LocalHTTPServer, loopback_only: ConnectionGuard, tmp_path: Path
) -> None:
    path = tmp_path / "served.qcow2"
    write_qcow2(path, 4 * GIB, data_bytes=12 * MIB, seed=9)
    url = http_server.serve_file("/disk.qcow2", path)
    body = open_url(
        url, allow_hosts=["127.0.0.1"], connect_timeout=5, read_timeout=5, max_bytes=GIB
    )

    with body, open_image_writer(NAME) as writer:
        result = ingest(body.read, writer.file, max_bytes=GIB, expected_length=body.content_length)
        stored = writer.commit()

    expected = path.read_bytes()
    assert stored == NAME
    assert result.sha512 == hashlib.sha512(expected).hexdigest()
    assert result.virtual_size == 4 * GIB
    assert (media / NAME).read_bytes() == expected


# --- Progress ----------------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_it_reports_progress_about_once_a_second() -> None:
    data = qcow2_with_data(data_bytes=5 * MIB)
    source = io.BytesIO(data)
    clock = FakeClock()
    calls: list[tuple[float, int, int | None]] = []

    def slow_read(n: int) -> bytes:
        clock.now += 0.25
        return source.read(n)

    ingest(
        slow_read,
        io.BytesIO(),
        max_bytes=GIB,
        expected_length=len(data),
        on_progress=lambda done, total: calls.append((clock.now, done, total)),
        chunk_size=64 * KIB,
        clock=clock,
    )

    chunks = -(-len(data) // (64 * KIB))
    periodic, final = calls[:-1], calls[-1]
    # A quarter second per chunk: one report every four chunks, then the final one.
    assert len(periodic) == pytest.approx(chunks / 4, abs=1)
    times = [t for t, _, _ in periodic]
    assert all(later - earlier >= 1.0 for earlier, later in itertools.pairwise(times))
    done_values = [done for _, done, _ in calls]
    assert done_values == sorted(done_values)
    assert final[1:] == (len(data), len(data))


def test_it_reports_progress_once_when_the_file_arrives_at_once() -> None:
    data = qcow2_with_data(data_bytes=5 * MIB)
    calls: list[tuple[int, int | None]] = []

    ingest(
        io.BytesIO(data).read,
        io.BytesIO(),
        max_bytes=GIB,
        expected_length=None,
        on_progress=lambda done, total: calls.append((done, total)),
        chunk_size=64 * KIB,
        clock=FakeClock(),
    )

    assert calls == [(len(data), None)]


# --- Storage --------------------------------------------------------------------------------


def test_it_writes_beside_the_final_file_and_renames_it_into_place(media: Path) -> None:
    with open_image_writer(NAME) as writer:
        writer.file.write(b"partial bytes")
        writer.file.flush()
        assert files_under(media) == [media / (NAME + ".partial")]
        assert writer.commit() == NAME

    assert files_under(media) == [media / NAME]
    assert (media / NAME).read_bytes() == b"partial bytes"


def test_it_discards_a_file_that_is_not_committed(media: Path) -> None:
    with open_image_writer(NAME) as writer:
        writer.file.write(b"abandoned")

    assert files_under(media) == []


def test_it_refuses_a_name_outside_the_storage(media: Path) -> None:
    with pytest.raises(SuspiciousFileOperation):
        open_image_writer("../outside.qcow2")


def test_it_deletes_a_stored_file_and_any_leftover_partial(media: Path) -> None:
    (media / "images").mkdir(parents=True)
    (media / NAME).write_bytes(b"stored")
    (media / (NAME + ".partial")).write_bytes(b"crashed import")

    delete_image_file(NAME)
    delete_image_file(NAME)

    assert files_under(media) == []


# --- The stored file's tables ----------------------------------------------------------


class RecordingReader:
    """read_range over bytes, remembering every range asked for."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.ranges: list[tuple[int, int]] = []

    def __call__(self, offset: int, length: int) -> bytes:
        self.ranges.append((offset, length))
        return self.data[offset : offset + length]

    @property
    def bytes_read(self) -> int:
        return sum(length for _, length in self.ranges)


def tables_verdict(data: bytes) -> str:
    reader = RecordingReader(data)
    try:
        check_tables(reader, len(data))
    except ImportFailed as failure:
        return failure.reason
    return "ok"


def layout(data: bytes) -> dict[str, int]:
    cluster_bits, _, _, l1_size, l1_offset = struct.unpack(">IQIIQ", data[20:48])
    cluster = 1 << cluster_bits
    (first_l2,) = struct.unpack(">Q", data[l1_offset : l1_offset + 8])
    return {
        "cluster": cluster,
        "l1_offset": l1_offset,
        "l1_size": l1_size,
        "l2_offset": first_l2 & 0x00FF_FFFF_FFFF_FE00,
    }


def test_it_reads_back_only_the_metadata_of_a_sound_image() -> None:
    data = qcow2_with_data(data_bytes=20 * MIB, virtual_size=4 * GIB)
    reader = RecordingReader(data)

    check_tables(reader, len(data))

    where = layout(data)
    # Header, refcount table, L1 table and the one L2 table: never a data cluster.
    data_start = where["l2_offset"] + where["cluster"]
    assert all(offset < data_start for offset, _ in reader.ranges)
    assert reader.bytes_read <= 4 * where["cluster"]


def test_it_finds_a_qcow2_truncated_inside_its_data_area(tmp_path: Path) -> None:
    # Header, L1 and refcount tables intact; the last 2 MiB of data clusters are gone.
    data = qcow2_with_data(data_bytes=8 * MIB)
    cut = data[: len(data) - 2 * MIB]

    assert tables_verdict(data) == "ok"
    assert tables_verdict(cut) == str(errors.TRUNCATED_IMAGE())
    if shutil.which("qemu-img"):  # an independent reader agrees the cut file is broken
        path = tmp_path / "cut.qcow2"
        path.write_bytes(cut)
        check = subprocess.run(["qemu-img", "check", str(path)], capture_output=True, text=True)
        assert check.returncode != 0, check.stdout


def test_it_finds_an_l1_entry_pointing_past_the_end() -> None:
    data = qcow2_with_data(data_bytes=MIB)
    where = layout(data)
    beyond = (len(data) // where["cluster"] + 10) * where["cluster"]

    assert tables_verdict(patched(data, where["l1_offset"], struct.pack(">Q", beyond))) == (
        str(errors.TRUNCATED_IMAGE())
    )


def test_it_finds_an_l2_entry_that_is_not_a_cluster_offset() -> None:
    data = qcow2_with_data(data_bytes=MIB)
    where = layout(data)

    damaged = patched(data, where["l2_offset"], struct.pack(">Q", (1 << 63) | 12345 << 9))

    assert tables_verdict(damaged) == str(errors.DAMAGED_TABLES())


def test_it_finds_a_compressed_cluster_past_the_end() -> None:
    data = qcow2_with_data(data_bytes=MIB)
    where = layout(data)

    damaged = patched(data, where["l2_offset"], struct.pack(">Q", (1 << 62) | len(data) + 512))

    assert tables_verdict(damaged) == str(errors.TRUNCATED_IMAGE())


def test_it_finds_a_refcount_block_past_the_end() -> None:
    data = qcow2_with_data(data_bytes=MIB)
    (refcount_table,) = struct.unpack(">Q", data[48:56])

    damaged = patched(data, refcount_table, struct.pack(">Q", len(data) + (1 << 20)))

    assert tables_verdict(damaged) == str(errors.TRUNCATED_IMAGE())


def test_it_reads_an_l2_table_named_many_times_once() -> None:
    # Every L1 entry names the same L2 table: the check must not read it again and again.
    data = build_qcow2(64 * GIB)
    where = layout(data)
    assert where["l1_size"] == 128
    table = len(data)  # one zeroed cluster appended after the metadata
    entries = struct.pack(f">{where['l1_size']}Q", *([table | (1 << 63)] * where["l1_size"]))
    data = patched(data, where["l1_offset"], entries) + bytes(where["cluster"])
    reader = RecordingReader(data)

    check_tables(reader, len(data))

    assert reader.ranges.count((table, where["cluster"])) == 1


def test_it_reads_the_tables_back_through_the_storage(media: Path) -> None:
    data = qcow2_with_data(data_bytes=2 * MIB)
    with open_image_writer(NAME) as writer:
        writer.file.write(data[: len(data) - MIB])
        stored = writer.commit()

    with open_ranges(stored) as (read_range, size), pytest.raises(ImportFailed) as failure:
        check_tables(read_range, size)

    assert failure.value.reason == str(errors.TRUNCATED_IMAGE())
