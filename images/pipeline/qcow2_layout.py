"""The qcow2 header and cluster tables, checked the way QEMU would read them.

The streaming pass (``ingest``) sees the header as the bytes go by and refuses an image whose
header QEMU could not open. Whether the image's tables point inside the file can only be told
once the whole file is stored: :func:`check_tables` then reads back only the metadata (header,
refcount table, L1 table, the L2 tables it names) through a ``read_range(offset, length)``
function, so a file in object storage is checked with a few ranged reads instead of a second
download.

Field layout and limits follow QEMU's ``docs/interop/qcow2.txt`` and ``block/qcow2.h``.
"""

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Final

from images.pipeline import errors
from images.pipeline.errors import ImportFailed

HEADER_BYTES: Final = 512
MIN_CLUSTER_BITS: Final = 9
MAX_CLUSTER_BITS: Final = 21
V3_MIN_HEADER_LENGTH: Final = 104
INCOMPAT_CORRUPT: Final = 1 << 1
# QEMU refuses to open images whose tables exceed these sizes (QCOW_MAX_L1_SIZE,
# QCOW_MAX_REFTABLE_SIZE).
MAX_L1_BYTES: Final = 32 << 20
MAX_REFCOUNT_TABLE_BYTES: Final = 8 << 20

# Host offsets in table entries: bits 9-55 (L1, L2 standard clusters), 9-63 (refcount table).
_L1_L2_OFFSET_MASK: Final = 0x00FF_FFFF_FFFF_FE00
_REFCOUNT_OFFSET_MASK: Final = 0xFFFF_FFFF_FFFF_FE00
_COMPRESSED: Final = 1 << 62
_READ_CHUNK: Final = 1 << 20

ReadRange = Callable[[int, int], bytes]


@dataclass(frozen=True)
class Header:
    version: int
    backing_file_offset: int
    cluster_bits: int
    virtual_size: int
    crypt_method: int
    l1_size: int
    l1_offset: int
    refcount_table_offset: int
    refcount_table_clusters: int
    incompatible_features: int
    header_length: int

    @property
    def cluster_size(self) -> int:
        return 1 << self.cluster_bits

    @property
    def metadata_end(self) -> int:
        """Where the L1 and refcount tables end: the file must be at least this long."""
        return max(
            self.l1_offset + 8 * self.l1_size,
            self.refcount_table_offset + self.refcount_table_clusters * self.cluster_size,
        )


def parse_header(head: bytes) -> Header:
    """The fields of a qcow2 header; ``head`` holds at least its first 104 bytes."""
    if len(head) < V3_MIN_HEADER_LENGTH:
        raise ImportFailed(errors.DAMAGED_HEADER)
    (
        version,
        backing_file_offset,
        cluster_bits,
        virtual_size,
        crypt_method,
        l1_size,
        l1_offset,
        refcount_table_offset,
        refcount_table_clusters,
    ) = struct.unpack(">4xIQ4xIQIIQQI", head[:60])
    incompatible, header_length = 0, 72
    if version >= 3:
        (incompatible,) = struct.unpack(">Q", head[72:80])
        (header_length,) = struct.unpack(">I", head[100:104])
    return Header(
        version=version,
        backing_file_offset=backing_file_offset,
        cluster_bits=cluster_bits,
        virtual_size=virtual_size,
        crypt_method=crypt_method,
        l1_size=l1_size,
        l1_offset=l1_offset,
        refcount_table_offset=refcount_table_offset,
        refcount_table_clusters=refcount_table_clusters,
        incompatible_features=incompatible,
        header_length=header_length,
    )


def check_structure(header: Header) -> None:
    """Fields no sound qcow2 header of any version has; checked before the inspector's
    safety checks, so random bytes after the magic are called a damaged header rather than
    whatever feature their bits happen to spell."""
    if not MIN_CLUSTER_BITS <= header.cluster_bits <= MAX_CLUSTER_BITS:
        raise ImportFailed(errors.DAMAGED_HEADER)
    if header.crypt_method != 0:
        raise ImportFailed(errors.ENCRYPTED)
    if header.version == 3 and (
        header.header_length < V3_MIN_HEADER_LENGTH
        or header.incompatible_features & INCOMPAT_CORRUPT
    ):
        raise ImportFailed(errors.DAMAGED_HEADER)
    cluster_size = header.cluster_size
    if (
        header.l1_offset % cluster_size
        or header.refcount_table_offset % cluster_size
        or not header.refcount_table_offset
        or not header.refcount_table_clusters
        or header.refcount_table_clusters * cluster_size > MAX_REFCOUNT_TABLE_BYTES
        or header.l1_size * 8 > MAX_L1_BYTES
    ):
        raise ImportFailed(errors.DAMAGED_HEADER)


def check_size(header: Header, *, max_virtual_bytes: int | None) -> int:
    """The image's virtual size, within the console's bound and mapped by its L1 table."""
    virtual_size = header.virtual_size
    if virtual_size <= 0:
        raise ImportFailed(errors.ZERO_SIZE_DISK)
    if max_virtual_bytes is not None and virtual_size > max_virtual_bytes:
        raise errors.virtual_too_large(virtual_size, max_virtual_bytes)
    bytes_per_l1_entry = header.cluster_size * (header.cluster_size // 8)
    if header.l1_size < -(-virtual_size // bytes_per_l1_entry):
        # QEMU: "L1 table is too small" -- part of the disk could never be read.
        raise ImportFailed(errors.DAMAGED_HEADER)
    return virtual_size


def check_tables(read_range: ReadRange, file_size: int) -> None:
    """Prove that every refcount block, L2 table and data cluster the tables name lies inside
    the file of ``file_size`` bytes, reading nothing but the metadata.

    Raises ImportFailed: TRUNCATED_IMAGE when a table points past the end of the file (a file
    cut short inside its data), DAMAGED_TABLES when an entry is not a cluster offset at all.
    Each L2 table is read once however many L1 entries name it, so the bytes read never
    exceed the file's size.
    """
    header = parse_header(read_range(0, HEADER_BYTES))
    check_structure(header)
    if header.metadata_end > file_size:
        raise ImportFailed(errors.TRUNCATED_IMAGE)
    cluster_size = header.cluster_size

    def check_cluster(offset: int) -> None:
        if offset % cluster_size:
            raise ImportFailed(errors.DAMAGED_TABLES)
        if offset + cluster_size > file_size:
            raise ImportFailed(errors.TRUNCATED_IMAGE)

    refcount_entries = header.refcount_table_clusters * cluster_size // 8
    for entry in _entries(read_range, header.refcount_table_offset, refcount_entries):
        if offset := entry & _REFCOUNT_OFFSET_MASK:
            check_cluster(offset)

    # One bit per cluster of the file: an L2 table named again is not read again.
    read_tables = bytearray(file_size // cluster_size // 8 + 1)
    for entry in _entries(read_range, header.l1_offset, header.l1_size):
        table = entry & _L1_L2_OFFSET_MASK
        if not table:
            continue
        check_cluster(table)
        index = table // cluster_size
        if read_tables[index >> 3] & (1 << (index & 7)):
            continue
        read_tables[index >> 3] |= 1 << (index & 7)
        _check_l2(read_range, table, header.cluster_bits, file_size, check_cluster)


def _check_l2(
    read_range: ReadRange,
    offset: int,
    cluster_bits: int,
    file_size: int,
    check_cluster: Callable[[int], None],
) -> None:
    # A compressed cluster's descriptor keeps its host offset in the low bits.
    compressed_offset_mask = (1 << (62 - (cluster_bits - 8))) - 1
    for entry in _entries(read_range, offset, (1 << cluster_bits) // 8):
        if entry & _COMPRESSED:
            if entry & compressed_offset_mask >= file_size:
                raise ImportFailed(errors.TRUNCATED_IMAGE)
        elif data := entry & _L1_L2_OFFSET_MASK:
            check_cluster(data)


def _entries(read_range: ReadRange, offset: int, count: int) -> Iterator[int]:
    """``count`` big-endian 64-bit table entries from ``offset``, read a chunk at a time."""
    per_chunk = _READ_CHUNK // 8
    while count > 0:
        n = min(per_chunk, count)
        data = read_range(offset, n * 8)
        if len(data) != n * 8:
            raise ImportFailed(errors.TRUNCATED_IMAGE)
        yield from struct.unpack(f">{n}Q", data)
        offset += n * 8
        count -= n
