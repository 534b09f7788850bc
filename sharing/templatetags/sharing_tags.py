"""Sharing pieces other pages include: the pending-share count of the list tabs and the
Sharing status table of the image detail page."""

from dataclasses import dataclass, field

from django import template

from images.models import Image
from sharing.models import Share
from sharing.services import image_share_blocker

register = template.Library()


@register.simple_tag(takes_context=True)
def pending_share_count(context) -> int:
    """Shares waiting for the current account; counted once per request however many
    parts of the page show it (an answer given on the page counts again)."""
    account = context.get("current_account")
    if account is None:
        return 0
    request = context.get("request")
    cached = getattr(request, "_pending_share_count", None)
    if cached is not None and not context.get("answered"):
        return cached
    count = Share.objects.pending_for(account).count()
    if request is not None:
        request._pending_share_count = count
    return count


@dataclass
class SharingStatus:
    shares: list[Share] = field(default_factory=list)
    is_owner: bool = False
    # Members of the owning account may share and stop sharing.
    can_manage: bool = False
    # Why the image cannot be shared now ("" when it can).
    blocker: str = ""


@register.simple_tag(takes_context=True)
def sharing_status(context, image: Image) -> SharingStatus:
    """The owner sees every share; a receiver sees only its own account's share, never
    which other accounts the image is shared with."""
    account = context.get("current_account")
    if account is None:
        return SharingStatus()
    if image.account_id != account.id:
        return SharingStatus(shares=list(image.shares.filter(target_account_id=account.id)))
    blocker = image_share_blocker(image)
    return SharingStatus(
        shares=list(image.shares.all()),
        is_owner=True,
        can_manage=bool(context.get("can_change")),
        blocker=blocker.messages[0] if blocker else "",
    )
