"""What every API operation shares: who is calling, and the scope a change runs in."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.http import HttpRequest

from api.errors import ApiError
from api.keys import Caller
from console import work_history

# The statuses of Django ValidationErrors raised by the services, by their code; a code not
# listed is a 409 (the request was well-formed, the current state does not allow it).
STATUS_BY_CODE = {
    "own_account": 400,
    "malformed_account_id": 400,
    "os_type_required": 400,
    "tag_key": 400,
    "tag_value": 400,
    "duplicate_tag": 409,
    "too_many_tags": 409,
    "gone": 404,
    "tag_gone": 404,
    "share_gone": 404,
    "no_pending_share": 404,
}


def caller(request: HttpRequest) -> Caller:
    return request.auth


@contextmanager
def acting(request: HttpRequest, field: str = "") -> Iterator[object]:
    """The scope of one change: yields the actor (the key's user), records the key in the
    work history written inside, and turns a service's refusal into an API error (a 400
    names ``field``)."""
    who = caller(request)
    try:
        with work_history.through_api_key(who.key.label):
            yield who.user
    except ValidationError as error:
        raise refusal(error, field) from None


def refusal(error: ValidationError, field: str = "") -> ApiError:
    code = getattr(error, "code", None) or ""
    status = STATUS_BY_CODE.get(code, 409)
    messages = error.messages
    if status == 400 and field:
        messages = [f'Field "{field}" is invalid. {message}' for message in messages]
    return ApiError(status, *messages)
