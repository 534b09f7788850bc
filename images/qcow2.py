"""Well-formed qcow2 disk images made from scratch, for demo data, tests and benchmarks.

The images follow the qcow2 specification (QEMU's ``docs/interop/qcow2.txt``): a header in
cluster 0, a refcount table and refcount blocks counting every cluster in use, an L1 table, and
for images holding data, L2 tables mapping the guest's first clusters to data clusters. They can
be attached to a virtual machine as they are.

Layout, in clusters::

    0             header (+ header extensions, + backing file name)
    1 ..          refcount table
    ..            refcount blocks (16-bit refcounts)
    ..            L1 table
    ..            L2 tables
    ..            data clusters (guest clusters 0, 1, 2, ... in order)
"""

import hashlib
import io
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Final

from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext, algorithms, modes

MAGIC: Final = b"QFI\xfb"
HEADER_V2_LENGTH: Final = 72
HEADER_V3_LENGTH: Final = 104
REFCOUNT_ORDER: Final = 4  # 16-bit refcounts, the only width QEMU creates by default
# Bit 63 of an L1/L2 entry: the cluster's refcount is exactly one, so it may be written in place.
OFLAG_COPIED: Final = 1 << 63
INCOMPAT_DATA_FILE: Final = 1 << 2
HEADER_EXT_END: Final = 0x00000000
HEADER_EXT_DATA_FILE: Final = 0x44415441
EXTERNAL_DATA_FILE_NAME: Final = b"disk.data"
MIN_CLUSTER_BITS: Final = 9
MAX_CLUSTER_BITS: Final = 21
MAX_BACKING_FILE_NAME: Final = 1023
# Data is written this many bytes at a time, whatever the cluster size.
_WRITE_CHUNK: Final = 1 << 20


@dataclass(frozen=True)
class _Layout:
    cluster_bits: int
    virtual_size: int
    data_clusters: int
    refcount_table_clusters: int
    refcount_blocks: int
    l1_entries: int
    l1_clusters: int
    l2_tables: int

    @property
    def cluster_size(self) -> int:
        return 1 << self.cluster_bits

    @property
    def refcount_table_offset(self) -> int:
        return self.cluster_size

    @property
    def refcount_blocks_offset(self) -> int:
        return self.refcount_table_offset + self.refcount_table_clusters * self.cluster_size

    @property
    def l1_offset(self) -> int:
        return self.refcount_blocks_offset + self.refcount_blocks * self.cluster_size

    @property
    def l2_offset(self) -> int:
        return self.l1_offset + self.l1_clusters * self.cluster_size

    @property
    def data_offset(self) -> int:
        return self.l2_offset + self.l2_tables * self.cluster_size

    @property
    def total_clusters(self) -> int:
        return self.data_offset // self.cluster_size + self.data_clusters


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _plan(virtual_size: int, data_bytes: int, cluster_bits: int) -> _Layout:
    if not MIN_CLUSTER_BITS <= cluster_bits <= MAX_CLUSTER_BITS:
        raise ValueError(f"cluster_bits must be {MIN_CLUSTER_BITS}-{MAX_CLUSTER_BITS}")
    if virtual_size < 0 or data_bytes < 0:
        raise ValueError("sizes must not be negative")
    if data_bytes > virtual_size:
        raise ValueError("data_bytes cannot exceed virtual_size")
    cluster_size = 1 << cluster_bits
    l2_entries = cluster_size // 8
    data_clusters = _ceil_div(data_bytes, cluster_size)
    l1_entries = _ceil_div(virtual_size, cluster_size * l2_entries)
    l1_clusters = max(1, _ceil_div(l1_entries * 8, cluster_size))
    l2_tables = _ceil_div(data_clusters, l2_entries)
    refcounts_per_block = cluster_size * 8 // (1 << REFCOUNT_ORDER)
    # The refcount structures count themselves, so grow them until they cover everything.
    table_clusters, blocks = 1, 1
    while True:
        total = 1 + table_clusters + blocks + l1_clusters + l2_tables + data_clusters
        need_blocks = _ceil_div(total, refcounts_per_block)
        need_table = _ceil_div(need_blocks * 8, cluster_size)
        if (need_blocks, need_table) == (blocks, table_clusters):
            break
        blocks, table_clusters = max(blocks, need_blocks), max(table_clusters, need_table)
    return _Layout(
        cluster_bits=cluster_bits,
        virtual_size=virtual_size,
        data_clusters=data_clusters,
        refcount_table_clusters=table_clusters,
        refcount_blocks=blocks,
        l1_entries=l1_entries,
        l1_clusters=l1_clusters,
        l2_tables=l2_tables,
    )


def _header_cluster(
    layout: _Layout,
    *,
    backing_file: str | None,
    data_file_bit: bool,
    incompatible_bits: int,
    version: int,
) -> bytes:
    if version not in (2, 3):
        raise ValueError("version must be 2 or 3")
    if version == 2 and (data_file_bit or incompatible_bits):
        raise ValueError("qcow2 version 2 has no feature bits")
    incompatible = incompatible_bits | (INCOMPAT_DATA_FILE if data_file_bit else 0)

    extensions = b""
    if data_file_bit:
        extensions += _extension(HEADER_EXT_DATA_FILE, EXTERNAL_DATA_FILE_NAME)
    extensions += _extension(HEADER_EXT_END, b"")

    header_length = HEADER_V3_LENGTH if version == 3 else HEADER_V2_LENGTH
    backing = (backing_file or "").encode()
    if len(backing) > MAX_BACKING_FILE_NAME:
        raise ValueError("backing file name too long")
    backing_offset = header_length + len(extensions) if backing else 0

    header = struct.pack(
        ">4sIQIIQIIQQIIQ",
        MAGIC,
        version,
        backing_offset,
        len(backing),
        layout.cluster_bits,
        layout.virtual_size,
        0,  # crypt_method: none
        layout.l1_entries,
        layout.l1_offset,
        layout.refcount_table_offset,
        layout.refcount_table_clusters,
        0,  # nb_snapshots
        0,  # snapshots_offset
    )
    if version == 3:
        header += struct.pack(
            ">QQQII",
            incompatible,
            0,  # compatible features
            0,  # autoclear features
            REFCOUNT_ORDER,
            header_length,
        )
    cluster = header + extensions + backing
    if len(cluster) > layout.cluster_size:
        raise ValueError("header does not fit in one cluster")
    return cluster.ljust(layout.cluster_size, b"\0")


def _extension(kind: int, data: bytes) -> bytes:
    padded = data.ljust(_ceil_div(len(data), 8) * 8, b"\0")
    return struct.pack(">II", kind, len(data)) + padded


def _table_clusters(
    entries: Iterator[int], count: int, clusters: int, size: int
) -> Iterator[bytes]:
    """``clusters`` clusters holding ``count`` 64-bit big-endian entries, then zeros."""
    per_cluster = size // 8
    for _ in range(clusters):
        n = min(per_cluster, count)
        count -= n
        values = [next(entries) for _ in range(n)]
        yield struct.pack(f">{n}Q", *values).ljust(size, b"\0")


def _metadata(layout: _Layout, header: bytes) -> Iterator[bytes]:
    """Every metadata cluster in file order, one cluster at a time (flat memory)."""
    size = layout.cluster_size
    yield header

    table = (layout.refcount_blocks_offset + i * size for i in range(layout.refcount_blocks))
    yield from _table_clusters(table, layout.refcount_blocks, layout.refcount_table_clusters, size)

    per_block = size // 2
    remaining = layout.total_clusters
    for _ in range(layout.refcount_blocks):
        n = min(per_block, remaining)
        remaining -= n
        yield struct.pack(f">{n}H", *([1] * n)).ljust(size, b"\0")

    l1 = (
        (layout.l2_offset + i * size) | OFLAG_COPIED if i < layout.l2_tables else 0
        for i in range(layout.l1_entries)
    )
    yield from _table_clusters(l1, layout.l1_entries, layout.l1_clusters, size)

    l2 = ((layout.data_offset + i * size) | OFLAG_COPIED for i in range(layout.data_clusters))
    yield from _table_clusters(l2, layout.data_clusters, layout.l2_tables, size)


def _keystream(seed: int) -> CipherContext:
    """Pseudo-random bytes from ``seed``: AES-CTR runs at several GB/s where ``random`` manages
    a few hundred MB/s, which matters when building multi-GiB benchmark images."""
    key = hashlib.sha256(seed.to_bytes(16, "big", signed=True)).digest()
    return Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()


def _write_all(
    out: BinaryIO,
    virtual_size: int,
    *,
    data_bytes: int,
    seed: int,
    cluster_bits: int,
    backing_file: str | None = None,
    data_file_bit: bool = False,
    incompatible_bits: int = 0,
    version: int = 3,
) -> int:
    layout = _plan(virtual_size, data_bytes, cluster_bits)
    header = _header_cluster(
        layout,
        backing_file=backing_file,
        data_file_bit=data_file_bit,
        incompatible_bits=incompatible_bits,
        version=version,
    )
    written = 0
    for cluster in _metadata(layout, header):
        out.write(cluster)
        written += len(cluster)

    keystream = _keystream(seed)
    zeros = bytes(_WRITE_CHUNK)
    remaining = data_bytes
    while remaining:
        n = min(_WRITE_CHUNK, remaining)
        out.write(keystream.update(zeros[:n]))
        written += n
        remaining -= n
    # The last data cluster is whole on disk, like QEMU leaves it.
    tail = layout.data_clusters * layout.cluster_size - data_bytes
    if tail:
        out.write(b"\0" * tail)
        written += tail
    return written


def build_qcow2(
    virtual_size: int,
    *,
    backing_file: str | None = None,
    data_file_bit: bool = False,
    incompatible_bits: int = 0,
    version: int = 3,
    cluster_bits: int = 16,
) -> bytes:
    """An empty qcow2 image of ``virtual_size`` bytes (every guest cluster reads as zeros).

    ``backing_file`` names a backing file in the header, ``data_file_bit`` marks the image as
    keeping its data in an external file, ``incompatible_bits`` sets further incompatible
    feature bits (version 3 only): each variant is an image the console must refuse.
    """
    out = io.BytesIO()
    _write_all(
        out,
        virtual_size,
        data_bytes=0,
        seed=0,
        cluster_bits=cluster_bits,
        backing_file=backing_file,
        data_file_bit=data_file_bit,
        incompatible_bits=incompatible_bits,
        version=version,
    )
    return out.getvalue()


def write_qcow2(
    path_or_file: str | os.PathLike[str] | BinaryIO,
    virtual_size: int,
    *,
    data_bytes: int = 0,
    seed: int = 0,
    cluster_bits: int = 16,
) -> int:
    """Write a qcow2 image whose first ``data_bytes`` guest bytes hold pseudo-random data.

    The data is allocated for real (a 1 GiB image takes 1 GiB on disk) and written a chunk at a
    time. The same ``seed`` gives the same bytes. Returns the size of the file written.
    """
    if isinstance(path_or_file, str | os.PathLike):
        with Path(path_or_file).open("wb") as out:
            return _write_all(
                out, virtual_size, data_bytes=data_bytes, seed=seed, cluster_bits=cluster_bits
            )
    return _write_all(
        path_or_file, virtual_size, data_bytes=data_bytes, seed=seed, cluster_bits=cluster_bits
    )
