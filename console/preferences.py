"""The user's own settings: the language switch (한국어 / English, before and after
sign-in) and the time zone chosen in the user menu."""

import zoneinfo
from functools import cache

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from console.middleware import account_not_required, set_language_cookie
from console.models import Profile

# A language chosen on the sign-in page, saved to the profile of whoever signs in next.
SESSION_CHOSEN_LANGUAGE = "console_chosen_language"

# The zones offered in the user menu; every other zone is on the preferences page.
COMMON_ZONES = (
    "UTC",
    "Asia/Seoul",
    "Asia/Tokyo",
    "Asia/Shanghai",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Australia/Sydney",
    "Pacific/Auckland",
)


@cache
def all_zones() -> tuple[str, ...]:
    """Every IANA zone of the system's database, without the legacy aliases."""
    legacy = ("Etc/", "SystemV/", "US/", "posix/", "right/")
    zones = (name for name in zoneinfo.available_timezones() if "/" in name)
    return ("UTC", *sorted(name for name in zones if not name.startswith(legacy)))


def is_zone(name: str) -> bool:
    return name in all_zones() or name == settings.TIME_ZONE


def profile_update(*, user, language: str | None = None, time_zone: str | None = None) -> Profile:
    """Save a user's language and/or time zone (the profile is made on first use)."""
    profile, _created = Profile.objects.get_or_create(user=user)
    fields = []
    if language is not None:
        profile.language = language
        fields.append("language")
    if time_zone is not None:
        profile.time_zone = time_zone
        fields.append("time_zone")
    if fields:
        profile.save(update_fields=fields)
    return profile


def menu_zones(current: str) -> list[str]:
    """The user menu's zones: the common ones, the console's default and the current one."""
    zones = list(dict.fromkeys([settings.TIME_ZONE, *COMMON_ZONES]))
    if current not in zones:
        zones.insert(0, current)
    return zones


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        choices=settings.LANGUAGES,
        error_messages={"invalid_choice": gettext_lazy("Choose 한국어 or English.")},
    )


class TimeZoneForm(forms.Form):
    time_zone = forms.CharField(label=gettext_lazy("Time zone"), max_length=64)

    def clean_time_zone(self) -> str:
        name = self.cleaned_data["time_zone"].strip()
        if not is_zone(name):
            raise forms.ValidationError(
                gettext_lazy("Choose a time zone from the list, such as Asia/Seoul or UTC."),
                code="unknown_time_zone",
            )
        return name


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


@require_POST
@login_not_required
@account_not_required
def set_language(request: HttpRequest) -> HttpResponse:
    """The 한국어 / English switch: saved to the profile when signed in, and to a cookie
    (which speaks for the browser before sign-in) in both cases."""
    form = LanguageForm(request.POST)
    response = redirect(_next_url(request))
    if not form.is_valid():
        messages.error(request, form.errors["language"][0])
        return response
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        profile_update(user=request.user, language=language)
    else:
        request.session[SESSION_CHOSEN_LANGUAGE] = language
    set_language_cookie(response, language)
    return response


@receiver(user_logged_in)
def _keep_language_chosen_before_sign_in(sender, request, user, **kwargs) -> None:
    """A language picked on the sign-in page becomes the user's saved choice."""
    chosen = request.session.pop(SESSION_CHOSEN_LANGUAGE, None) if request else None
    if chosen in dict(settings.LANGUAGES):
        profile_update(user=user, language=chosen)


@require_http_methods(["GET", "POST"])
@account_not_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Language and time zone: the user menu's quick choices, and the full list of zones."""
    current = getattr(request, "time_zone_name", settings.TIME_ZONE)
    form = TimeZoneForm(request.POST or None, initial={"time_zone": current})
    if request.method == "POST" and form.is_valid():
        zone = form.cleaned_data["time_zone"]
        profile_update(user=request.user, time_zone=zone)
        messages.success(request, _("Times are now shown in %(zone)s.") % {"zone": zone})
        return redirect(_next_url(request))
    if request.method == "POST":
        messages.error(request, form.errors["time_zone"][0])
        if request.POST.get("next"):
            return redirect(_next_url(request))
    return render(
        request,
        "console/preferences.html",
        {
            "form": form,
            "zones": all_zones(),
            "current_zone": current,
            "default_zone": settings.TIME_ZONE,
            "current_language": translation.get_language(),
            "next": _next_url(request),
        },
    )
