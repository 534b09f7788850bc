"""`make run` is production-like on one machine: the Procfile's gunicorn with whitenoise,
DEBUG off unless asked for, a secret key generated once under var/, the console's own
error pages, and the security headers on every answer (pages, errors, static files).
Plain http on 127.0.0.1, while real production settings pass `check --deploy`."""

import os
import re
import shlex
import socket
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
HEADERS = (
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
)


def _assert_security_headers(headers) -> None:
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def _run_env(var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment `make run` gives its processes: nothing set but the port."""
    drop = {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"}
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DJANGO_")}
    env.update(
        {
            "CONSOLE_VAR_DIR": str(var_dir),
            "STATIC_ROOT": str(var_dir / "static"),
            "PATH": f"{VENV_BIN}:{env.get('PATH', '')}",
        }
    )
    env.update(extra)
    return env


def _manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _procfile_web() -> str:
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return line.removeprefix("web:").strip()
    raise AssertionError("Procfile has no web process")


class Answer:
    def __init__(self, status: int, headers, body: str) -> None:
        self.status, self.headers, self.body = status, headers, body


def _get(port: int, path: str, host: str = "127.0.0.1") -> Answer:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Host": host})
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return Answer(response.status, response.headers, response.read().decode())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read().decode())


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture(scope="module")
def make_run_server(tmp_path_factory) -> Iterator[tuple[int, Path]]:
    """The Procfile's web process with `make run`'s settings (after its collectstatic)."""
    var_dir = tmp_path_factory.mktemp("make-run") / "var"
    env = _run_env(var_dir)
    collected = _manage(env, "collectstatic", "--no-input", "-v", "0")
    assert collected.returncode == 0, collected.stderr
    port = _free_port()
    env["CONSOLE_PORT"] = str(port)
    server = subprocess.Popen(
        ["bash", "-c", "exec " + _procfile_web()],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    message = "web process did not start: " + server.stderr.read()
                    raise AssertionError(message) from None
                time.sleep(0.2)
        yield port, var_dir
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_it_runs_gunicorn_from_the_procfile():
    command = shlex.split(_procfile_web())
    assert command[0] == "gunicorn"
    assert "console.wsgi" in command
    assert "127.0.0.1:${CONSOLE_PORT:-8000}" in _procfile_web()


def test_it_answers_unknown_urls_with_the_console_404(make_run_server):
    port, _ = make_run_server
    answer = _get(port, "/no/such/page/")
    assert answer.status == 404
    assert "There is nothing at this address" in answer.body
    assert "URLconf" not in answer.body and "Traceback" not in answer.body
    _assert_security_headers(answer.headers)


def test_it_answers_a_foreign_host_with_the_console_400(make_run_server):
    port, _ = make_run_server
    answer = _get(port, "/accounts/login/", host="evil.example.com")
    assert answer.status == 400
    assert "Bad request" in answer.body
    assert "DisallowedHost" not in answer.body and "ALLOWED_HOSTS" not in answer.body
    _assert_security_headers(answer.headers)


def test_it_serves_static_files_with_the_security_headers(make_run_server):
    port, _ = make_run_server
    login = _get(port, "/accounts/login/")
    assert login.status == 200  # plain http on 127.0.0.1: no redirect to https
    _assert_security_headers(login.headers)
    assert "Secure" not in (login.headers.get("Set-Cookie") or "")
    stylesheet = re.search(r'href="(/static/css/console\.[0-9a-f]+\.css)"', login.body)
    assert stylesheet, "static files are served under their hashed names"
    answer = _get(port, stylesheet.group(1))
    assert answer.status == 200
    assert "immutable" in answer.headers["Cache-Control"]
    _assert_security_headers(answer.headers)


def test_it_generates_the_secret_key_once_under_var(make_run_server):
    _, var_dir = make_run_server
    key_file = var_dir / "secret_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert len(key) >= 50
    env = _run_env(var_dir)
    shown = _manage(env, "shell", "-c", "from django.conf import settings as s; print(s.DEBUG)")
    assert shown.stdout.strip().splitlines()[-1] == "False", shown.stderr
    assert key_file.read_text().strip() == key  # kept across starts


def test_it_keeps_debug_available_for_development(tmp_path):
    env = _run_env(tmp_path / "var", DEBUG="true")
    shown = _manage(env, "shell", "-c", "from django.conf import settings as s; print(s.DEBUG)")
    assert shown.stdout.strip().splitlines()[-1] == "True", shown.stderr


def test_it_shows_the_console_400_page_with_its_headers_in_production(world, settings):
    """Production redirects to https: the Host check then happens while deciding the
    redirect, before any other middleware ran."""
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/", headers={"host": "evil.example.com"})
    assert response.status_code == 400
    assert b"Bad request" in response.content
    _assert_security_headers(response)


def test_it_shows_the_console_403_and_404_pages_with_their_headers(world, carol_client):
    from tests.support.factories import make_image

    image = make_image(world.acme, name="acme-one")
    forbidden = carol_client.post(reverse("images:retry", args=[image.pk]))
    assert forbidden.status_code == 403
    _assert_security_headers(forbidden)
    missing = carol_client.get("/no/such/page/")
    assert missing.status_code == 404
    assert b"There is nothing at this address" in missing.content
    _assert_security_headers(missing)
    anonymous = Client().get("/no/such/page/")
    assert anonymous.status_code == 404
    assert b"There is nothing at this address" in anonymous.content


@pytest.mark.urls("tests.support.failing_urls")
def test_it_shows_the_console_500_page_with_its_headers(world):
    client = Client(raise_request_exception=False)
    response = client.get("/fail/")
    assert response.status_code == 500
    assert b"Something went wrong" in response.content
    assert b"Traceback" not in response.content
    _assert_security_headers(response)
