"""Request-scoped tenancy, the user's language and time zone, htmx message delivery and the
security headers of every answer."""

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.middleware.security import SecurityMiddleware
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone, translation

from console.models import Membership, Profile

SESSION_ACCOUNT_KEY = "current_account_id"


def account_not_required(view: Callable) -> Callable:
    """Mark a view that signed-in users without any membership may open."""
    view.account_not_required = True
    return view


class SecurityHeadersMiddleware(SecurityMiddleware):
    """The response headers of Django's SecurityMiddleware (nosniff, Referrer-Policy,
    Cross-Origin-Opener-Policy, HSTS), outermost, without its https redirect.

    SecurityMiddleware reads the Host header to redirect to https; a Host not in
    ALLOWED_HOSTS makes that raise, and the 400 answer then skips SecurityMiddleware's
    own headers. This one sees every answer. Setting a header twice is harmless: each
    is set only when missing.
    """

    def process_request(self, request: HttpRequest) -> None:
        return None


class CurrentAccountMiddleware:
    """Sets ``request.account`` / ``request.membership`` / ``request.memberships``.

    The current account is the one kept in the session if the user is (still) a
    member of it, else the first of the user's accounts. A signed-in user without
    any membership gets a clear page instead of the console.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.account = None
        request.membership = None
        request.memberships = []
        if request.user.is_authenticated:
            memberships = list(
                Membership.objects.filter(user=request.user)
                .select_related("account")
                .order_by("account__name", "account_id")
            )
            request.memberships = memberships
            wanted = request.session.get(SESSION_ACCOUNT_KEY)
            current = next((m for m in memberships if m.account_id == wanted), None)
            if current is None and memberships:
                current = memberships[0]
            if current is not None:
                request.membership = current
                request.account = current.account
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, args, kwargs):
        if not request.user.is_authenticated or request.membership is not None:
            return None
        if getattr(view_func, "account_not_required", False):
            return None
        if getattr(view_func, "login_required", True) is False:
            return None
        match = request.resolver_match
        if match is not None and match.namespace == "admin":
            return None
        return render(request, "console/no_account.html", status=200)


class HtmxMessagesMiddleware:
    """Delivers pending messages with htmx fragment responses as out-of-band toasts.

    A full page shows messages in its layout; a fragment swap would otherwise keep
    them until the next full page. Redirect-like htmx responses keep them for the
    page they lead to.
    """

    _REDIRECT_HEADERS = ("HX-Redirect", "HX-Location", "HX-Refresh")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            not getattr(request, "htmx", False)
            or response.streaming
            or 300 <= response.status_code < 400
            or any(header in response.headers for header in self._REDIRECT_HEADERS)
            or not response.get("Content-Type", "").startswith("text/html")
        ):
            return response
        storage = messages.get_messages(request)
        if len(storage):
            html = render_to_string("_toasts.html", {"messages": storage, "oob": True})
            response.content += html.encode()
        return response


def set_language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def is_known_zone(name: str) -> bool:
    """False for a zone removed from the system's database since it was saved."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False
    return True


class UserPreferencesMiddleware:
    """The signed-in user's saved language and time zone.

    Runs after LocaleMiddleware, which chose the browser's language (the switch's cookie,
    else Accept-Language, else English): a language the user saved wins over both. The
    time zone is the user's, else ``CONSOLE_TIME_ZONE``. The saved language is also put
    into the cookie, so that the sign-in page speaks it after signing out.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        signed_in = request.user.is_authenticated
        language, zone = self._saved(request)
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        request.time_zone_name = zone if zone and is_known_zone(zone) else settings.TIME_ZONE
        timezone.activate(zoneinfo.ZoneInfo(request.time_zone_name))
        try:
            response = self.get_response(request)
        finally:
            timezone.deactivate()
        # Signing in happens inside the view: read the (now signed-in) user's choice again.
        if not signed_in and request.user.is_authenticated:
            language, _ = self._saved(request)
        if language and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != language:
            set_language_cookie(response, language)
        return response

    @staticmethod
    def _saved(request: HttpRequest) -> tuple[str, str]:
        if not request.user.is_authenticated:
            return "", ""
        saved = (
            Profile.objects.filter(user_id=request.user.pk)
            .values_list("language", "time_zone")
            .first()
        )
        if saved is None:
            return "", ""
        language, zone = saved
        return (language if language in dict(settings.LANGUAGES) else ""), zone
