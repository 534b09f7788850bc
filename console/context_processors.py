from django.conf import settings
from django.http import HttpRequest

from console.preferences import menu_zones


def console(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    time_zone = getattr(request, "time_zone_name", settings.TIME_ZONE)
    return {
        "current_account": getattr(request, "account", None),
        "current_membership": membership,
        "memberships": getattr(request, "memberships", []),
        "can_change": bool(membership and membership.can_change),
        "console_region": settings.CONSOLE_REGION,
        # The header's language switch and the user menu's time zone.
        "console_languages": settings.LANGUAGES,
        "time_zone_name": time_zone,
        "menu_zones": menu_zones(time_zone),
    }
