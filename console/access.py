"""The access rules every console view applies.

Objects outside the current account answer 404 (never 403) so that IDs cannot be
probed; viewers may read but any change answers 403.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from console.models import Account


def current_account(request: HttpRequest) -> Account:
    account = getattr(request, "account", None)
    if account is None:
        # CurrentAccountMiddleware answers before any account view runs; reaching this
        # means a view was marked account_not_required by mistake.
        raise PermissionDenied("No current account.")
    return account


def require_change(request: HttpRequest) -> None:
    """403 unless the user is a member (not a viewer) of the current account."""
    membership = getattr(request, "membership", None)
    if membership is None or not membership.can_change:
        raise PermissionDenied("Viewers cannot change anything in this account.")


def get_for_account[M: Model](queryset: QuerySet[M], request: HttpRequest, **lookup) -> M:
    """The object of the current account matching ``lookup``, else 404."""
    return get_object_or_404(queryset.filter(account=current_account(request)), **lookup)
