"""X-Auth-Token authentication: a key acts as its user in its account, with the role the
user has there. The API takes no session cookie, so it needs no CSRF token."""

from django.conf import settings
from django.http import HttpRequest
from ninja.security import APIKeyHeader

from api import ratelimit
from api.errors import MSG_RATE, ApiError
from api.keys import Caller, authenticate


class ApiKeyAuth(APIKeyHeader):
    param_name = "X-Auth-Token"

    def authenticate(self, request: HttpRequest, key: str | None) -> Caller | None:
        caller = authenticate(key)
        if caller is None:
            return None
        wait = ratelimit.spend(caller.key.id)
        if wait is not None:
            message = MSG_RATE.format(
                limit=settings.CONSOLE_API_RATE_LIMIT,
                window=settings.CONSOLE_API_RATE_WINDOW,
                wait=int(wait),
            )
            raise ApiError(429, message, headers={"Retry-After": str(int(wait))})
        # The console's access helpers read these, so the API applies the pages' rules.
        request.account = caller.account
        request.membership = caller.membership
        return caller
