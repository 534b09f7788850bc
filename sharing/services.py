"""Every state change of a share: request (owner), accept and reject (receiver), stop (owner).

Each service is atomic, locks the share (or the image it shares) before checking that
the move is allowed, and writes exactly one work-history row on the shared image in the
same transaction. A refused owner request is recorded as a Failure in its own
transaction. Nothing is recorded for a receiver's wrong Image ID: there may be no
image, and a row would tell an owner that someone probed its images.
"""

import re
import uuid

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from console import work_history
from console.models import Account
from console.phrases import Message
from images.history import Topic, record_image
from images.models import Image
from images.services import SharesWouldStop
from sharing import history
from sharing.models import ACCOUNT_ID_PATTERN, Share

ERROR_MALFORMED_ACCOUNT_ID = history.MALFORMED_ACCOUNT_ID().lazy()
# One message for every Image ID that has no pending share for the account: malformed,
# unknown, not shared, shared with another account, already accepted, rejected. Any
# difference would let a user probe other accounts' image IDs.
ERROR_NO_PENDING_SHARE = _(
    "No pending share of this image was found for your account. Check the Image ID with "
    "the account that shared it."
)
ERROR_SHARE_GONE = _("This share no longer exists: it was already stopped.")

ACCOUNT_ID_RE = re.compile(ACCOUNT_ID_PATTERN)


def normalize_account_id(value: str) -> str:
    """Account IDs are lowercase hex; a typed ID in capitals means the same account."""
    return value.strip().lower()


class ShareRefused(ValidationError):
    """A share that cannot be made; ``reason`` keeps why, as data for the history."""

    def __init__(self, reason: Message, code: str) -> None:
        self.reason = reason
        super().__init__(str(reason), code=code)


def image_share_blocker(image: Image) -> ShareRefused | None:
    """Why ``image`` cannot be shared with any account, if it cannot."""
    code = image.share_blocker()
    if not code:
        return None
    return ShareRefused(history.BLOCKERS[code](name=image.name), code=code)


def share_refusal(image: Image, target_account_id: str) -> ShareRefused | None:
    """Why ``image`` cannot be shared with ``target_account_id`` now, if it cannot.

    The answer depends only on the image and its own shares, never on whether an
    account with that ID exists.
    """
    if not ACCOUNT_ID_RE.fullmatch(target_account_id):
        return ShareRefused(history.MALFORMED_ACCOUNT_ID(), code="malformed_account_id")
    blocker = image_share_blocker(image)
    if blocker is not None:
        return blocker
    if target_account_id == image.account_id:
        return ShareRefused(history.OWN_ACCOUNT(), code="own_account")
    if image.shares.filter(target_account_id=target_account_id).exists():
        reason = history.ALREADY_SHARED(name=image.name, account_id=target_account_id)
        return ShareRefused(reason, code="already_shared")
    return None


def share_create(*, image: Image, target_account_id: str, actor) -> Share:
    """Share ``image`` with the account typed as ``target_account_id`` (status Pending).

    The image row is locked so that two requests for the same account cannot both pass
    the duplicate check, and a concurrent switch to Private either lands first (and
    the request is refused) or finds this share and stops it.
    """
    target = normalize_account_id(target_account_id)
    with transaction.atomic():
        locked = Image.objects.select_for_update().select_related("account").get(pk=image.pk)
        refusal = share_refusal(locked, target)
        if refusal is not None:
            record_image(
                locked,
                Topic.CREATE_IMAGE_MEMBER,
                history.REFUSED_MALFORMED(reason=refusal.reason)
                if refusal.code == "malformed_account_id"
                else history.REFUSED(account=target, reason=refusal.reason),
                actor=actor,
                result=work_history.FAILURE,
            )
        else:
            now = timezone.now()
            share = Share.objects.create(
                image=locked,
                target_account_id=target,
                status=Share.Status.PENDING,
                requested_by=actor,
                modified_at=now,
            )
            record_image(
                locked,
                Topic.CREATE_IMAGE_MEMBER,
                history.REQUESTED(name=locked.name, account=target),
                actor=actor,
            )
    if refusal is not None:
        raise refusal
    return share


def _parse_image_id(image_id) -> uuid.UUID | None:
    if isinstance(image_id, uuid.UUID):
        return image_id
    try:
        return uuid.UUID(str(image_id).strip())
    except ValueError:
        return None


def _lock_receiver_share(
    image_id, account: Account, statuses: tuple[str, ...], *, shareable_only: bool = True
) -> Share | None:
    """The share of ``image_id`` for ``account`` in one of ``statuses``, locked; with
    ``shareable_only``, only while the image is still Shared and uploaded. Else None.

    The share row is locked first and the image read afterwards: a concurrent stop,
    delete or switch to Private either commits before the lock is granted (and is seen
    here) or waits for this transaction and then removes what it changed.
    """
    parsed = _parse_image_id(image_id)
    if parsed is None:
        return None
    share = (
        Share.objects.select_for_update()
        .filter(image_id=parsed, target_account_id=account.id, status__in=statuses)
        .first()
    )
    if share is None:
        return None
    image = Image.objects.select_related("account").filter(pk=share.image_id).first()
    if image is None or image.account_id == account.id:
        return None
    if shareable_only and image_share_blocker(image) is not None:
        return None
    share.image = image
    return share


def share_accept(*, image_id, account: Account, actor) -> Share:
    """Accept the pending share of ``image_id`` for ``account``: the image becomes
    readable there at once. Any ID without such a share raises the one neutral error."""
    with transaction.atomic():
        share = _lock_receiver_share(image_id, account, (Share.Status.PENDING,))
        if share is None:
            raise ValidationError(ERROR_NO_PENDING_SHARE, code="no_pending_share")
        share.status = Share.Status.ACCEPTED
        share.modified_at = timezone.now()
        share.save(update_fields=["status", "modified_at"])
        accepted = history.ACCEPTED(account=account.id, name=share.image.name)
        record_image(share.image, Topic.SET_IMAGE_MEMBER, accepted, actor=actor)
    return share


def share_reject(*, image_id, account: Account, actor) -> Share:
    """Reject a pending share, or remove an accepted one from the receiver's list: the
    receiving account loses access at once. Only the owner can share the image again
    (after deleting this share)."""
    with transaction.atomic():
        # Giving access up is allowed whatever the image's state.
        share = _lock_receiver_share(
            image_id,
            account,
            (Share.Status.PENDING, Share.Status.ACCEPTED),
            shareable_only=False,
        )
        if share is None:
            raise ValidationError(ERROR_NO_PENDING_SHARE, code="no_pending_share")
        previous = share.status
        share.status = Share.Status.REJECTED
        share.modified_at = timezone.now()
        share.save(update_fields=["status", "modified_at"])
        name = share.image.name
        answer = history.REJECTED if previous == Share.Status.PENDING else history.REMOVED
        record_image(
            share.image, Topic.SET_IMAGE_MEMBER, answer(account=account.id, name=name), actor=actor
        )
    return share


def share_stop(*, share: Share, actor) -> None:
    """Stop sharing: the share is deleted and the receiving account loses access at
    once. The row is locked so that a concurrent accept either commits first (and its
    Accepted share is deleted here) or finds no share."""
    with transaction.atomic():
        locked = (
            Share.objects.select_for_update()
            .filter(pk=share.pk, image_id=share.image_id)
            .values("pk", "target_account_id", "status")
            .first()
        )
        if locked is None:
            raise ValidationError(ERROR_SHARE_GONE, code="share_gone")
        image = Image.objects.select_related("account").get(pk=share.image_id)
        Share.objects.filter(pk=locked["pk"]).delete()
        stopped = history.STOPPED(
            name=image.name, account=locked["target_account_id"], status=locked["status"]
        )
        record_image(image, Topic.DELETE_IMAGE_MEMBER, stopped, actor=actor)


def shares_stop_for_private(*, image: Image, actor, agreed: int) -> int:
    """Visibility Shared -> Private: every share of the image stops in the same
    transaction, one "DeleteImageMember" row each; more shares than the user agreed to
    stop (one was made meanwhile) refuses the switch so that it is asked again."""
    shares = list(Share.objects.select_for_update().filter(image=image).order_by("id"))
    if len(shares) > agreed:
        raise SharesWouldStop(len(shares))
    for share in shares:
        stopped = history.STOPPED_PRIVATE(account=share.target_account_id, status=share.status)
        record_image(image, Topic.DELETE_IMAGE_MEMBER, stopped, actor=actor)
    Share.objects.filter(pk__in=[s.pk for s in shares]).delete()
    return len(shares)


def accepted_image_ids(account: Account):
    """The images ``account`` accepted a share of (images.models reads through this)."""
    return Share.objects.filter(target_account_id=account.id, status=Share.Status.ACCEPTED).values(
        "image_id"
    )
