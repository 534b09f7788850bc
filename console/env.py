"""Typed readers for the environment variables that configure the console.

Each reader returns the default when the variable is unset or empty and raises
``ImproperlyConfigured`` when it is set to something it cannot understand, so a
typo in production configuration stops the process at start instead of being
silently ignored.
"""

import os
import secrets
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
DATABASE_CONNECT_TIMEOUT = 10
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str, environ: Mapping[str, str] | None) -> str | None:
    value = (os.environ if environ is None else environ).get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str = "", environ: Mapping[str, str] | None = None) -> str:
    value = _raw(name, environ)
    return default if value is None else value


def env_bool(name: str, default: bool, environ: Mapping[str, str] | None = None) -> bool:
    value = _raw(name, environ)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (got {value!r}).")


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer (got {value!r}).") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum} (got {number}).")
    return number


def env_list(
    name: str, default: list[str] | None = None, environ: Mapping[str, str] | None = None
) -> list[str]:
    value = _raw(name, environ)
    if value is None:
        return list(default or [])
    items = [item.strip() for item in value.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} must be a comma-separated list without empty items.")
    return items


def env_database(name: str, environ: Mapping[str, str] | None = None) -> dict | None:
    """Parse a PostgreSQL URL (``postgres://user:pass@host:port/db``); None when unset."""
    value = _raw(name, environ)
    if value is None:
        return None
    if not value.startswith(("postgres://", "postgresql://")):
        raise ImproperlyConfigured(f"{name} must be a postgres:// URL (got {value!r}).")
    try:
        config = dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} must name a database (postgres://host/NAME).")
    # A database that accepts the connection but never answers must not hold a request or an
    # import forever: give up connecting after this many seconds (the URL may say otherwise,
    # ?connect_timeout=N).
    config.setdefault("OPTIONS", {}).setdefault("connect_timeout", DATABASE_CONNECT_TIMEOUT)
    return config


def env_redis_url(name: str, environ: Mapping[str, str] | None = None) -> str | None:
    value = _raw(name, environ)
    if value is None:
        return None
    if not value.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"{name} must be a redis:// or rediss:// URL (got {value!r}).")
    return value


def env_time_zone(name: str, default: str, environ: Mapping[str, str] | None = None) -> str:
    """An IANA time zone name (``Asia/Seoul``, ``UTC``)."""
    value = _raw(name, environ)
    if value is None:
        return default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as Asia/Seoul or UTC (got {value!r})."
        ) from None


# What an s3:// storage URL may say after its "?", and the storage option each one sets.
_S3_QUERY = {
    "endpoint_url": "endpoint_url",
    "region": "region_name",
    "addressing_style": "addressing_style",
}


def env_storage(name: str, folder: Path, environ: Mapping[str, str] | None = None) -> dict:
    """Where image files are kept: Django's ``STORAGES["default"]``.

    Unset, files go to the local ``folder``. ``s3://bucket/optional/prefix?endpoint_url=
    https://host&region=kr-west-1&addressing_style=path`` names a bucket of S3-compatible
    object storage; its credentials come from the usual AWS variables
    (``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``).
    """
    value = _raw(name, environ)
    if value is None:
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": folder},
        }
    parts = urlsplit(value)
    if parts.scheme != "s3" or not parts.hostname:
        raise ImproperlyConfigured(
            f"{name} must be an s3://bucket URL such as "
            f"s3://images?endpoint_url=https://storage.example.com (got {value!r})."
        )
    try:
        query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a query string that cannot be read.") from None
    unknown = sorted(set(query) - set(_S3_QUERY))
    if unknown:
        raise ImproperlyConfigured(
            f"{name} names unknown settings {', '.join(unknown)}; known: {', '.join(_S3_QUERY)}."
        )
    options: dict = {
        "bucket_name": parts.hostname,
        "location": parts.path.strip("/"),
        # Image files are private: never a public ACL, never a URL handed to a browser.
        "default_acl": None,
        "querystring_auth": True,
        # Every name the console writes is new (an attempt's serial, a random upload name).
        "file_overwrite": True,
    }
    for key, values in query.items():
        if len(values) != 1 or not values[0]:
            raise ImproperlyConfigured(f"{name} must give {key} exactly one value.")
        options[_S3_QUERY[key]] = values[0]
    endpoint = options.get("endpoint_url")
    if endpoint is not None and urlsplit(endpoint).scheme not in {"http", "https"}:
        raise ImproperlyConfigured(f"{name}: endpoint_url must be an http:// or https:// URL.")
    if options.get("addressing_style") not in {None, "auto", "path", "virtual"}:
        raise ImproperlyConfigured(f"{name}: addressing_style must be auto, path or virtual.")
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


def generated_secret(path: Path) -> str:
    """The secret kept in ``path``, made once (random, readable by this user only) when
    the file does not exist yet. Concurrent first starts agree on one secret: the file
    appears whole or not at all."""
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        file.write(secrets.token_urlsafe(50) + "\n")
    try:
        os.link(draft, path)  # fails if another process got there first
    except FileExistsError:
        pass
    finally:
        draft.unlink()
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    value = path.read_text().strip()
    if len(value) < 50:
        raise ImproperlyConfigured(f"{path} must hold a secret of at least 50 characters.")
    return value
