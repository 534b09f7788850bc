"""Sign-in: the form in the console's words, and throttling (django-axes): who the client
is, and the answer once a user name and address pair is locked.

The failure count lives in the database (axes' database handler), so every web process
on every machine counts the same failures and sees the same lock.
"""

import ipaddress

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

LOCKED_OUT = _(
    "Too many failed sign-ins for this user name from your address. Sign-in is locked "
    "for {minutes} minutes; try again later or ask an administrator to unlock it."
)


class SignInForm(AuthenticationForm):
    """The sign-in form in the console's own words (the glossary's terms in Korean)."""

    error_messages = {
        "invalid_login": _("Enter a correct user name and password. Both are case-sensitive."),
        "inactive": _("This user cannot sign in."),
    }


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKED_OUT.format(minutes=minutes)


# The longest user name the failure records hold.
USERNAME_KEPT = 255


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or, behind ``CONSOLE_TRUSTED_PROXIES`` load
    balancers, the address the outermost of them saw. Entries further left in
    X-Forwarded-For are written by the client and cannot be trusted."""
    proxies = settings.CONSOLE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            seen = hops[-min(proxies, len(hops))]
            try:
                return str(ipaddress.ip_address(seen))
            except ValueError:
                pass  # not an address: the peer's is the one left to trust
    return request.META.get("REMOTE_ADDR")


def client_username(request: HttpRequest, credentials: dict | None = None) -> str | None:
    """The user name a sign-in tried, as the failure records keep it.

    The sign-in forms do not limit its length (Django's AuthenticationForm sets a
    maximum without checking it) and the records hold 255 characters; NUL cannot be
    stored at all. Longer names are counted by their first 255 characters.
    """
    field = get_user_model().USERNAME_FIELD
    if credentials:
        username = credentials.get(field)
    else:
        username = getattr(request, "data", request.POST).get(field)
    if username is None:
        return None
    return str(username).replace("\x00", "\ufffd")[:USERNAME_KEPT]


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The sign-in page the client posted to (the console's or the admin's), its form
    carrying the lockout message, with 429 Too Many Requests."""
    if isinstance(original_response, TemplateResponse) and original_response.context_data:
        context = dict(original_response.context_data)
        template = original_response.template_name
    else:
        # Not a sign-in page's answer: the console's sign-in page, its form unbound
        # (binding it would try the credentials once more).
        context = {"form": SignInForm(request)}
        template = "registration/login.html"
    form = context.get("form")
    if form is not None:
        # The lockout replaces "wrong user name or password": it is the reason now.
        form.errors.clear()
        if not hasattr(form, "cleaned_data"):
            form.cleaned_data = {}
        form.add_error(None, ValidationError(locked_out_message(), code="locked_out"))
    context["locked_out"] = True
    return TemplateResponse(request, template, context, status=429).render()
