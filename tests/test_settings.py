import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from console.env import env_bool, env_database, env_int, env_list, env_redis_url, env_str

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "tru"])
def test_it_rejects_a_malformed_boolean(value):
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false"):
        env_bool("DEBUG", True, environ={"DEBUG": value})


@pytest.mark.parametrize(("value", "expected"), [("true", True), ("0", False), ("", True)])
def test_it_reads_booleans(value, expected):
    assert env_bool("DEBUG", True, environ={"DEBUG": value}) is expected


@pytest.mark.parametrize("value", ["ten", "1.5", "64GiB"])
def test_it_rejects_a_malformed_integer(value):
    with pytest.raises(ImproperlyConfigured, match="must be an integer"):
        env_int("CONSOLE_MAX_IMAGE_BYTES", 1, environ={"CONSOLE_MAX_IMAGE_BYTES": value})


def test_it_rejects_an_integer_below_its_minimum():
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X", 5, minimum=1, environ={"X": "0"})


def test_it_rejects_a_list_with_empty_items():
    with pytest.raises(ImproperlyConfigured, match="comma-separated"):
        env_list("ALLOWED_HOSTS", environ={"ALLOWED_HOSTS": "a.example.com,,b.example.com"})
    assert env_list("ALLOWED_HOSTS", environ={"ALLOWED_HOSTS": "a, b"}) == ["a", "b"]


@pytest.mark.parametrize("value", ["mysql://root@localhost/db", "postgres://", "not a url"])
def test_it_rejects_a_malformed_database_url(value):
    with pytest.raises(ImproperlyConfigured):
        env_database("DATABASE_URL", environ={"DATABASE_URL": value})


def test_it_parses_a_postgres_url():
    config = env_database(
        "DATABASE_URL", environ={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/console"}
    )
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "console"
    assert env_database("DATABASE_URL", environ={}) is None
    assert config["OPTIONS"]["connect_timeout"] == 10
    chosen = env_database(
        "DATABASE_URL",
        environ={"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/console?connect_timeout=3"},
    )
    assert int(chosen["OPTIONS"]["connect_timeout"]) == 3


def test_a_database_that_never_answers_is_given_up_on_within_the_connect_timeout():
    """A listener on loopback that accepts connections and says nothing: connecting fails
    after the timeout instead of hanging."""
    import socket
    import time

    import psycopg
    from django.db.backends.postgresql.base import DatabaseWrapper

    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        url = f"postgres://postgres@127.0.0.1:{port}/console?connect_timeout=2"
        config = env_database("DATABASE_URL", environ={"DATABASE_URL": url})
        config.update(TIME_ZONE=None, AUTOCOMMIT=True, ATOMIC_REQUESTS=False, CONN_MAX_AGE=0)
        config.setdefault("TEST", {})
        # The parameters Django hands to psycopg for this configuration.
        params = DatabaseWrapper(config).get_connection_params()
        started = time.monotonic()
        with pytest.raises(psycopg.OperationalError, match="timeout"):
            psycopg.connect(**params)
        assert time.monotonic() - started < 15


def test_it_rejects_a_malformed_redis_url():
    with pytest.raises(ImproperlyConfigured, match="redis://"):
        env_redis_url("REDIS_URL", environ={"REDIS_URL": "http://127.0.0.1:6379"})
    assert env_str("X", "d", environ={"X": "  "}) == "d"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environ = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_passes_the_deployment_checks_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="console.example.com",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_refuses_to_start_in_production_without_a_secret_key():
    result = _manage("check", DEBUG="false", ALLOWED_HOSTS="console.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_it_refuses_to_start_with_a_malformed_setting():
    result = _manage("check", CONSOLE_MAX_IMAGE_BYTES="lots")
    assert result.returncode != 0
    assert "CONSOLE_MAX_IMAGE_BYTES must be an integer" in result.stderr


def test_it_refuses_to_seed_demo_data_in_production():
    result = _manage(
        "seed_demo",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="console.example.com",
    )
    assert result.returncode != 0
    assert "DEBUG must be on" in result.stderr


def test_it_refuses_known_passwords_on_a_console_served_beyond_this_machine():
    result = _manage(
        "seed_demo",
        "--known-passwords",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="console.example.com",
    )
    assert result.returncode != 0
    assert "served on this machine alone" in result.stderr
