"""Sign-in, account switching and the service home."""

from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from console.htmx import ConsoleRequest
from console.middleware import SESSION_ACCOUNT_KEY, account_not_required


@require_GET
@login_not_required
def favicon(request: ConsoleRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on pages that name none (the admin site)."""
    return redirect(static("img/favicon.svg"), permanent=True)


@require_GET
def home(request: ConsoleRequest) -> HttpResponse:
    return redirect("images:list")


@require_POST
@account_not_required
def switch_account(request: ConsoleRequest) -> HttpResponse:
    account_id = request.POST.get("account_id", "")
    membership = next((m for m in request.memberships if m.account_id == account_id), None)
    if membership is None:
        # Same answer whether the account exists or not.
        raise Http404("No such account.")
    request.session[SESSION_ACCOUNT_KEY] = membership.account_id
    messages.success(
        request, _("Switched to account %(name)s.") % {"name": membership.account.name}
    )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("images:list")
    return redirect(target if _is_list_page(target) else "images:list")


# Pages that list what the current account has; they read the same in any account. Object
# pages of the previous account would answer 404 in the new one.
LIST_PAGES = {"images:list", "servers:list", "activity:history", "sharing:pending"}


def _is_list_page(url: str) -> bool:
    try:
        match = resolve(urlsplit(url).path)
    except Resolver404:
        return False
    return match.view_name in LIST_PAGES
