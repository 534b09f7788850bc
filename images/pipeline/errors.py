"""Why an image import failed, in words a console user understands.

Every failure of the import pipeline is raised as :class:`ImportFailed` with one of the
phrases below; the reason is kept as data on the image and in its work history and shown on
the detail page, so it must make sense to someone who only knows the URL they typed and the
file they pointed at.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from console.formats import SIZE, human_size
from console.phrases import Message, Phrase, phrase

# --- The file itself -----------------------------------------------------------
NOT_QCOW2 = phrase("import.not_qcow2", _("The file is not a qcow2 image"))
SEVERAL_FORMATS = phrase(
    "import.several_formats", _("The file looks like more than one disk image format")
)
BACKING_FILE = phrase(
    "import.backing_file", _("The qcow2 image names a backing file, which is not allowed")
)
DATA_FILE = phrase(
    "import.data_file", _("The qcow2 image uses an external data file, which is not allowed")
)
UNSUPPORTED_FEATURES = phrase(
    "import.unsupported_features", _("The qcow2 image uses unsupported features")
)
DAMAGED_HEADER = phrase("import.damaged_header", _("The qcow2 header is truncated or damaged"))
TRUNCATED_IMAGE = phrase("import.truncated_image", _("The file ends before the qcow2 image does"))
ZERO_SIZE_DISK = phrase("import.zero_size_disk", _("The qcow2 image has a virtual size of zero"))
EMPTY_FILE = phrase("import.empty_file", _("The file is empty"))
ENCRYPTED = phrase("import.encrypted", _("The qcow2 image is encrypted, which is not supported"))
DAMAGED_TABLES = phrase("import.damaged_tables", _("The qcow2 image's cluster tables are damaged"))
VIRTUAL_TOO_LARGE = phrase(
    "import.virtual_too_large",
    _("The qcow2 image's virtual size of {size} is larger than the {cap} allowed"),
)

# --- The URL -------------------------------------------------------------------
INVALID_URL = phrase("import.invalid_url", _("The URL is not valid"))
BAD_SCHEME = phrase("import.bad_scheme", _("The URL must use http or https"))
USERINFO_IN_URL = phrase(
    "import.userinfo_in_url", _("The URL must not contain a user name or password")
)
PRIVATE_ADDRESS = phrase("import.private_address", _("The URL resolves to a private address"))
NAME_UNRESOLVED = phrase("import.name_unresolved", _("The host name could not be resolved"))
TOO_MANY_REDIRECTS = phrase("import.too_many_redirects", _("Too many redirects"))
REDIRECT_WITHOUT_LOCATION = phrase(
    "import.redirect_without_location", _("The server sent a redirect without a location")
)

# --- The transfer --------------------------------------------------------------
CONNECT_FAILED = phrase("import.connect_failed", _("Could not connect to the server"))
TIMED_OUT = phrase("import.timed_out", _("The server did not answer in time"))
CONNECTION_LOST = phrase("import.connection_lost", _("The connection to the server was lost"))
TLS_CERTIFICATE = phrase(
    "import.tls_certificate", _("The server's TLS certificate could not be verified")
)
TLS_FAILED = phrase(
    "import.tls_failed", _("A secure connection to the server could not be established")
)
BAD_RESPONSE = phrase("import.bad_response", _("The server sent an invalid HTTP response"))
READ_FAILED = phrase("import.read_failed", _("The file could not be read"))
STORAGE_FAILED = phrase("import.storage_failed", _("The image could not be written to storage"))

HTTP_STATUS = phrase("import.http_status", _("The server answered HTTP {status}"))
TOO_LARGE = phrase("import.too_large", _("Download stopped at {cap}"))
LENGTH_MISMATCH = phrase(
    "import.length_mismatch", _("The server sent {received:,} bytes but announced {announced:,}")
)

# --- The import itself ----------------------------------------------------------
REASON_SOURCE_GONE = phrase("import.source_gone", _("The file to import is no longer available"))
REASON_UNEXPECTED = phrase(
    "import.unexpected", _("The import failed unexpectedly; try again or contact support")
)
REASON_NOT_RECORDED = phrase(
    "import.not_recorded",
    _("The imported image could not be recorded; try again or contact support"),
)
REASON_TOO_SLOW = phrase("import.too_slow", _("The import took longer than the time limit"))
REASON_TOO_MANY_ATTEMPTS = phrase(
    "import.too_many_attempts", _("The import was interrupted {n} times and was given up")
)


class ImportFailed(Exception):
    """An import that cannot succeed, and why (a phrase of this module and its values)."""

    def __init__(self, reason: Phrase | Message, **params: Any) -> None:
        self.message = reason(**params) if isinstance(reason, Phrase) else reason
        super().__init__(str(self.message))

    @property
    def reason(self) -> str:
        return str(self.message)


def http_status(status: int) -> ImportFailed:
    return ImportFailed(HTTP_STATUS, status=status)


def too_large(max_bytes: int) -> ImportFailed:
    return ImportFailed(TOO_LARGE, cap=SIZE(bytes=max_bytes))


def virtual_too_large(virtual_size: int, max_virtual_bytes: int) -> ImportFailed:
    size: Message | str = SIZE(bytes=virtual_size)
    if human_size(virtual_size) == human_size(max_virtual_bytes):
        size = f"{virtual_size:,} bytes"  # just over the bound: rounded, the two would look equal
    return ImportFailed(VIRTUAL_TOO_LARGE, size=size, cap=SIZE(bytes=max_virtual_bytes))


def length_mismatch(received: int, announced: int) -> ImportFailed:
    return ImportFailed(LENGTH_MISMATCH, received=received, announced=announced)
