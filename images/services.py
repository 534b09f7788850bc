"""Every state change of an image outside the import itself: create, retry.

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
from images.models import MAX_TAGS, Image, Tag

RESOURCE_TYPE = "Image"

ERROR_TOO_MANY_TAGS = f"An image can have at most {MAX_TAGS} tags."
ERROR_DUPLICATE_TAG = "Tag keys must be unique: {key} is used twice."
ERROR_NOT_RETRYABLE = "Only an image whose import failed can be imported again."


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
            else:
                source = "from a GPU server disk"
            record_image(image, event_topic, f"Created image {image.name} {source}", actor=actor)
            enqueue_import(image)
    except BaseException:
        if staged:
            default_storage.delete(staged)
        raise
    return image


def image_retry(*, image: Image, actor) -> Image:
    """Send an image whose import failed back to Queued for a fresh set of attempts."""
    with transaction.atomic():
        locked = Image.objects.select_for_update().get(pk=image.pk)
        if locked.status != Image.Status.ERROR:
            raise ValidationError(ERROR_NOT_RETRYABLE, code="not_retryable")
        locked.status = Image.Status.QUEUED
        locked.failure_reason = ""
        locked.import_attempts = 0
        locked.progress_done = 0
        locked.progress_total = None
        locked.heartbeat_at = timezone.now()
        locked.save(
            update_fields=[
                "status",
                "failure_reason",
                "import_attempts",
                "progress_done",
                "progress_total",
                "heartbeat_at",
            ]
        )
        record_image(locked, "RetryImageImport", "Import queued again", actor=actor)
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
