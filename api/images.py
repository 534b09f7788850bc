"""/v1/images, /v1/images/{image_id}, its import, and /v1/pending-images."""

import sys
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Query, Router, Status

from api.acting import acting
from api.errors import ApiError
from api.listing import image_page, next_link
from api.representations import image_out
from api.responses import ALWAYS, CHANGE, CONFLICT, FORBIDDEN, READ_ONE, answers
from api.schemas import (
    ImageCreateIn,
    ImageImportIn,
    ImageListOut,
    ImageListQuery,
    ImageOut,
    ImageUpdateIn,
    PendingImagesOut,
)
from console.access import require_change
from images import history, services
from images.access import get_image_for_change, get_image_for_read
from images.models import Image
from sharing.models import Share

router = Router(tags=["Images"])

# The API's field names and the model fields the detail page edits, in the order a
# request's changes are applied.
EDITABLE = {
    "min_disk": "min_disk_gb",
    "min_ram": "min_ram_gb",
    "protected": "protected",
    "visibility": "visibility",
}


def _with_tags():
    return Image.objects.prefetch_related("tags")


def _read(request: HttpRequest, image_id: UUID) -> Image:
    return get_image_for_read(request, image_id, queryset=_with_tags())


@router.get(
    "/images",
    response=answers({200: ImageListOut}, ALWAYS),
    summary="List images",
    description=(
        "The account's images and the images other accounts shared with it (Accepted), "
        "newest first unless sorted otherwise, in keyset pages: pass the last ID of a page "
        "as `marker` to get the next one."
    ),
)
def list_images(request: HttpRequest, query: Query[ImageListQuery]):
    page = image_page(Image.objects.visible_to(request.account), query)
    return {
        "images": [image_out(image) for image in page.images],
        "next": next_link(query, page.next_marker),
    }


@router.post(
    "/images",
    response=answers({200: ImageOut}, ALWAYS | {FORBIDDEN, CONFLICT}),
    summary="Create an image",
    description=(
        "Creates the image in status queued and imports the file at `url` in the background "
        "(queued, importing, then active or error). Viewers' keys are refused."
    ),
)
def create_image(request: HttpRequest, payload: ImageCreateIn):
    require_change(request)
    new = services.NewImage(
        name=payload.name,
        os_type=payload.os_distro,
        min_disk_gb=payload.min_disk,
        min_ram_gb=payload.min_ram,
        visibility=payload.visibility.capitalize(),
        protected=payload.protected,
        file_url=payload.url,
        tags=[(tag.key, tag.value or "") for tag in payload.tags],
    )
    with acting(request, "tags") as actor:
        image = services.image_create(account=request.account, actor=actor, new=new)
    return image_out(_read(request, image.pk))


@router.get(
    "/images/{image_id}",
    response=answers({200: ImageOut}, READ_ONE),
    summary="Show an image",
)
def get_image(request: HttpRequest, image_id: UUID):
    return image_out(_read(request, image_id))


@router.put(
    "/images/{image_id}",
    response=answers({200: ImageOut}, CHANGE),
    summary="Change an image",
    description=(
        "Changes any of `min_disk`, `min_ram`, `protected` and `visibility`, all or none. "
        "Making a Shared image private stops every share of it."
    ),
)
def update_image(request: HttpRequest, image_id: UUID, payload: ImageUpdateIn):
    image = get_image_for_change(request, image_id)
    with acting(request) as actor, transaction.atomic():
        for name, field in EDITABLE.items():
            value = getattr(payload, name)
            if value is None:
                continue
            if name == "visibility":
                value = value.capitalize()
            # Through the API the request itself is the consent to stop every share.
            services.image_update(
                image=image, field=field, value=value, actor=actor, stop_shares=sys.maxsize
            )
    return image_out(_read(request, image_id))


@router.delete(
    "/images/{image_id}",
    response=answers({204: None}, CHANGE),
    summary="Delete an image",
    description=(
        "Refused with 409 while the image is Protected. Deleted images cannot be recovered."
    ),
)
def delete_image(request: HttpRequest, image_id: UUID):
    image = get_image_for_change(request, image_id)
    with acting(request) as actor:
        outcome, name = services.image_delete(
            image_id=image.pk, account=request.account, actor=actor
        )
    if outcome == services.DeleteOutcome.PROTECTED:
        raise ApiError(409, str(history.DELETE_REFUSED_PROTECTED(name=name)))
    if outcome == services.DeleteOutcome.NOT_YOURS:
        raise PermissionDenied(str(history.DELETE_REFUSED_NOT_OWNER(name=name)))
    if outcome == services.DeleteOutcome.NOT_FOUND:
        raise Http404
    return Status(204, None)


@router.post(
    "/images/{image_id}/import",
    response=answers({202: None}, CHANGE),
    summary="Import an image again",
    description=(
        "Imports an image whose import failed (status error) again, from `url`. Any other "
        "image answers 409."
    ),
)
def import_image(request: HttpRequest, image_id: UUID, payload: ImageImportIn):
    image = get_image_for_change(request, image_id)
    with acting(request, "url") as actor:
        services.image_retry(image=image, actor=actor, file_url=payload.url)
    return Status(202, None)


@router.get(
    "/pending-images",
    response=answers({200: PendingImagesOut}, ALWAYS),
    summary="List images waiting for this account",
    description=(
        "Images other accounts shared with this account that it has not answered yet. "
        "Accept one with PUT /v1/images/{image_id}/members/{own account ID}."
    ),
)
def pending_images(request: HttpRequest):
    waiting = Share.objects.pending_for(request.account).values("image_id")
    images = (
        Image.objects.filter(pk__in=waiting)
        .select_related("account")
        .prefetch_related("tags")
        .order_by("-created_at", "id")
    )
    return {"images": [image_out(image) for image in images]}
