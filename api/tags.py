"""/v1/tags/{srn}: the tags of a resource named by its SRN, base64url-encoded in the path
(RFC 4648 section 5, padding optional). Each change goes through the Tags tab's services
and writes its work-history row."""

import base64
import binascii
import re
from typing import Annotated
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.http import Http404, HttpRequest
from ninja import Path, Query, Router, Status

from api.acting import acting
from api.errors import ApiError
from api.responses import CHANGE, READ_ONE, answers
from api.schemas import (
    MSG_TAG_KEY_SPACES,
    TAG_KEY_PATTERN,
    TagBulkIn,
    TagOut,
    TagPageOut,
    TagPageQuery,
    TagValueIn,
)
from images import services
from images.access import get_image_for_change, get_image_for_read
from images.models import Image, Tag
from images.rules import MAX_TAGS

router = Router(tags=["Tags"])

SrnPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=512,
        pattern=r"^[A-Za-z0-9_=+-]+$",
        description="The resource's SRN, base64url-encoded",
    ),
]
KeyPath = Annotated[str, Path(min_length=1, max_length=128, pattern=TAG_KEY_PATTERN)]

SRN_RE = re.compile(
    r"^srn:(?P<offering>[^:]*)::(?P<account>[0-9a-f]{32}):(?P<region>[^:]*)"
    r"::gpuserver:image/(?P<image_id>[0-9a-f-]{36})$"
)
MSG_KEY = 'Field "key" is invalid. Tag keys ' + MSG_TAG_KEY_SPACES + "."


def decode_srn(value: str) -> tuple[str, UUID] | None:
    """The SRN and the image ID it names, or None if ``value`` is no image SRN of this
    console (unknown offering or region, not base64, not an SRN)."""
    padded = value + "=" * (-len(value) % 4)
    try:
        text = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True).decode(
            "ascii"
        )
    except (binascii.Error, ValueError):
        return None
    match = SRN_RE.fullmatch(text)
    if match is None:
        return None
    if (match["offering"], match["region"]) != (
        settings.CONSOLE_OFFERING,
        settings.CONSOLE_REGION,
    ):
        return None
    try:
        return text, UUID(match["image_id"])
    except ValueError:
        return None


def encode_srn(srn: str) -> str:
    return base64.urlsafe_b64encode(srn.encode()).decode().rstrip("=")


def _image(request: HttpRequest, srn: str, *, change: bool = False) -> Image:
    """The image the SRN names, if the caller may read it (and change it); else 404/403."""
    decoded = decode_srn(srn)
    if decoded is None:
        raise Http404
    text, image_id = decoded
    image = get_image_for_read(request, image_id, queryset=Image.objects.prefetch_related("tags"))
    if image.srn != text:  # an SRN naming another account
        raise Http404
    if change:
        return get_image_for_change(request, image_id)
    return image


def _key(key: str) -> str:
    if key != key.strip():
        raise ApiError(400, MSG_KEY)
    return key


def _page(image: Image, srn: str, page: int, size: int) -> dict:
    tags = list(Tag.objects.filter(image=image).order_by("key"))
    shown = tags[page * size : (page + 1) * size]
    return {
        "content": {"srn": srn, "tags": [{"key": t.key, "value": t.value} for t in shown]},
        "count": len(tags),
        "page": page,
        "size": size,
    }


@router.get(
    "/tags/{srn}",
    response=answers({200: TagPageOut}, READ_ONE),
    summary="List a resource's tags",
)
def list_tags(request: HttpRequest, srn: SrnPath, paging: Query[TagPageQuery]):
    image = _image(request, srn)
    return _page(image, image.srn, paging.page, paging.size)


@router.put(
    "/tags/{srn}/bulk",
    response=answers({200: TagPageOut}, CHANGE),
    summary="Add or change several tags",
    description=(
        "Each tag is added, or its value changed if the key exists; other tags stay. All or "
        "nothing: a resource has at most 50 tags."
    ),
)
def put_tags(request: HttpRequest, srn: SrnPath, payload: TagBulkIn):
    image = _image(request, srn, change=True)
    with acting(request) as actor, transaction.atomic():
        existing = {tag.key: tag for tag in Tag.objects.filter(image=image)}
        for tag in payload.tags:
            current = existing.get(tag.key)
            if current is None:
                services.tag_create(image=image, key=tag.key, value=tag.value or "", actor=actor)
            else:
                services.tag_update(
                    image=image,
                    tag_id=current.pk,
                    key=tag.key,
                    value=tag.value or "",
                    actor=actor,
                )
    return _page(image, image.srn, 0, MAX_TAGS)


@router.delete(
    "/tags/{srn}",
    response=answers({204: None}, CHANGE),
    summary="Delete every tag of a resource",
)
def delete_tags(request: HttpRequest, srn: SrnPath):
    image = _image(request, srn, change=True)
    with acting(request) as actor, transaction.atomic():
        for tag in Tag.objects.filter(image=image).order_by("key"):
            services.tag_delete(image=image, tag_id=tag.pk, actor=actor)
    return Status(204, None)


# A tag whose key is "bulk" is read and deleted on the bulk path (which comes first).
@router.get("/tags/{srn}/bulk", response=answers({200: TagOut}, READ_ONE), include_in_schema=False)
def get_bulk_tag(request: HttpRequest, srn: SrnPath):
    return get_tag(request, srn, "bulk")


@router.delete("/tags/{srn}/bulk", response=answers({204: None}, CHANGE), include_in_schema=False)
def delete_bulk_tag(request: HttpRequest, srn: SrnPath):
    return delete_tag(request, srn, "bulk")


def _tag(image: Image, key: str) -> Tag:
    tag = Tag.objects.filter(image=image, key=key).first()
    if tag is None:
        raise Http404
    return tag


@router.get(
    "/tags/{srn}/{path:key}",
    response=answers({200: TagOut}, READ_ONE),
    summary="Show one tag",
)
def get_tag(request: HttpRequest, srn: SrnPath, key: KeyPath):
    tag = _tag(_image(request, srn), _key(key))
    return {"key": tag.key, "value": tag.value}


@router.put(
    "/tags/{srn}/{path:key}",
    response=answers({200: TagOut}, CHANGE),
    summary="Add or change one tag",
    description='The key "bulk" is the bulk operation; change such a tag with PUT .../bulk.',
)
def put_tag(request: HttpRequest, srn: SrnPath, key: KeyPath, payload: TagValueIn):
    image = _image(request, srn, change=True)
    key = _key(key)
    with acting(request, "key") as actor:
        current = Tag.objects.filter(image=image, key=key).first()
        if current is None:
            tag = services.tag_create(image=image, key=key, value=payload.value or "", actor=actor)
        else:
            tag = services.tag_update(
                image=image, tag_id=current.pk, key=key, value=payload.value or "", actor=actor
            )
    return {"key": tag.key, "value": tag.value}


@router.delete(
    "/tags/{srn}/{path:key}",
    response=answers({204: None}, CHANGE),
    summary="Delete one tag",
)
def delete_tag(request: HttpRequest, srn: SrnPath, key: KeyPath):
    image = _image(request, srn, change=True)
    tag = _tag(image, _key(key))
    with acting(request) as actor:
        services.tag_delete(image=image, tag_id=tag.pk, actor=actor)
    return Status(204, None)
