"""Why an image import failed, in words a console user understands.

Every failure of the import pipeline is raised as :class:`ImportFailed`; its ``reason`` is shown
on the image's detail page and written to the work history, so it must make sense to someone who
only knows the URL they typed and the file they pointed at.
"""

# --- The file itself -----------------------------------------------------------
NOT_QCOW2 = "The file is not a qcow2 image"
SEVERAL_FORMATS = "The file looks like more than one disk image format"
BACKING_FILE = "The qcow2 image names a backing file, which is not allowed"
DATA_FILE = "The qcow2 image uses an external data file, which is not allowed"
UNSUPPORTED_FEATURES = "The qcow2 image uses unsupported features"
DAMAGED_HEADER = "The qcow2 header is truncated or damaged"
TRUNCATED_IMAGE = "The file ends before the qcow2 image does"
ZERO_SIZE_DISK = "The qcow2 image has a virtual size of zero"
EMPTY_FILE = "The file is empty"
ENCRYPTED = "The qcow2 image is encrypted, which is not supported"
DAMAGED_TABLES = "The qcow2 image's cluster tables are damaged"

# --- The URL -------------------------------------------------------------------
INVALID_URL = "The URL is not valid"
BAD_SCHEME = "The URL must use http or https"
USERINFO_IN_URL = "The URL must not contain a user name or password"
PRIVATE_ADDRESS = "The URL resolves to a private address"
NAME_UNRESOLVED = "The host name could not be resolved"
TOO_MANY_REDIRECTS = "Too many redirects"
REDIRECT_WITHOUT_LOCATION = "The server sent a redirect without a location"

# --- The transfer --------------------------------------------------------------
CONNECT_FAILED = "Could not connect to the server"
TIMED_OUT = "The server did not answer in time"
CONNECTION_LOST = "The connection to the server was lost"
TLS_CERTIFICATE = "The server's TLS certificate could not be verified"
TLS_FAILED = "A secure connection to the server could not be established"
BAD_RESPONSE = "The server sent an invalid HTTP response"
READ_FAILED = "The file could not be read"
STORAGE_FAILED = "The image could not be written to storage"

# Templates: fill them through the helpers below so the wording stays in one place.
HTTP_STATUS = "The server answered HTTP {status}"
TOO_LARGE = "Download stopped at {cap}"
LENGTH_MISMATCH = "The server sent {received:,} bytes but announced {announced:,}"
VIRTUAL_TOO_LARGE = "The qcow2 image's virtual size of {size} is larger than the {cap} allowed"

_UNITS = (
    ("EiB", 1 << 60),
    ("PiB", 1 << 50),
    ("TiB", 1 << 40),
    ("GiB", 1 << 30),
    ("MiB", 1 << 20),
    ("KiB", 1 << 10),
)


class ImportFailed(Exception):
    """An import that cannot succeed; ``reason`` is the sentence to show the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def human_size(n: int) -> str:
    """A byte count as the console shows it: ``64 GiB``, ``1.5 MiB``, ``10 bytes``."""
    for unit, factor in _UNITS:
        if n >= factor:
            value = f"{n / factor:.1f}".removesuffix(".0")
            return f"{value} {unit}"
    return "1 byte" if n == 1 else f"{n} bytes"


def http_status(status: int) -> ImportFailed:
    return ImportFailed(HTTP_STATUS.format(status=status))


def too_large(max_bytes: int) -> ImportFailed:
    return ImportFailed(TOO_LARGE.format(cap=human_size(max_bytes)))


def virtual_too_large(virtual_size: int, max_virtual_bytes: int) -> ImportFailed:
    size, cap = human_size(virtual_size), human_size(max_virtual_bytes)
    if size == cap:  # just over the bound: rounding would make the two look equal
        size = f"{virtual_size:,} bytes"
    return ImportFailed(VIRTUAL_TOO_LARGE.format(size=size, cap=cap))


def length_mismatch(received: int, announced: int) -> ImportFailed:
    return ImportFailed(LENGTH_MISMATCH.format(received=received, announced=announced))
