from django.conf import settings
from django.http import HttpRequest


def console(request: HttpRequest) -> dict:
    membership = getattr(request, "membership", None)
    return {
        "current_account": getattr(request, "account", None),
        "current_membership": membership,
        "memberships": getattr(request, "memberships", []),
        "can_change": bool(membership and membership.can_change),
        "console_region": settings.CONSOLE_REGION,
    }
