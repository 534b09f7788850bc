"""Store, hash and inspect an image file in one pass over its bytes.

The file arrives as a stream (an HTTP body or a browser upload spooled to disk) that may be tens
of GiB, so it is read once, in large chunks: each chunk is written to storage, handed to two
hashing threads (sha512 shown as the image's "OS hash", md5 as its checksum; hashlib releases
the GIL on large buffers, so both run beside the transfer on separate cores), and shown to the
disk-format inspector that OpenStack Glance, Nova and Cinder use. Memory stays flat: the hash
queues are short and nothing is kept once written and hashed.

The file is accepted only if its bytes are qcow2 and nothing else, and only if the image is
self-contained: no backing file, no external data file, no feature we do not know. A qcow2 that
points at other files would let an image read the host's files when a server boots from it.
"""

import hashlib
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO, Final

from oslo_utils.imageutils import format_inspector

from images.pipeline import errors, qcow2_layout
from images.pipeline.errors import ImportFailed

QCOW2: Final = "qcow2"
QCOW2_MAGIC: Final = b"QFI\xfb"
DEFAULT_CHUNK_SIZE: Final = 1 << 20
# Chunks waiting for each hashing thread; bounds memory at a few chunks per hash.
HASH_QUEUE_DEPTH: Final = 4
PROGRESS_INTERVAL: Final = 1.0

# Bytes of the qcow2 header we look at ourselves, beyond what the inspector checks.
_HEADER_BYTES: Final = qcow2_layout.HEADER_BYTES

# The inspector's qcow2 safety checks, most specific first, and what they mean to a user.
_SAFETY_REASONS: Final = (
    ("backing_file", errors.BACKING_FILE),
    ("data_file", errors.DATA_FILE),
    ("unknown_features", errors.UNSUPPORTED_FEATURES),
)

ProgressCallback = Callable[[int, int | None], None]


@dataclass(frozen=True)
class IngestResult:
    """What the import learnt about the stored file."""

    size: int
    virtual_size: int
    sha512: str
    md5: str
    format_name: str


def ingest(
    read: Callable[[int], bytes],
    writer: BinaryIO,
    *,
    max_bytes: int,
    max_virtual_bytes: int | None = None,
    expected_length: int | None,
    on_progress: ProgressCallback | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    clock: Callable[[], float] = time.monotonic,
) -> IngestResult:
    """Copy the stream ``read`` gives into ``writer`` while hashing and inspecting it.

    ``read(n)`` returns up to ``n`` bytes and ``b""`` at the end. At most ``max_bytes`` are
    accepted, and an image whose header claims a virtual size over ``max_virtual_bytes`` is
    refused as soon as the header is seen; ``expected_length`` (the announced Content-Length,
    if any) must match what arrives. ``on_progress(done, expected_length)`` is called about
    once a second and once at the end. Raises :class:`ImportFailed` when the file cannot be
    accepted; the caller removes whatever was written.
    """
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    if expected_length is not None and expected_length > max_bytes:
        raise errors.too_large(max_bytes)

    inspection = _Inspection(max_virtual_bytes)
    hashers = (_Hasher("sha512"), _Hasher("md5"))
    storing = _Stage("write", writer.write)
    stages = (*hashers, storing)
    done = 0
    next_report = clock() + PROGRESS_INTERVAL
    try:
        while True:
            # Ask for one byte past the cap, so an oversized file is caught without reading on.
            want = min(chunk_size, max_bytes - done + 1)
            try:
                chunk = read(want)
            except ImportFailed:
                raise
            except OSError as exc:
                raise ImportFailed(errors.READ_FAILED) from exc
            if not chunk:
                break
            if done + len(chunk) > max_bytes:
                raise errors.too_large(max_bytes)
            if expected_length is not None and done + len(chunk) > expected_length:
                raise errors.length_mismatch(done + len(chunk), expected_length)
            for stage in stages:
                stage.feed(chunk)
            inspection.eat(chunk)
            done += len(chunk)
            if on_progress is not None and clock() >= next_report:
                on_progress(done, expected_length)
                next_report = clock() + PROGRESS_INTERVAL

        if expected_length is not None and done != expected_length:
            raise errors.length_mismatch(done, expected_length)
        if on_progress is not None:
            on_progress(done, expected_length)
        if done == 0:
            raise ImportFailed(errors.EMPTY_FILE)
        virtual_size = inspection.finish(done)
        storing.finish()
        sha512, md5 = (hasher.hexdigest() for hasher in hashers)
    finally:
        for stage in stages:
            stage.stop()
    return IngestResult(
        size=done, virtual_size=virtual_size, sha512=sha512, md5=md5, format_name=QCOW2
    )


class _Stage:
    """One consumer of the chunks (a hash, the storage write) on its own thread, fed in
    order through a short queue, so reading, writing and both hashes overlap."""

    def __init__(self, name: str, consume: Callable[[bytes], object]) -> None:
        self._consume = consume
        self.error: BaseException | None = None
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=HASH_QUEUE_DEPTH)
        self._thread = threading.Thread(target=self._run, name=f"ingest-{name}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self.error is None:  # after a failure, drain so the feeder never blocks
                try:
                    self._consume(chunk)
                except BaseException as exc:  # re-raised in the feeding thread
                    self.error = exc

    def feed(self, chunk: bytes) -> None:
        self._raise_error()
        self._queue.put(chunk)

    def finish(self) -> None:
        self.stop()
        self._raise_error()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()

    def _raise_error(self) -> None:
        if isinstance(self.error, OSError):
            raise ImportFailed(errors.STORAGE_FAILED) from self.error
        if self.error is not None:
            raise self.error


class _Hasher(_Stage):
    def __init__(self, name: str) -> None:
        self._hash = hashlib.new(name, usedforsecurity=False)
        super().__init__(name, self._hash.update)

    def hexdigest(self) -> str:
        self.finish()
        return self._hash.hexdigest()


class _Feed:
    """Hands the inspector the chunk we already hold, as if it were reading a file."""

    def __init__(self) -> None:
        self.pending = b""

    def read(self, size: int) -> bytes:
        chunk, self.pending = self.pending, b""
        return chunk

    def close(self) -> None:
        pass


class _Inspection:
    """The format inspector, fed until it has decided, then asked for its verdict.

    The verdict is given as soon as every inspector has seen what it needs (the deepest look,
    VHDX's header, ends at 256 KiB), usually within the first chunk: a file that is not an
    acceptable qcow2 is refused then, not after downloading all of it, and the rest of a large
    file is not shown to the inspectors at all.
    """

    def __init__(self, max_virtual_bytes: int | None) -> None:
        self._max_virtual_bytes = max_virtual_bytes
        self._feed = _Feed()
        self._wrapper = format_inspector.InspectWrapper(
            self._feed,  # type: ignore[arg-type]
            expected_format=QCOW2,
        )
        self._head = b""
        self._virtual_size: int | None = None
        self._metadata_end = 0

    def eat(self, chunk: bytes) -> None:
        """Show the inspector the next chunk; raises ImportFailed as soon as the file is refused."""
        if len(self._head) < _HEADER_BYTES:
            self._head += chunk[: _HEADER_BYTES - len(self._head)]
        if self._virtual_size is not None:
            return
        self._feed.pending = chunk
        try:
            self._wrapper.read(len(chunk))
            decided = self._wrapper.formats is not None
        except format_inspector.ImageFormatError as exc:
            # Raised once the qcow2 inspector has the whole header and it is not qcow2.
            raise ImportFailed(self._not_qcow2_reason()) from exc
        except Exception as exc:
            raise ImportFailed(errors.DAMAGED_HEADER) from exc
        if decided:
            self._virtual_size = self._judge()

    def finish(self, file_size: int) -> int:
        """The image's virtual size once the whole file was seen, or ImportFailed."""
        if self._virtual_size is None:
            self._wrapper.close()
            self._virtual_size = self._judge()
        # A file cut short still has an intact header; its tables would lie past the end.
        if self._metadata_end > file_size:
            raise ImportFailed(errors.TRUNCATED_IMAGE)
        return self._virtual_size

    def _judge(self) -> int:
        try:
            found = self._wrapper.format
        except format_inspector.ImageFormatError as exc:
            raise ImportFailed(errors.SEVERAL_FORMATS) from exc
        if found is None or found.NAME != QCOW2:
            raise ImportFailed(self._not_qcow2_reason())
        header = qcow2_layout.parse_header(self._head)
        qcow2_layout.check_structure(header)
        try:
            found.safety_check()
        except format_inspector.SafetyCheckFailed as exc:
            for check, reason in _SAFETY_REASONS:
                if check in exc.failures:
                    raise ImportFailed(reason) from exc
            raise ImportFailed(errors.UNSUPPORTED_FEATURES) from exc
        except Exception as exc:
            raise ImportFailed(errors.DAMAGED_HEADER) from exc
        virtual_size = qcow2_layout.check_size(header, max_virtual_bytes=self._max_virtual_bytes)
        self._metadata_end = header.metadata_end
        return virtual_size

    def _not_qcow2_reason(self) -> str:
        if self._head.startswith(QCOW2_MAGIC):
            return errors.DAMAGED_HEADER
        return errors.NOT_QCOW2
