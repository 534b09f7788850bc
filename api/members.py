"""/v1/images/{image_id}/members: sharing an image with other accounts (image members).

The owner lists, creates and deletes members; only the member's own account answers its
share (accepted or rejected). Pending gives nothing; only Accepted gives read-only access.
"""

from typing import Annotated
from uuid import UUID

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Path, Router, Status

from api.acting import acting
from api.errors import ApiError
from api.representations import member_out
from api.responses import CHANGE, FORBIDDEN, READ_ONE, answers
from api.schemas import (
    ACCOUNT_ID_PATTERN,
    MemberCreateIn,
    MemberListOut,
    MemberOut,
    MemberUpdateIn,
)
from console.access import require_change
from images.access import get_image_for_change, get_image_for_read, is_owner
from images.models import Image
from sharing import services
from sharing.models import Share

router = Router(tags=["Image members"])

MemberIdPath = Annotated[str, Path(min_length=1, max_length=64, pattern=ACCOUNT_ID_PATTERN)]

MSG_OWNER_ONLY = "Only the account that owns the image sees its members."
MSG_ANSWER_OWN = "Only the account a share is addressed to can answer it."
MSG_NO_PENDING_AGAIN = "A share cannot go back to pending."
MSG_REJECTED = "This share was rejected; the owner can share the image again."


def _owned_share(image: Image, member_id: str) -> Share:
    share = image.shares.filter(target_account_id=services.normalize_account_id(member_id)).first()
    if share is None:
        raise Http404
    return share


def _receiver_share(request: HttpRequest, image_id: UUID) -> Share | None:
    """The share of ``image_id`` addressed to the caller's account, by another account."""
    return (
        Share.objects.for_receiver(request.account)
        .select_related("image")
        .filter(image_id=image_id)
        .first()
    )


@router.get(
    "/images/{image_id}/members",
    response=answers({200: MemberListOut}, READ_ONE | {FORBIDDEN}),
    summary="List an image's members",
    description="The owner's accounts only; a receiver of the image gets 403.",
)
def list_members(request: HttpRequest, image_id: UUID):
    image = get_image_for_read(request, image_id)
    if not is_owner(request, image):
        raise PermissionDenied(MSG_OWNER_ONLY)
    return {"members": [member_out(s) for s in image.shares.order_by("created_at", "id")]}


@router.post(
    "/images/{image_id}/members",
    response=answers({200: MemberOut}, CHANGE),
    summary="Share an image with another account",
    description=(
        "Creates a pending member. The image must be Shared and uploaded (not made from a "
        "GPU server); the answer never tells whether an account with that ID exists."
    ),
)
def create_member(request: HttpRequest, image_id: UUID, payload: MemberCreateIn):
    image = get_image_for_change(request, image_id)
    with acting(request, "member_id") as actor:
        share = services.share_create(image=image, target_account_id=payload.member_id, actor=actor)
    return member_out(share)


@router.get(
    "/images/{image_id}/members/{member_id}",
    response=answers({200: MemberOut}, READ_ONE),
    summary="Show one member",
    description="For the owner, or for the member account itself.",
)
def get_member(request: HttpRequest, image_id: UUID, member_id: MemberIdPath):
    image = Image.objects.visible_to(request.account).filter(pk=image_id).first()
    if image is not None and is_owner(request, image):
        return member_out(_owned_share(image, member_id))
    if services.normalize_account_id(member_id) == request.account.id:
        share = _receiver_share(request, image_id)
        if share is not None and services.image_share_blocker(share.image) is None:
            return member_out(share)
    raise Http404


@router.put(
    "/images/{image_id}/members/{member_id}",
    response=answers({200: MemberOut}, CHANGE),
    summary="Accept or reject a share",
    description=(
        "The member account answers its own share: `accepted` gives read-only access at "
        "once, `rejected` declines it (or gives up an accepted one)."
    ),
)
def update_member(
    request: HttpRequest, image_id: UUID, member_id: MemberIdPath, payload: MemberUpdateIn
):
    if services.normalize_account_id(member_id) != request.account.id:
        if Image.objects.visible_to(request.account).filter(pk=image_id).exists():
            raise PermissionDenied(MSG_ANSWER_OWN)
        raise Http404
    wanted = payload.status.capitalize()
    share = _receiver_share(request, image_id)
    # Giving access up is allowed whatever the image's state; anything else only while
    # the image can be shared (as the pending list shows it).
    if share is None or (
        wanted != Share.Status.REJECTED and services.image_share_blocker(share.image) is not None
    ):
        raise Http404
    require_change(request)
    if wanted == share.status:
        return member_out(share)
    if wanted == Share.Status.PENDING:
        raise ApiError(409, MSG_NO_PENDING_AGAIN)
    if wanted == Share.Status.ACCEPTED and share.status == Share.Status.REJECTED:
        raise ApiError(409, MSG_REJECTED)
    answer = services.share_accept if wanted == Share.Status.ACCEPTED else services.share_reject
    with acting(request) as actor:
        share = answer(image_id=image_id, account=request.account, actor=actor)
    return member_out(share)


@router.delete(
    "/images/{image_id}/members/{member_id}",
    response=answers({204: None}, CHANGE),
    summary="Stop sharing with an account",
)
def delete_member(request: HttpRequest, image_id: UUID, member_id: MemberIdPath):
    image = get_image_for_change(request, image_id)
    share = _owned_share(image, member_id)
    with acting(request) as actor:
        services.share_stop(share=share, actor=actor)
    return Status(204, None)
