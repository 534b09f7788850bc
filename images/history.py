"""What an image's work history says, and the one place images write it.

Import failures record the reason itself (a phrase of ``images.pipeline.errors``).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from console import work_history
from console.phrases import Message, phrase
from images.models import Image
from images.rules import FIELD_LABEL, VISIBILITY_LABELS

Topic = work_history.Topic

CREATED_FROM_URL = phrase("image.created.url", _("Created image {name} from {url}"))
CREATED_FROM_UPLOAD = phrase(
    "image.created.upload", _("Created image {name} from the uploaded file {file}")
)
CREATED_FROM_SERVER = phrase(
    "image.created.server", _("Created image {name} from a GPU server disk")
)
CREATED_FROM_FILE = phrase("image.created.file", _("Created image {name} from an uploaded file"))
IMPORT_QUEUED_AGAIN = phrase("image.import.queued_again", _("Import queued again"))
IMPORT_QUEUED_AGAIN_FROM_URL = phrase(
    "image.import.queued_again.url", _("Import queued again from {url}")
)
DELETED = phrase("image.deleted", _("Deleted image {name}"))
DELETE_REFUSED_PROTECTED = phrase(
    "image.delete.refused_protected",
    _("Image {name} is protected and cannot be deleted. Turn Protected off first."),
)
# No longer written (a receiver's refusal stays out of the owner's history); kept so
# that rows written before read as they did.
DELETE_REFUSED_NOT_OWNER = phrase(
    "image.delete.refused_not_owner",
    _("Image {name} is shared with your account; only its owner can delete it."),
)
# A value kept as text (Visibility's) reads as its label.
FIELD_CHANGED = phrase(
    "image.field.changed",
    _("{field} changed from {old} to {new}"),
    labels={"old": VISIBILITY_LABELS, "new": VISIBILITY_LABELS},
)
TAG_ADDED = phrase("image.tag.added", _("Added tag {key}={value}"))
TAG_RENAMED = phrase("image.tag.renamed", _("Changed tag {old_key}={old_value} to {key}={value}"))
TAG_VALUE_CHANGED = phrase(
    "image.tag.value_changed", _("Changed tag {key} from '{old}' to '{new}'")
)
TAG_DELETED = phrase("image.tag.deleted", _("Deleted tag {key}={value}"))

IMPORT_STARTED = phrase(
    "image.import.started", _("Import started (attempt {attempt} of {maximum})")
)
IMPORT_TAKEN_OVER = phrase(
    "image.import.taken_over",
    _("Import started (attempt {attempt} of {maximum}); the previous attempt stopped responding"),
)
IMPORT_SUCCEEDED = phrase(
    "image.import.succeeded",
    _("Imported a {size} qcow2 image (virtual size {virtual_size}); sha512 {sha512}..."),
)
IMPORT_STALLED = phrase(
    "image.import.stalled",
    _("The import stopped responding (attempt {attempt} of {maximum}); queued again"),
)


def field_changed(field: str, old: Message | str, new: Message | str) -> Message:
    return FIELD_CHANGED(field=FIELD_LABEL(field=field), old=old, new=new)


def record_image(image: Image, topic: Topic, message: Message, *, actor, **kwargs: Any) -> None:
    """One work-history row about ``image`` (inside the caller's transaction)."""
    work_history.record(
        account=image.account,
        resource_type=work_history.ResourceType.IMAGE,
        resource_id=image.id,
        resource_name=image.name,
        topic=topic,
        message=message,
        actor=actor,
        **kwargs,
    )
