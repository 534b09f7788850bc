"""Every state change of an image outside the import itself: create, retry, delete,
edit, tags.

Each service is atomic, checks that the current state allows the change, writes the
change and one work-history row, and enqueues follow-up work on commit.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

from console import work_history
from console.formats import lazy_number
from console.models import Account
from images import history
from images.history import Topic, record_image
from images.models import Image, Tag, url_without_secrets
from images.pipeline.storage import staged_upload_name
from images.rules import (
    MAX_MIN_DISK_GB,
    MAX_MIN_RAM_GB,
    MAX_TAGS,
    MSG_NAME,
    MSG_STORAGE_DOWN,
    MSG_TAG_COUNT,
    MSG_TAG_DUPLICATE,
    MSG_TAG_KEY_TAKEN,
    MSG_TAG_LIMIT,
    NAME_RE,
    STAGED_UPLOAD_PREFIX,
    clean_tag,
    display_message,
)
from images.uploads import StagedUpload

log = logging.getLogger(__name__)

ERROR_NOT_RETRYABLE = _("Only an image whose import failed can be imported again.")
ERROR_URL_SERVER_ORIGIN = _(
    "An image made from a GPU server is imported from the server's disk, not from a URL."
)
ERROR_NAME = format_lazy(_("Image name: {message}"), message=MSG_NAME)


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


# Publishing gives up quickly when the broker is down: the reaper sends the import later.
_SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}


def enqueue_import(image: Image) -> None:
    """Hand the image's import to a worker once the transaction commits."""
    image_id = str(image.id)
    transaction.on_commit(lambda: send_import(image_id))


def send_import(image_id) -> bool:
    """Publish the import task now; True if the broker took it.

    When the broker cannot be reached the image stays Queued, marked as waiting for the
    worker (the console says so), and the reaper sends it again on its next run after the
    broker is back: the change that queued the image has committed and must not fail
    because of it.
    """
    from images.tasks import image_import

    try:
        image_import.apply_async((str(image_id),), retry_policy=_SEND_RETRY_POLICY)
    except Exception:
        log.warning("Could not hand the import of image %s to a worker", image_id, exc_info=True)
        Image.objects.filter(pk=image_id, status=Image.Status.QUEUED).update(awaiting_worker=True)
        return False
    Image.objects.filter(pk=image_id, status=Image.Status.QUEUED, awaiting_worker=True).update(
        awaiting_worker=False
    )
    return True


def _check_tags(tags: Sequence[tuple[str, str]]) -> None:
    if len(tags) > MAX_TAGS:
        raise ValidationError(MSG_TAG_COUNT, code="too_many_tags")
    seen: set[str] = set()
    for key, value in tags:
        try:
            clean_tag(key, value)
        except ValueError as error:
            raise ValidationError(str(error), code="tag") from None
        if key in seen:
            raise ValidationError(MSG_TAG_DUPLICATE.format(key=key), code="duplicate_tag")
        seen.add(key)


def stage_upload(upload: UploadedFile) -> str:
    """Keep a browser upload in storage where a worker on any machine can read it.

    An upload streamed into the bucket as it arrived is already there and is kept; on a local
    folder the temporary upload is renamed into place (no second copy of a large file).
    """
    if isinstance(upload, StagedUpload):
        return upload.keep()
    try:
        return default_storage.save(staged_upload_name(), upload)
    except OSError as error:
        log.warning("An upload could not be stored: %s", error)
        raise ValidationError(MSG_STORAGE_DOWN, code="storage_down") from None


def image_create(
    *,
    account: Account,
    actor,
    new: NewImage,
    upload: UploadedFile | None = None,
    origin: str = Image.Origin.UPLOAD,
    source_file: str = "",
    source_server_id=None,
    topic: Topic = Topic.CREATE_IMAGE,
) -> Image:
    """Create an image in Queued and enqueue its import once the row is committed."""
    if not NAME_RE.fullmatch(new.name or ""):
        raise ValidationError(ERROR_NAME, code="invalid_name")
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
                # History is read and downloaded by every member: never a signed URL's
                # credentials.
                url = url_without_secrets(new.file_url)
                created = history.CREATED_FROM_URL(name=image.name, url=url)
            elif upload is not None:
                created = history.CREATED_FROM_UPLOAD(name=image.name, file=upload.name)
            elif origin == Image.Origin.SERVER:
                created = history.CREATED_FROM_SERVER(name=image.name)
            else:
                created = history.CREATED_FROM_FILE(name=image.name)
            record_image(image, topic, created, actor=actor)
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
        locked.set_failure(None)
        locked.import_attempts = 0
        locked.progress_done = 0
        locked.progress_total = None
        locked.heartbeat_at = timezone.now()
        fields = [
            "status",
            "failure",
            "import_attempts",
            "progress_done",
            "progress_total",
            "heartbeat_at",
        ]
        message = history.IMPORT_QUEUED_AGAIN()
        if file_url:
            staged = (
                locked.source_file if locked.source_file.startswith(STAGED_UPLOAD_PREFIX) else ""
            )
            locked.file_url, locked.source_file = file_url, ""
            fields += ["file_url", "source_file"]
            message = history.IMPORT_QUEUED_AGAIN_FROM_URL(url=url_without_secrets(file_url))
            if staged:
                transaction.on_commit(lambda: delete_image_file(staged), robust=True)
        locked.save(update_fields=fields)
        record_image(locked, Topic.RETRY_IMAGE_IMPORT, message, actor=actor)
        enqueue_import(locked)
    return locked


class DeleteOutcome:
    DELETED = "deleted"
    PROTECTED = "protected"
    NOT_YOURS = "not_yours"
    NOT_FOUND = "not_found"


def image_delete(*, image_id, account: Account, actor) -> tuple[str, str]:
    """Delete one image of ``account``; returns (outcome, image name).

    The row is locked first, so a concurrent request turning Protected on either
    lands before (and the delete is refused) or waits until the image is gone. A
    member's refusal is recorded as a Failure; a receiver's is not recorded. Stored
    files go once the deletion commits; an import still running notices the image is
    gone and removes its own file.
    """
    from images.pipeline.storage import attempt_file_name, delete_image_file

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
            # Only members of the owning account write into its history: a receiver's
            # refusal would flood it with another account's users, without limit.
            return DeleteOutcome.NOT_YOURS, image.name
        if image.protected:
            record_image(
                image,
                Topic.DELETE_IMAGE,
                history.DELETE_REFUSED_PROTECTED(name=image.name),
                actor=actor,
                result=work_history.FAILURE,
            )
            return DeleteOutcome.PROTECTED, image.name
        # The running attempt's file too: its worker may be gone and never clean up.
        attempt = (
            attempt_file_name(image.account_id, image.id, image.import_serial)
            if image.status == Image.Status.IMPORTING and image.import_serial
            else ""
        )
        files = [name for name in (image.stored_file, image.staged_upload, attempt) if name]
        record_image(image, Topic.DELETE_IMAGE, history.DELETED(name=image.name), actor=actor)
        name = image.name
        image.delete()
        # Robust: a storage out of reach leaves the files to the orphan sweep, not the user
        # with an error page for a delete that happened.
        transaction.on_commit(lambda: [delete_image_file(f) for f in files], robust=True)
    return DeleteOutcome.DELETED, name


# Editing ---------------------------------------------------------------------------------

ERROR_NOT_EDITABLE = _("{field} cannot be changed.")
ERROR_MIN_DISK = format_lazy(
    _("Minimum Disk must be a whole number of GB between 0 and {maximum}."),
    maximum=lazy_number(MAX_MIN_DISK_GB),
)
ERROR_MIN_RAM = format_lazy(
    _("Minimum RAM must be a whole number of GB between 0 and {maximum}."),
    maximum=lazy_number(MAX_MIN_RAM_GB),
)
ERROR_VISIBILITY = _("Visibility is Private or Shared.")
ERROR_PROTECTED = _("Protected is on or off.")
ERROR_IMAGE_GONE = _("The image no longer exists.")
ERROR_TAG_GONE = _("The tag no longer exists.")


class SharesWouldStop(ValidationError):
    """Making an image Private would stop more shares than the user confirmed."""

    def __init__(self, count: int) -> None:
        self.count = count
        super().__init__(MSG_SHARES_WOULD_STOP, code="confirm_stop_sharing", params={"n": count})


MSG_SHARES_WOULD_STOP = ngettext_lazy(
    "Switching to Private stops sharing with %(n)s account.",
    "Switching to Private stops sharing with %(n)s accounts.",
    "n",
)


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


# Apps above this one take part in a switch to Private (sharing stops the image's shares)
# without this app importing them. A hook runs in the switch's transaction with the locked
# image, the actor and how many shares the user agreed to stop; it returns how many it
# stopped, or raises SharesWouldStop when there are more than agreed.
MadePrivateHook = Callable[..., int]
_made_private_hooks: list[MadePrivateHook] = []


def on_made_private(hook: MadePrivateHook) -> MadePrivateHook:
    if hook not in _made_private_hooks:
        _made_private_hooks.append(hook)
    return hook


def image_update(*, image: Image, field: str, value, actor, stop_shares: int = 0) -> ImageChange:
    """Change one editable field of an image; one "SetImage" row records it.

    Turning Visibility from Shared to Private runs the made-private hooks in the same
    transaction (sharing stops every share, one "DeleteImageMember" row each). The
    caller passes how many shares the user agreed to stop; if more exist once the row
    is locked (a share was made meanwhile) nothing changes and ``SharesWouldStop`` asks
    again. The row lock also orders this change against a concurrent delete.
    """
    value = _check_value(field, value)
    with transaction.atomic():
        locked = _lock(image.pk)
        old = getattr(locked, field)
        if old == value:
            return ImageChange(locked, changed=False)
        setattr(locked, field, value)
        _touch(locked, actor, field)
        record_image(
            locked,
            Topic.SET_IMAGE,
            history.field_changed(
                field, display_message(field, old), display_message(field, value)
            ),
            actor=actor,
        )
        stopped = 0
        if field == "visibility" and value == Image.Visibility.PRIVATE:
            for hook in _made_private_hooks:
                stopped += hook(image=locked, actor=actor, agreed=stop_shares - stopped)
    return ImageChange(locked, changed=True, stopped_shares=stopped)


# Tags ------------------------------------------------------------------------------------


def _check_tag(key: str, value: str) -> tuple[str, str]:
    try:
        return clean_tag(key, value)
    except ValueError as error:
        raise ValidationError(str(error), code="tag") from None


def tag_create(*, image: Image, key: str, value: str, actor) -> Tag:
    """Add a tag; at most MAX_TAGS per image, keys unique.

    The image row is locked so that two concurrent adds cannot both pass the count check.
    """
    key, value = _check_tag(key, value)
    with transaction.atomic():
        locked = _lock(image.pk)
        tags = Tag.objects.filter(image=locked)
        if tags.filter(key=key).exists():
            raise ValidationError(MSG_TAG_KEY_TAKEN.format(key=key), code="duplicate_tag")
        if tags.count() >= MAX_TAGS:
            raise ValidationError(MSG_TAG_LIMIT, code="too_many_tags")
        tag = Tag.objects.create(image=locked, key=key, value=value)
        _touch(locked, actor)
        record_image(locked, Topic.CREATE_TAG, history.TAG_ADDED(key=key, value=value), actor=actor)
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
            raise ValidationError(MSG_TAG_KEY_TAKEN.format(key=key), code="duplicate_tag")
        if key != tag.key:
            changed = history.TAG_RENAMED(
                old_key=tag.key, old_value=tag.value, key=key, value=value
            )
        else:
            changed = history.TAG_VALUE_CHANGED(key=key, old=tag.value, new=value)
        tag.key, tag.value = key, value
        tag.save(update_fields=["key", "value"])
        _touch(locked, actor)
        record_image(locked, Topic.SET_TAG, changed, actor=actor)
    return tag


def tag_delete(*, image: Image, tag_id: int, actor) -> Tag:
    with transaction.atomic():
        locked = _lock(image.pk)
        tag = Tag.objects.filter(image=locked, pk=tag_id).first()
        if tag is None:
            raise ValidationError(ERROR_TAG_GONE, code="tag_gone")
        tag.delete()
        _touch(locked, actor)
        deleted = history.TAG_DELETED(key=tag.key, value=tag.value)
        record_image(locked, Topic.DELETE_TAG, deleted, actor=actor)
    return tag
