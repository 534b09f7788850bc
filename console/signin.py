"""Sign-in throttling (django-axes): who the client is, and the answer once a user name
and address pair is locked.

The failure count lives in the database (axes' database handler), so every web process
on every machine counts the same failures and sees the same lock.
"""

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

LOCKED_OUT = (
    "Too many failed sign-ins for this user name from your address. Sign-in is locked "
    "for {minutes} minutes; try again later or ask an administrator to unlock it."
)


def locked_out_message() -> str:
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return LOCKED_OUT.format(minutes=minutes)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address: the peer's, or, behind ``CONSOLE_TRUSTED_PROXIES`` load
    balancers, the address the outermost of them saw. Entries further left in
    X-Forwarded-For are written by the client and cannot be trusted."""
    proxies = settings.CONSOLE_TRUSTED_PROXIES
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            return hops[-min(proxies, len(hops))]
    return request.META.get("REMOTE_ADDR")


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
        context = {"form": AuthenticationForm(request)}
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
