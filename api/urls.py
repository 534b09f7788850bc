"""/v1/ (the API, its OpenAPI document and docs page) and the API keys pages."""

from collections.abc import Callable
from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import include, path, re_path

from api import views
from api.errors import method_not_allowed, not_found, request_id
from api.main import api


def api_view(view: Callable) -> Callable:
    """An API endpoint as Django sees it: no sign-in page, no current-account page, no
    CSRF token (the API takes no session, only X-Auth-Token), and a 405 in the envelope."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            response = view(request, *args, **kwargs)
        except Http404:  # ninja's root path
            response = not_found(request)
        if response.status_code == 405 and "json" not in response.get("Content-Type", ""):
            response = method_not_allowed(request, response.get("Allow", ""))
        if hasattr(request, "api_request_id"):
            response["X-Request-Id"] = request_id(request)
        return response

    wrapped.csrf_exempt = True
    wrapped.login_required = False
    wrapped.account_not_required = True
    return wrapped


def _wrapped(patterns: list) -> list:
    for pattern in patterns:
        pattern.callback = api_view(pattern.callback)
    return patterns


api_patterns, app_name_, namespace = api.urls

key_patterns = [
    path("", views.apikey_list, name="list"),
    path("<str:pk>/revoke/", views.apikey_revoke_view, name="revoke"),
]

urlpatterns = [
    path("v1/", include((_wrapped(api_patterns), app_name_), namespace=namespace)),
    re_path(r"^v1(/|$)", api_view(not_found)),
    path("account/api-keys/", include((key_patterns, "api_keys"))),
]
