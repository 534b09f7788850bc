"""Sharing images with other accounts: the owner's and the receiver's pages.

Owner: share (Share to another Account), stop (Delete in Sharing status).
Receiver: receive (Get Image Share), pending (Pending shares), accept, reject.
Outside the rules every view answers 404 (never telling whether an image exists);
viewers get 403 on anything that changes a share.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from console.access import current_account, require_change
from console.htmx import ConsoleRequest, redirect_after_change, render_page, trigger
from console.paging import PAGE_SIZES, configure_table, page_size
from images.access import get_image_for_change
from sharing import services
from sharing.forms import ShareCreateForm, ShareReceiveForm
from sharing.models import Share
from sharing.tables import PendingShareTable

FIELD_ERRORS = {"malformed_account_id", "own_account", "already_shared"}


@require_http_methods(["GET", "POST"])
def share(request: ConsoleRequest, pk) -> HttpResponse:
    """Share to another Account: the image's owner requests a share (status Pending)."""
    image = get_image_for_change(request, pk)
    form = ShareCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.share_create(
                image=image,
                target_account_id=form.cleaned_data["target_account_id"],
                actor=request.user,
            )
        except ValidationError as error:
            field = "target_account_id" if error.code in FIELD_ERRORS else None
            form.add_error(field, error)
        else:
            text = _(
                "Image %(name)s is shared with account %(account)s. "
                "It stays Pending until that account accepts it."
            )
            messages.success(
                request, text % {"name": image.name, "account": created.target_account_id}
            )
            return redirect_after_change(request, "images:detail", pk=image.pk)
    blocker = services.image_share_blocker(image)
    return render(
        request,
        "sharing/share_create.html",
        {"image": image, "form": form, "blocker": blocker.messages[0] if blocker else ""},
    )


@require_http_methods(["GET", "POST"])
def stop(request: ConsoleRequest, pk, share_pk: int) -> HttpResponse:
    """Delete in Sharing status: the owner stops a share; GET asks for confirmation."""
    image = get_image_for_change(request, pk)
    target = get_object_or_404(Share.objects.filter(image=image), pk=share_pk)
    if request.method == "GET":
        return render(request, "sharing/share_stop_confirm.html", {"image": image, "share": target})
    try:
        services.share_stop(share=target, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        text = _(
            "Stopped sharing %(name)s with account %(account)s. That account lost access at once."
        )
        messages.success(request, text % {"name": image.name, "account": target.target_account_id})
    if request.htmx:
        response = render(request, "sharing/_sharing_status.html", {"image": image})
        return trigger(response, "console:close-dialog")
    return redirect("images:detail", pk=image.pk)


@require_http_methods(["GET", "POST"])
def receive(request: ConsoleRequest) -> HttpResponse:
    """Get Image Share: accept the pending share of an Image ID for the current account.

    Every ID without such a share (malformed, unknown, not shared, shared with another
    account, already accepted, rejected) gets the same answer: same status, same page.
    """
    require_change(request)
    form = ShareReceiveForm(request.POST or None)
    failed = False
    if request.method == "POST":
        try:
            accepted = services.share_accept(
                image_id=form.image_uuid(), account=current_account(request), actor=request.user
            )
        except ValidationError:
            failed = True
        else:
            text = _("Image %(name)s shared by %(owner)s is now in your image list.")
            messages.success(
                request, text % {"name": accepted.image.name, "owner": accepted.image.account.name}
            )
            return redirect_after_change(request, "images:list")
    context = {"form": form, "failed": failed, "neutral_message": services.ERROR_NO_PENDING_SHARE}
    return render_page(request, "sharing/share_receive.html", context, fragment="receive-form")


@require_GET
def pending(request: ConsoleRequest) -> HttpResponse:
    """Pending shares: what other accounts shared with the current account, waiting for
    Accept or Reject."""
    return render_page(
        request,
        "sharing/pending_shares.html",
        _pending_context(request),
        fragment="pending-section",
    )


def _pending_context(request: ConsoleRequest, **extra) -> dict:
    account = current_account(request)
    shares = (
        Share.objects.pending_for(account)
        .select_related("image", "image__account")
        .order_by("-modified_at", "-id")
    )
    table = PendingShareTable(
        shares,
        request=request,
        account=account,
        can_change=bool(request.membership and request.membership.can_change),
    )
    per_page = page_size(request)
    configure_table(request, table, per_page)
    return {"table": table, "per_page": per_page, "page_sizes": PAGE_SIZES, **extra}


def _answered(request: ConsoleRequest, share: Share) -> HttpResponse:
    """The Pending shares list after an answer given with htmx, the answer on top."""
    share.refresh_from_db(fields=["status", "modified_at"])
    return render(
        request,
        "sharing/pending_shares.html#pending-section",
        {**_pending_context(request, answered=share), "oob": True},
    )


def _receiver_share(request: ConsoleRequest, pk, queryset) -> Share:
    """The current account's share of image ``pk`` among ``queryset``, else 404."""
    return get_object_or_404(queryset.select_related("image", "image__account"), image_id=pk)


@require_http_methods(["GET", "POST"])
def accept(request: ConsoleRequest, pk) -> HttpResponse:
    """Accept a pending share from the Pending shares list; GET asks for confirmation."""
    require_change(request)
    account = current_account(request)
    offered = _receiver_share(request, pk, Share.objects.pending_for(account))
    if request.method == "GET":
        return render(request, "sharing/share_answer_confirm.html", {"share": offered})
    try:
        services.share_accept(image_id=pk, account=account, actor=request.user)
    except ValidationError:
        raise Http404(_("No pending share of this image for your account.")) from None
    if request.htmx:
        return _answered(request, offered)
    text = _("Image %(name)s is now in your image list.")
    messages.success(request, text % {"name": offered.image.name})
    return redirect("sharing:pending")


@require_http_methods(["GET", "POST"])
def reject(request: ConsoleRequest, pk) -> HttpResponse:
    """Reject a pending share, or "Remove from my list" an accepted one; GET asks for
    confirmation."""
    require_change(request)
    account = current_account(request)
    answerable = Share.objects.for_receiver(account).filter(
        status__in=(Share.Status.PENDING, Share.Status.ACCEPTED)
    )
    answered = _receiver_share(request, pk, answerable)
    if request.method == "GET":
        return render(
            request, "sharing/share_answer_confirm.html", {"share": answered, "rejecting": True}
        )
    was_accepted = answered.status == Share.Status.ACCEPTED
    try:
        services.share_reject(image_id=pk, account=account, actor=request.user)
    except ValidationError:
        raise Http404(_("No share of this image for your account.")) from None
    if was_accepted:
        text = _("Image %(name)s was removed from your list.")
        messages.success(request, text % {"name": answered.image.name})
        return redirect_after_change(request, "images:list")
    if request.htmx:
        return _answered(request, answered)
    text = _("You rejected the share of image %(name)s.")
    messages.success(request, text % {"name": answered.image.name})
    return redirect("sharing:pending")
