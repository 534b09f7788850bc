"""Every 4xx/5xx answer under /v1/ in the original service's error envelope:

    {"errors": [{"code", "title", "status", "detail": [...], "request_id"}]}

ninja's own errors (validation, authentication), Django's (404, 403), the API's refusals
and unexpected failures all end here.
"""

import logging
import uuid

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from images.rules import MSG_NAME

log = logging.getLogger(__name__)

TITLES = {
    400: ("ValidationError", "The request is invalid"),
    401: ("Unauthorized", "A valid API key is required"),
    403: ("Forbidden", "Not allowed"),
    404: ("NotFound", "Not found"),
    405: ("MethodNotAllowed", "Method not allowed"),
    409: ("Conflict", "Not possible in the current state"),
    413: ("RequestTooLarge", "The request body is too large"),
    429: ("TooManyRequests", "Too many requests"),
    500: ("InternalServerError", "The request could not be completed"),
}

MSG_UNAUTHORIZED = "Send a valid API key in the X-Auth-Token header."
MSG_NOT_FOUND = "The resource does not exist or is not visible to this API key."
MSG_METHOD = "{method} is not allowed here. Allowed: {allowed}."
MSG_RATE = "This API key sent more than {limit} requests in {window} seconds. Retry in {wait} s."
MSG_INTERNAL = "Something went wrong on the server; the request ID identifies it in the logs."


# Friendlier words than a regular expression for the fields that have a pattern.
PATTERN_HINTS = {
    "name": MSG_NAME,
    "image_name": MSG_NAME,
    "member_id": "Use 1 to 64 characters: English letters, digits and -.",
    "sort": "Use key[:asc|desc] items separated by commas.",
    "key": "Tag keys are 1 to 128 characters, without NUL, not starting or ending with a space.",
}


class ApiError(Exception):
    """A refusal with its status and the messages to show."""

    def __init__(self, status: int, *detail: str, headers: dict[str, str] | None = None):
        self.status = status
        self.detail = list(detail)
        self.headers = headers or {}
        super().__init__(status, *detail)


def request_id(request: HttpRequest) -> str:
    if not hasattr(request, "api_request_id"):
        request.api_request_id = f"req-{uuid.uuid4()}"
    return request.api_request_id


def error_response(
    request: HttpRequest, status: int, detail: list[str], headers: dict[str, str] | None = None
) -> HttpResponse:
    code, title = TITLES.get(status, TITLES[400] if status < 500 else TITLES[500])
    body = {
        "errors": [
            {
                "code": code,
                "title": title,
                "status": status,
                "detail": detail,
                "request_id": request_id(request),
            }
        ]
    }
    response = JsonResponse(body, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _field(loc: tuple) -> str:
    """The field an error is about: "tags.3.key", not ("body", "payload", "tags", 3, "key")."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts.pop(0)
    if parts and parts[0] == "payload":
        parts.pop(0)
    return ".".join(str(p) for p in parts) or "body"


def validation_messages(errors: list[dict]) -> list[str]:
    messages = []
    for error in errors:
        field = _field(tuple(error.get("loc", ())))
        kind = error.get("type", "")
        if kind == "missing":
            messages.append(f'Field "{field}" is required.')
        elif kind == "extra_forbidden":
            messages.append(f'Field "{field}" is not allowed.')
        else:
            hint = error.get("msg", "Invalid value.")
            if kind == "string_pattern_mismatch":
                hint = PATTERN_HINTS.get(field.rsplit(".", 1)[-1], "The value has the wrong form.")
            elif hint.startswith("Value error, "):
                hint = hint.removeprefix("Value error, ")
            hint = hint[0].upper() + hint[1:] if hint else hint
            if not hint.endswith("."):
                hint += "."
            messages.append(f'Field "{field}" is invalid. {hint}')
    return list(dict.fromkeys(messages)) or ["The request is invalid."]


def install(api: NinjaAPI) -> None:
    """Route every exception of ``api`` to the envelope."""

    @api.exception_handler(NinjaValidationError)
    def _validation(request, exc):
        return error_response(request, 400, validation_messages(exc.errors))

    @api.exception_handler(AuthenticationError)
    def _unauthorized(request, exc):
        return error_response(request, 401, [MSG_UNAUTHORIZED])

    @api.exception_handler(ApiError)
    def _refused(request, exc):
        return error_response(request, exc.status, exc.detail, exc.headers)

    @api.exception_handler(HttpError)
    def _http(request, exc):
        message = str(exc.message)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            message = "The request body is not valid JSON."
        return error_response(request, exc.status_code, [message])

    @api.exception_handler(Http404)
    def _not_found(request, exc):
        return error_response(request, 404, [MSG_NOT_FOUND])

    @api.exception_handler(PermissionDenied)
    def _forbidden(request, exc):
        return error_response(request, 403, [str(exc) or "This API key may not do this."])

    @api.exception_handler(RequestDataTooBig)
    def _too_large(request, exc):
        return error_response(request, 413, ["The request body is too large."])

    @api.exception_handler(SuspiciousOperation)
    def _suspicious(request, exc):
        return error_response(request, 400, ["The request was refused as malformed."])

    @api.exception_handler(Exception)
    def _unexpected(request, exc):
        log.exception("API request %s failed", request_id(request), exc_info=exc)
        return error_response(request, 500, [MSG_INTERNAL])


def not_found(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """Any path under /v1/ that names no operation."""
    return error_response(request, 404, ["There is no API operation at this path."])


def method_not_allowed(request: HttpRequest, allowed: str) -> HttpResponse:
    allowed = ", ".join(sorted(m.strip() for m in allowed.split(",") if m.strip()))
    detail = MSG_METHOD.format(method=request.method, allowed=allowed)
    return error_response(request, 405, [detail], {"Allow": allowed})
