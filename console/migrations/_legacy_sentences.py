"""The sentences the console wrote before it kept messages as data, and the message each
one stands for. Used by the migrations that convert stored rows (work history, import
failure reasons); frozen here so that later changes of wording do not change what old
rows convert to. A sentence matching none of them is kept word for word.
"""

import ast
import re

NAME = r"(?P<name>[A-Za-z0-9 _-]+)"

_UNITS = {"byte": 1, "bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}

# Import failure reasons (images.pipeline.errors), word for word.
_REASONS = {
    "The file is not a qcow2 image": "import.not_qcow2",
    "The file looks like more than one disk image format": "import.several_formats",
    "The qcow2 image names a backing file, which is not allowed": "import.backing_file",
    "The qcow2 image uses an external data file, which is not allowed": "import.data_file",
    "The qcow2 image uses unsupported features": "import.unsupported_features",
    "The qcow2 header is truncated or damaged": "import.damaged_header",
    "The file ends before the qcow2 image does": "import.truncated_image",
    "The qcow2 image has a virtual size of zero": "import.zero_size_disk",
    "The file is empty": "import.empty_file",
    "The qcow2 image is encrypted, which is not supported": "import.encrypted",
    "The URL is not valid": "import.invalid_url",
    "The URL must use http or https": "import.bad_scheme",
    "The URL must not contain a user name or password": "import.userinfo_in_url",
    "The URL resolves to a private address": "import.private_address",
    "The host name could not be resolved": "import.name_unresolved",
    "Too many redirects": "import.too_many_redirects",
    "The server sent a redirect without a location": "import.redirect_without_location",
    "Could not connect to the server": "import.connect_failed",
    "The server did not answer in time": "import.timed_out",
    "The connection to the server was lost": "import.connection_lost",
    "The server's TLS certificate could not be verified": "import.tls_certificate",
    "A secure connection to the server could not be established": "import.tls_failed",
    "The server sent an invalid HTTP response": "import.bad_response",
    "The file could not be read": "import.read_failed",
    "The image could not be written to storage": "import.storage_failed",
    "The file to import is no longer available": "import.source_gone",
    "The import failed unexpectedly; try again or contact support": "import.unexpected",
    "The import took longer than the time limit": "import.too_slow",
}

_SHARE_REFUSALS = {
    "Enter a valid account ID: 1 to 64 characters of English letters, digits and hyphens (-).": (
        "share.refusal.malformed_account_id"
    ),
    "This is the ID of your own account, which already has the image. Enter the ID of "
    "another account.": "share.refusal.own_account",
}

_SERVER_REFUSALS = {
    "Start the server to create an image from it.": "server.not_running",
    "The server's disk is not available; contact support.": "server.disk_missing",
}

_FIELDS = {
    "Minimum Disk": "min_disk_gb",
    "Minimum RAM": "min_ram_gb",
    "Visibility": "visibility",
    "Protected": "protected",
}


def message(code: str, **params) -> dict:
    return {"code": code, "params": params}


def text(sentence: str) -> dict:
    return message("text", text=sentence)


def _size(written: str) -> dict | None:
    match = re.fullmatch(r"(?P<n>[\d,]+(?:\.\d+)?) (?P<unit>bytes?|KiB|MiB|GiB|TiB)", written)
    if match is None:
        return None
    number = float(match["n"].replace(",", ""))
    return message("size", bytes=round(number * _UNITS[match["unit"]]))


def reason(sentence: str) -> dict | None:
    """An import failure reason as a message, or None if it is not one."""
    if sentence in _REASONS:
        return message(_REASONS[sentence])
    if match := re.fullmatch(r"The server answered HTTP (?P<status>\d+)", sentence):
        return message("import.http_status", status=int(match["status"]))
    if match := re.fullmatch(r"Download stopped at (?P<cap>.+)", sentence):
        cap = _size(match["cap"])
        return message("import.too_large", cap=cap) if cap else None
    if match := re.fullmatch(
        r"The server sent (?P<r>[\d,]+) bytes but announced (?P<a>[\d,]+)", sentence
    ):
        received, announced = (int(match[g].replace(",", "")) for g in ("r", "a"))
        return message("import.length_mismatch", received=received, announced=announced)
    if match := re.fullmatch(
        r"The import was interrupted (?P<n>\d+) times and was given up", sentence
    ):
        return message("import.too_many_attempts", n=int(match["n"]))
    return None


def _value(field: str, written: str):
    if field in ("min_disk_gb", "min_ram_gb"):
        match = re.fullmatch(r"(?P<n>[\d,]+) GB", written)
        return message("gigabytes", n=int(match["n"].replace(",", ""))) if match else None
    if field == "protected":
        return {"On": message("image.protected.on"), "Off": message("image.protected.off")}.get(
            written
        )
    return written


def _share_refusal(sentence: str) -> dict:
    if sentence in _SHARE_REFUSALS:
        return message(_SHARE_REFUSALS[sentence])
    patterns = (
        (
            "share.refusal.private",
            rf"Image {NAME} is Private\. Change its Visibility to Shared before sharing it with "
            r"another account\.",
        ),
        (
            "share.refusal.server_origin",
            rf"Image {NAME} was created from a GPU server\. Only uploaded images \(imported from "
            r"an image file\) can be shared with another account\.",
        ),
        (
            "share.refusal.already_shared",
            rf"Image {NAME} already has a share for account (?P<account_id>\S+)\. Delete that "
            r"share in Sharing status first to share it again\.",
        ),
    )
    for code, pattern in patterns:
        if match := re.fullmatch(pattern, sentence):
            return message(code, **match.groupdict())
    return text(sentence)


# (pattern, code or a function of the match returning the message) in the order tried.
_SENTENCES = [
    (rf"Created image {NAME} from the uploaded file (?P<file>.+)", "image.created.upload"),
    (rf"Created image {NAME} from a GPU server disk", "image.created.server"),
    (rf"Created image {NAME} from an uploaded file", "image.created.file"),
    (rf"Created image {NAME} from (?P<url>\S+)", "image.created.url"),
    (r"Import queued again", "image.import.queued_again"),
    (
        rf"Image {NAME} is protected and cannot be deleted\. Turn Protected off first\.",
        "image.delete.refused_protected",
    ),
    (
        rf"Image {NAME} is shared with your account; only its owner can delete it\.",
        "image.delete.refused_not_owner",
    ),
    (rf"Deleted image {NAME}", "image.deleted"),
    (r"Import started \(attempt (?P<attempt>\d+) of (?P<maximum>\d+)\)", "image.import.started"),
    (
        r"The import stopped responding \(attempt (?P<attempt>\d+) of (?P<maximum>\d+)\); "
        r"queued again",
        "image.import.stalled",
    ),
    (rf"Shared image {NAME} with account (?P<account>\S+) \(Pending\)", "share.requested"),
    (rf"Account (?P<account>\S+) accepted the share of image {NAME}", "share.accepted"),
    (rf"Account (?P<account>\S+) rejected the share of image {NAME}", "share.rejected"),
    (
        rf"Account (?P<account>\S+) removed image {NAME} from its list \(Rejected\)",
        "share.removed",
    ),
    (
        rf"Stopped sharing image {NAME} with account (?P<account>\S+) \(was (?P<status>\w+)\)",
        "share.stopped",
    ),
    (
        r"Stopped sharing with account (?P<account>\S+) \((?P<status>\w+)\) because Visibility "
        r"changed to Private",
        "share.stopped_private",
    ),
]
_INTEGERS = {"attempt", "maximum"}


def convert(sentence: str) -> dict:
    """The message a sentence written by the console stands for."""
    if not sentence:
        return {}
    for pattern, code in _SENTENCES:
        if match := re.fullmatch(pattern, sentence):
            params = {k: int(v) if k in _INTEGERS else v for k, v in match.groupdict().items()}
            return message(code, **params)
    if found := reason(sentence):
        return found
    if match := re.fullmatch(
        r"(?P<label>Minimum Disk|Minimum RAM|Visibility|Protected) changed from (?P<old>.+) "
        r"to (?P<new>.+)",
        sentence,
    ):
        field = _FIELDS[match["label"]]
        old, new = _value(field, match["old"]), _value(field, match["new"])
        if old is not None and new is not None:
            return message(
                "image.field.changed",
                field=message("image.field", field=field),
                old=old,
                new=new,
            )
    if match := re.fullmatch(
        r"Imported a (?P<size>.+?) qcow2 image \(virtual size (?P<virtual>.+?)\); "
        r"sha512 (?P<sha512>[0-9a-f]+)\.\.\.",
        sentence,
    ):
        size, virtual = _size(match["size"]), _size(match["virtual"])
        if size and virtual:
            return message(
                "image.import.succeeded", size=size, virtual_size=virtual, sha512=match["sha512"]
            )
    if match := re.fullmatch(r"Added tag (?P<key>[^=]+)=(?P<value>.*)", sentence, re.S):
        return message("image.tag.added", **match.groupdict())
    if match := re.fullmatch(r"Deleted tag (?P<key>[^=]+)=(?P<value>.*)", sentence, re.S):
        return message("image.tag.deleted", **match.groupdict())
    if match := re.fullmatch(
        r"Changed tag (?P<key>.+?) from (?P<old>'.*'|\".*\") to (?P<new>'.*'|\".*\")",
        sentence,
        re.S,
    ):
        try:
            old, new = ast.literal_eval(match["old"]), ast.literal_eval(match["new"])
        except (ValueError, SyntaxError):
            return text(sentence)
        return message("image.tag.value_changed", key=match["key"], old=old, new=new)
    if match := re.fullmatch(
        r"Changed tag (?P<old_key>[^=]+)=(?P<old_value>.*?) to (?P<key>[^=]+)=(?P<value>.*)",
        sentence,
        re.S,
    ):
        return message("image.tag.renamed", **match.groupdict())
    if match := re.fullmatch(
        r"Refused to share with account (?P<account>\S*): (?P<why>.+)", sentence
    ):
        return message(
            "share.refused", account=match["account"], reason=_share_refusal(match["why"])
        )
    if match := re.fullmatch(r"Create Image (?P<name>.+?) refused: (?P<why>.+)", sentence):
        why = match["why"]
        refusal = message(_SERVER_REFUSALS[why]) if why in _SERVER_REFUSALS else text(why)
        return message("server.image_refused", name=match["name"], reason=refusal)
    return text(sentence)
