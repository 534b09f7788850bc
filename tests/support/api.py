"""API keys and a JSON client for the API tests."""

import json
from dataclasses import dataclass

from django.test import Client

from api.keys import apikey_create
from api.tags import encode_srn


@dataclass
class Api:
    """Sends JSON to /v1/ with an API key, like a script would (no session, no CSRF token)."""

    token: str | None
    client: Client

    def _headers(self) -> dict:
        return {"X-Auth-Token": self.token} if self.token else {}

    def get(self, path: str, **params):
        return self.client.get(path, params, headers=self._headers())

    def send(self, method: str, path: str, body=None, *, raw: str | None = None):
        data = raw if raw is not None else ("" if body is None else json.dumps(body))
        return self.client.generic(
            method, path, data, content_type="application/json", headers=self._headers()
        )

    def post(self, path: str, body=None, **kw):
        return self.send("POST", path, body, **kw)

    def put(self, path: str, body=None, **kw):
        return self.send("PUT", path, body, **kw)

    def delete(self, path: str):
        return self.send("DELETE", path)


def token_for(user, account, name: str = "script") -> str:
    return apikey_create(user=user, account=account, name=name).token


def api_for(user, account, name: str = "script") -> Api:
    # CSRF checks on: the API must not need a token.
    return Api(token_for(user, account, name), Client(enforce_csrf_checks=True))


def anonymous_api() -> Api:
    return Api(None, Client(enforce_csrf_checks=True))


def srn_path(image) -> str:
    return encode_srn(image.srn)


def error_of(response) -> dict:
    """The one error of an envelope answer, checked for the envelope's shape."""
    body = response.json()
    assert list(body) == ["errors"] and len(body["errors"]) == 1, body
    error = body["errors"][0]
    assert set(error) == {"code", "title", "status", "detail", "request_id"}, error
    assert error["status"] == response.status_code
    assert error["request_id"].startswith("req-")
    return error
