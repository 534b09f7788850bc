"""The documented answers of each operation: its success and the errors it can give."""

from api.schemas import ErrorsOut

BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, CONFLICT, TOO_MANY = 400, 401, 403, 404, 409, 429

# Every operation takes a key (401) that may be over its rate (429) and validates its input.
ALWAYS = {BAD_REQUEST, UNAUTHORIZED, TOO_MANY}
READ_ONE = ALWAYS | {NOT_FOUND}
CHANGE = READ_ONE | {FORBIDDEN, CONFLICT}


def answers(success: dict, errors: set[int]) -> dict:
    return {**success, **dict.fromkeys(sorted(errors), ErrorsOut)}
