"""The rules of an image, each written once.

The model's constraints, the forms, the services, the tables and the templates (through
``TEMPLATE_RULES`` in their context) all take them from here; the rules that need the
model's choices (which images may be shared, what counts as a staged upload) are methods
of :class:`images.models.Image`.
"""

import re
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.formats import GIGABYTES
from console.phrases import Message, phrase

# --- Name ----------------------------------------------------------------------------
NAME_MAX = 255
NAME_PATTERN = r"^[A-Za-z0-9 _-]{1,255}$"
NAME_RE = re.compile(NAME_PATTERN)
MSG_NAME = _("Use 1 to 255 characters: English letters, digits, spaces, - and _.")
NAME_HELP = _("1-255 characters: English letters, digits, space, - and _")

# --- Minimum Disk / Minimum RAM (whole GB) ---------------------------------------------
MAX_MIN_DISK_GB = 12_288
MAX_MIN_RAM_GB = 2_097_151

# --- Tags ----------------------------------------------------------------------------
MAX_TAGS = 50
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
MSG_TAG_KEY = format_lazy(_("Tag keys are 1 to {max} characters."), max=TAG_KEY_MAX)
MSG_TAG_VALUE = format_lazy(_("Tag values are at most {max} characters."), max=TAG_VALUE_MAX)
MSG_TAG_DUPLICATE = _("Tag keys must be unique: {key} is used more than once.")
MSG_TAG_COUNT = format_lazy(_("An image can have at most {max} tags."), max=MAX_TAGS)
MSG_TAG_LIMIT = format_lazy(
    _(
        "This image already has {max} tags, the most an image can have. "
        "Delete a tag before adding another."
    ),
    max=MAX_TAGS,
)
MSG_TAG_KEY_TAKEN = _("This image already has a tag with the key {key}.")
MSG_TAG_NUL = _("Tag keys and values cannot contain null characters.")
MSG_STORAGE_DOWN = _(
    "The uploaded file could not be stored: the image storage cannot be reached. Try again later."
)


def clean_tag(key: str | None, value: str | None) -> tuple[str, str]:
    """A tag's key and value as stored (trimmed); ValueError with the message if invalid."""
    key, value = (key or "").strip(), (value or "").strip()
    if not 1 <= len(key) <= TAG_KEY_MAX:
        raise ValueError(MSG_TAG_KEY)
    if len(value) > TAG_VALUE_MAX:
        raise ValueError(MSG_TAG_VALUE)
    if "\x00" in key or "\x00" in value:  # PostgreSQL cannot store it
        raise ValueError(MSG_TAG_NUL)
    return key, value


# --- Staged browser uploads ------------------------------------------------------------
# Browser uploads wait in storage under this prefix until the worker has imported them.
STAGED_UPLOAD_PREFIX = "uploads/"


# --- Fields a member may change after creation -----------------------------------------
@dataclass(frozen=True)
class EditableField:
    slug: str  # in the URL
    name: str  # model field
    label: str | Promise


EDITABLE_FIELDS: dict[str, EditableField] = {
    f.name: f
    for f in (
        EditableField("min-disk", "min_disk_gb", _("Minimum Disk")),
        EditableField("min-ram", "min_ram_gb", _("Minimum RAM")),
        EditableField("visibility", "visibility", _("Visibility")),
        EditableField("protected", "protected", _("Protected")),
    )
}

FIELD_LABEL = phrase(
    "image.field", "{field}", labels={"field": {f.name: f.label for f in EDITABLE_FIELDS.values()}}
)
# The labels of the Visibility values (the model's choices; this module stands below it).
VISIBILITY_LABELS = {
    "Private": pgettext_lazy("visibility", "Private"),
    "Shared": pgettext_lazy("visibility", "Shared"),
}
ON = phrase("image.protected.on", pgettext_lazy("protected", "On"))
OFF = phrase("image.protected.off", pgettext_lazy("protected", "Off"))


def display(field: str, value) -> str:
    """An editable field's value as the console shows it: ``1,024 GB``, ``On``, ``Shared``."""
    if field == "visibility":
        return str(VISIBILITY_LABELS.get(value, value))
    return str(display_message(field, value))


def display_message(field: str, value) -> Message | str:
    """The same, kept as data for the work history."""
    if field in ("min_disk_gb", "min_ram_gb"):
        return GIGABYTES(n=value)
    if field == "protected":
        return ON() if value else OFF()
    return str(value)


# --- What templates read --------------------------------------------------------------
@dataclass(frozen=True)
class TemplateRules:
    max_tags: int = MAX_TAGS
    tag_key_max: int = TAG_KEY_MAX
    tag_value_max: int = TAG_VALUE_MAX
    name_max: int = NAME_MAX


TEMPLATE_RULES = TemplateRules()
