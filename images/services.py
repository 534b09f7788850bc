"""Every state change of an image outside the import itself: create, retry, delete,
edit, tags.

Each service is atomic, checks that the current state allows the change, writes the
change and one work-history row, and enqueues follow-up work on commit.
"""

import os
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from console import work_history
from console.models import Account
from images.models import MAX_MIN_DISK_GB, MAX_MIN_RAM_GB, MAX_TAGS, Image, Tag

RESOURCE_TYPE = "Image"

ERROR_TOO_MANY_TAGS = f"An image can have at most {MAX_TAGS} tags."
ERROR_DUPLICATE_TAG = "Tag keys must be unique: {key} is used twice."
ERROR_NOT_RETRYABLE = "Only an image whose import failed can be imported again."
ERROR_URL_SERVER_ORIGIN = (
    "An image made from a GPU server is imported from the server's disk, not from a URL."
)


@dataclass(frozen=True)
class NewImage:
    name: str
    os_type: str
    min_disk_gb: int
    min_ram_gb: int
    visibility: str = Image.Visibility.PRIVATE
    protected: bool = False
    file_url: str = ""
    tags: Sequence[tuple[str, str]] = ()


def record_image(image: Image, event_topic: str, details: str = "", *, actor, **kwargs) -> None:
    work_history.record(
        account=image.account,
        resource_type=RESOURCE_TYPE,
        resource_id=image.id,
        resource_name=image.name,
        event_topic=event_topic,
        details=details,
        actor=actor,
        **kwargs,
    )


def enqueue_import(image: Image) -> None:
    from images.tasks import image_import

    image_id = str(image.id)
    transaction.on_commit(lambda: image_import.delay(image_id))


def _check_tags(tags: Sequence[tuple[str, str]]) -> None:
    if len(tags) > MAX_TAGS:
        raise ValidationError(ERROR_TOO_MANY_TAGS, code="too_many_tags")
    seen: set[str] = set()
    for key, _ in tags:
        if key in seen:
            raise ValidationError(ERROR_DUPLICATE_TAG.format(key=key), code="duplicate_tag")
        seen.add(key)


def stage_upload(upload: UploadedFile) -> str:
    """Move a browser upload into storage where a worker on any machine can read it.

    On file storage the temporary upload is renamed into place (no second copy of a
    large file); other storages stream it.
    """
    name = f"uploads/{timezone.now():%Y%m%d}/{os.urandom(8).hex()}.qcow2"
    return default_storage.save(name, upload)


def image_create(
    *,
    account: Account,
    actor,
    new: NewImage,
    upload: UploadedFile | None = None,
    origin: str = Image.Origin.UPLOAD,
    source_file: str = "",
    source_server_id=None,
    event_topic: str = "CreateImage",
) -> Image:
    """Create an image in Queued and enqueue its import once the row is committed."""
    _check_tags(new.tags)
    staged = stage_upload(upload) if upload is not None else ""
    try:
        with transaction.atomic():
            image = Image.objects.create(
                account=account,
                name=new.name,
                origin=origin,
                status=Image.Status.QUEUED,
                os_type=new.os_type,
                min_disk_gb=new.min_disk_gb,
                min_ram_gb=new.min_ram_gb,
                visibility=new.visibility,
                protected=new.protected,
                file_url=new.file_url,
                source_file=staged or source_file,
                source_server_id=source_server_id,
                created_by=actor,
                heartbeat_at=timezone.now(),
            )
            Tag.objects.bulk_create(Tag(image=image, key=k, value=v) for k, v in new.tags)
            if new.file_url:
                source = f"from {new.file_url}"
            elif upload is not None:
                source = f"from the uploaded file {upload.name}"
            elif origin == Image.Origin.SERVER:
                source = "from a GPU server disk"
            else:
                source = "from an uploaded file"
            record_image(image, event_topic, f"Created image {image.name} {source}", actor=actor)
            enqueue_import(image)
    except BaseException:
        if staged:
            default_storage.delete(staged)
        raise
    return image


def image_retry(*, image: Image, actor, file_url: str = "") -> Image:
    """Send an image whose import failed back to Queued for a fresh set of attempts.

    With ``file_url`` the import fetches that URL from now on (an uploaded image only;
    a staged browser upload it replaces is removed once this commits).
    """
    from images.pipeline.storage import delete_image_file

    with transaction.atomic():
        locked = Image.objects.select_for_update().get(pk=image.pk)
        if locked.status != Image.Status.ERROR:
            raise ValidationError(ERROR_NOT_RETRYABLE, code="not_retryable")
        if file_url and locked.origin != Image.Origin.UPLOAD:
            raise ValidationError(ERROR_URL_SERVER_ORIGIN, code="server_origin")
        locked.status = Image.Status.QUEUED
        locked.failure_reason = ""
        locked.import_attempts = 0
        locked.progress_done = 0
        locked.progress_total = None
        locked.heartbeat_at = timezone.now()
        fields = [
            "status",
            "failure_reason",
            "import_attempts",
            "progress_done",
            "progress_total",
            "heartbeat_at",
        ]
        details = "Import queued again"
        if file_url:
            staged = locked.source_file if locked.source_file.startswith("uploads/") else ""
            locked.file_url, locked.source_file = file_url, ""
            fields += ["file_url", "source_file"]
            details += f" from {file_url}"
            if staged:
                transaction.on_commit(lambda: delete_image_file(staged))
        locked.save(update_fields=fields)
        record_image(locked, "RetryImageImport", details, actor=actor)
        enqueue_import(locked)
    return locked


class DeleteOutcome:
    DELETED = "deleted"
    PROTECTED = "protected"
    NOT_YOURS = "not_yours"
    NOT_FOUND = "not_found"


REFUSED_PROTECTED = "Image {name} is protected and cannot be deleted. Turn Protected off first."
REFUSED_NOT_YOURS = "Image {name} is shared with your account; only its owner can delete it."


def image_delete(*, image_id, account: Account, actor) -> tuple[str, str]:
    """Delete one image of ``account``; returns (outcome, image name).

    The row is locked first, so a concurrent request turning Protected on either
    lands before (and the delete is refused) or waits until the image is gone. A
    refusal is recorded as a Failure. Stored files go once the deletion commits; an
    import still running notices the image is gone and removes its own file.
    """
    from images.pipeline.storage import delete_image_file

    with transaction.atomic():
        image = (
            Image.objects.visible_to(account)
            .select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=image_id)
            .first()
        )
        if image is None:
            return DeleteOutcome.NOT_FOUND, ""
        if image.account_id != account.id:
            record_image(
                image,
                "DeleteImage",
                REFUSED_NOT_YOURS.format(name=image.name),
                actor=actor,
                result=work_history.FAILURE,
            )
            return DeleteOutcome.NOT_YOURS, image.name
        if image.protected:
            record_image(
                image,
                "DeleteImage",
                REFUSED_PROTECTED.format(name=image.name),
                actor=actor,
                result=work_history.FAILURE,
            )
            return DeleteOutcome.PROTECTED, image.name
        # A server-origin image reads a server's disk: only a staged upload is its own.
        staged = image.source_file if image.source_file.startswith("uploads/") else ""
        files = [name for name in (image.stored_file, staged) if name]
        record_image(image, "DeleteImage", f"Deleted image {image.name}", actor=actor)
        name = image.name
        image.delete()
        transaction.on_commit(lambda: [delete_image_file(f) for f in files])
    return DeleteOutcome.DELETED, name


# Editing ---------------------------------------------------------------------------------

EVENT_SET_IMAGE = "SetImage"
EVENT_STOP_SHARE = "DeleteImageMember"
EVENT_CREATE_TAG = "CreateTag"
EVENT_SET_TAG = "SetTag"
EVENT_DELETE_TAG = "DeleteTag"

# The fields a member may change after creation, with their label in the console.
EDITABLE_FIELDS: dict[str, str] = {
    "min_disk_gb": "Minimum Disk",
    "min_ram_gb": "Minimum RAM",
    "visibility": "Visibility",
    "protected": "Protected",
}

ERROR_NOT_EDITABLE = "{field} cannot be changed."
ERROR_MIN_DISK = f"Minimum Disk must be a whole number of GB between 0 and {MAX_MIN_DISK_GB:,}."
ERROR_MIN_RAM = f"Minimum RAM must be a whole number of GB between 0 and {MAX_MIN_RAM_GB:,}."
ERROR_VISIBILITY = "Visibility is Private or Shared."
ERROR_PROTECTED = "Protected is on or off."
ERROR_IMAGE_GONE = "The image no longer exists."
ERROR_TAG_KEY = "Tag keys are 1 to 128 characters."
ERROR_TAG_VALUE = "Tag values are at most 256 characters."
ERROR_TAG_LIMIT = (
    f"This image already has {MAX_TAGS} tags, the most an image can have. "
    "Delete a tag before adding another."
)
ERROR_TAG_KEY_TAKEN = "This image already has a tag with the key {key}."
ERROR_TAG_GONE = "The tag no longer exists."


class SharesWouldStop(ValidationError):
    """Making an image Private would stop more shares than the user confirmed."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(
            f"Switching to Private stops sharing with {count} account{'s' if count != 1 else ''}.",
            code="confirm_stop_sharing",
        )


def _display(field: str, value) -> str:
    if field in ("min_disk_gb", "min_ram_gb"):
        return f"{value} GB"
    if field == "protected":
        return "On" if value else "Off"
    return str(value)


def _check_value(field: str, value):
    """The business rule of each editable field; returns the value in its stored type."""
    if field in ("min_disk_gb", "min_ram_gb"):
        maximum, message = (
            (MAX_MIN_DISK_GB, ERROR_MIN_DISK)
            if field == "min_disk_gb"
            else (MAX_MIN_RAM_GB, ERROR_MIN_RAM)
        )
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise ValidationError(message, code="out_of_range")
        return value
    if field == "visibility":
        if value not in Image.Visibility.values:
            raise ValidationError(ERROR_VISIBILITY, code="invalid_visibility")
        return value
    if field == "protected":
        if not isinstance(value, bool):
            raise ValidationError(ERROR_PROTECTED, code="invalid_protected")
        return value
    raise ValidationError(ERROR_NOT_EDITABLE.format(field=field), code="not_editable")


def _lock(image_id) -> Image:
    locked = Image.objects.select_for_update(of=("self",)).select_related("account")
    image = locked.filter(pk=image_id).first()
    if image is None:
        raise ValidationError(ERROR_IMAGE_GONE, code="gone")
    return image


def _touch(image: Image, actor, *fields: str) -> None:
    image.edited_by = actor
    image.edited_at = timezone.now()
    image.save(update_fields=[*fields, "edited_by", "edited_at"])


@dataclass(frozen=True)
class ImageChange:
    image: Image
    changed: bool
    stopped_shares: int = 0


def image_update(*, image: Image, field: str, value, actor, stop_shares: int = 0) -> ImageChange:
    """Change one editable field of an image; one "SetImage" row records it.

    Turning Visibility from Shared to Private stops every share of the image in the
    same transaction (one "DeleteImageMember" row per share). The caller passes how
    many shares the user agreed to stop; if more exist once the row is locked (a share
    was made meanwhile) nothing changes and ``SharesWouldStop`` asks again.
    The row lock also orders this change against a concurrent delete.
    """
    from sharing.models import Share

    value = _check_value(field, value)
    with transaction.atomic():
        locked = _lock(image.pk)
        old = getattr(locked, field)
        if old == value:
            return ImageChange(locked, changed=False)
        shares: list[Share] = []
        if field == "visibility" and value == Image.Visibility.PRIVATE:
            shares = list(Share.objects.select_for_update().filter(image=locked).order_by("id"))
            if len(shares) > stop_shares:
                raise SharesWouldStop(len(shares))
        setattr(locked, field, value)
        _touch(locked, actor, field)
        label = EDITABLE_FIELDS[field]
        record_image(
            locked,
            EVENT_SET_IMAGE,
            f"{label} changed from {_display(field, old)} to {_display(field, value)}",
            actor=actor,
        )
        for share in shares:
            record_image(
                locked,
                EVENT_STOP_SHARE,
                f"Stopped sharing with account {share.target_account_id} "
                f"({share.status}) because Visibility changed to Private",
                actor=actor,
            )
        if shares:
            Share.objects.filter(pk__in=[s.pk for s in shares]).delete()
    return ImageChange(locked, changed=True, stopped_shares=len(shares))


# Tags ------------------------------------------------------------------------------------


def _check_tag(key: str, value: str) -> tuple[str, str]:
    key, value = (key or "").strip(), (value or "").strip()
    if not 1 <= len(key) <= 128:
        raise ValidationError(ERROR_TAG_KEY, code="tag_key")
    if len(value) > 256:
        raise ValidationError(ERROR_TAG_VALUE, code="tag_value")
    return key, value


def tag_create(*, image: Image, key: str, value: str, actor) -> Tag:
    """Add a tag; at most MAX_TAGS per image, keys unique.

    The image row is locked so that two concurrent adds cannot both pass the count check.
    """
    key, value = _check_tag(key, value)
    with transaction.atomic():
        locked = _lock(image.pk)
        tags = Tag.objects.filter(image=locked)
        if tags.filter(key=key).exists():
            raise ValidationError(ERROR_TAG_KEY_TAKEN.format(key=key), code="duplicate_tag")
        if tags.count() >= MAX_TAGS:
            raise ValidationError(ERROR_TAG_LIMIT, code="too_many_tags")
        tag = Tag.objects.create(image=locked, key=key, value=value)
        _touch(locked, actor)
        record_image(locked, EVENT_CREATE_TAG, f"Added tag {key}={value}", actor=actor)
    return tag


def tag_update(*, image: Image, tag_id: int, key: str, value: str, actor) -> Tag:
    """Change the key and/or value of one tag of ``image``."""
    key, value = _check_tag(key, value)
    with transaction.atomic():
        locked = _lock(image.pk)
        tag = Tag.objects.filter(image=locked, pk=tag_id).first()
        if tag is None:
            raise ValidationError(ERROR_TAG_GONE, code="tag_gone")
        if (tag.key, tag.value) == (key, value):
            return tag
        if key != tag.key and Tag.objects.filter(image=locked, key=key).exists():
            raise ValidationError(ERROR_TAG_KEY_TAKEN.format(key=key), code="duplicate_tag")
        details = (
            f"Changed tag {tag.key}={tag.value} to {key}={value}"
            if key != tag.key
            else f"Changed tag {key} from {tag.value!r} to {value!r}"
        )
        tag.key, tag.value = key, value
        tag.save(update_fields=["key", "value"])
        _touch(locked, actor)
        record_image(locked, EVENT_SET_TAG, details, actor=actor)
    return tag


def tag_delete(*, image: Image, tag_id: int, actor) -> Tag:
    with transaction.atomic():
        locked = _lock(image.pk)
        tag = Tag.objects.filter(image=locked, pk=tag_id).first()
        if tag is None:
            raise ValidationError(ERROR_TAG_GONE, code="tag_gone")
        tag.delete()
        _touch(locked, actor)
        record_image(locked, EVENT_DELETE_TAG, f"Deleted tag {tag.key}={tag.value}", actor=actor)
    return tag
