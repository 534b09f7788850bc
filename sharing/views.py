"""Sharing images with other accounts: the owner's and the receiver's pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from console.access import current_account
from sharing.models import Share


@require_GET
def pending_shares(request: HttpRequest) -> HttpResponse:
    """Shares waiting for the current account to accept or reject them."""
    account = current_account(request)
    shares = (
        Share.objects.filter(target_account_id=account.id, status=Share.Status.PENDING)
        .select_related("image", "image__account")
        .order_by("-modified_at")
    )
    return render(request, "sharing/pending_shares.html", {"shares": shares})
