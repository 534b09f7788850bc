"""Real ``celery worker`` processes for the fault tests, and the broker they share with the
test process.

A test points the test process's Celery app at a broker of its own (a private
``redis-server`` or a fresh folder) with :func:`use_broker`, then starts workers with
:class:`WorkerProcess` on the same broker, the test database and the test's media folder,
with short lease and reaper timings so that a fault is noticed within seconds.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Self

from django.conf import settings
from django.db import connection

from console.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

# Faults are noticed within seconds: the lease dies 3 s after the last heartbeat and the
# reaper looks every second.
FAST_TIMINGS = {
    "CONSOLE_IMPORT_HEARTBEAT_SECONDS": "1",
    "CONSOLE_IMPORT_LEASE_SECONDS": "3",
    "CONSOLE_REAPER_INTERVAL_SECONDS": "1",
    "CONSOLE_REQUEUE_AFTER_SECONDS": "2",
}


@contextlib.contextmanager
def use_broker(url: str, transport_options: dict | None = None) -> Iterator[None]:
    """Publish from the test process to ``url`` for the duration of the block."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options
    _drop_connections()
    conf.broker_url, conf.broker_transport_options = url, transport_options or {}
    try:
        yield
    finally:
        _drop_connections()
        conf.broker_url, conf.broker_transport_options = saved


def _drop_connections() -> None:
    # The app remembers the pools of the broker it first used; kombu keeps every pool in a
    # registry of its own (keyed by broker), so forgetting them here is enough: closing one
    # would break the next test that publishes to the same broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def folder_broker(folder: Path) -> tuple[str, dict]:
    """A fresh folder broker: its URL and transport options."""
    for sub in ("queue", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return "filesystem://localhost//", {
        "data_folder_in": str(folder / "queue"),
        "data_folder_out": str(folder / "queue"),
        "control_folder": str(folder / "control"),
        "store_processed": False,
    }


def database_url(port: int | None = None) -> str:
    """The test database as a PostgreSQL URL, optionally through another port (a proxy)."""
    params = connection.settings_dict
    user = params.get("USER") or "postgres"
    password = f":{params['PASSWORD']}" if params.get("PASSWORD") else ""
    host = params.get("HOST") or "127.0.0.1"
    return (
        f"postgres://{user}{password}@{host}:{port or params.get('PORT') or 5432}/{params['NAME']}"
    )


def worker_environment(
    folder: Path,
    *,
    broker: str,
    broker_folder: Path | None = None,
    database: str | None = None,
) -> dict[str, str]:
    """The environment of a worker process on ``broker`` (a redis:// URL, or the folder
    broker in ``broker_folder``) and the test database (``database`` overrides its URL)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL"} and not key.startswith("CONSOLE_")
    }
    env.update(FAST_TIMINGS)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.support.worker_settings",
            "CONSOLE_VAR_DIR": str(folder / "var"),
            "MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "CONSOLE_TASK_QUEUE": celery_app.conf.task_default_queue,
            "CONSOLE_IMPORT_ALLOW_HOSTS": "127.0.0.1",
            "LOG_LEVEL": "INFO",
        }
    )
    if broker.startswith("redis://"):
        env["REDIS_URL"] = broker
    else:
        assert broker_folder is not None
        env["CONSOLE_TEST_BROKER_DIR"] = str(broker_folder)
    if connection.vendor == "postgresql":
        env["DATABASE_URL"] = database or database_url()
    else:
        env["CONSOLE_TEST_SQLITE"] = str(connection.settings_dict["NAME"])
    return env


class WorkerProcess:
    """``celery -A console worker`` in a process of its own (``beat=True``: ``celery -A
    console beat``, the one scheduler, as in production)."""

    def __init__(
        self,
        env: dict[str, str],
        log: Path,
        *,
        pool: str = "solo",
        beat: bool = False,
        concurrency: int = 2,
        name: str | None = None,
        cwd: Path = ROOT,
    ) -> None:
        """``name``: the worker's node name (``-n``); ``cwd``: its working directory (outside
        the checkout, give ``PYTHONPATH`` in ``env``)."""
        self.env = env
        self.log = log
        self.pool = pool
        self.beat = beat
        self.concurrency = concurrency
        self.name = name
        self.cwd = cwd
        self.process: subprocess.Popen | None = None

    def _command(self) -> list[str]:
        celery = [sys.executable, "-m", "celery", "-A", "console"]
        if self.beat:
            schedule = str(self.log.with_suffix(".schedule"))
            return [*celery, "beat", "--loglevel", "INFO", "--schedule", schedule]
        return [
            *celery,
            "worker",
            "--pool",
            self.pool,
            "--concurrency",
            str(self.concurrency),
            *(["--hostname", self.name] if self.name else []),
            "--loglevel",
            "INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--queues",
            self.env["CONSOLE_TASK_QUEUE"],
        ]

    def start(self, timeout: float = 60) -> Self:
        command = self._command()
        ready = b"beat: Starting..." if self.beat else b" ready."
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the worker exited at start:\n{self.output()}")
            if ready in self.log.read_bytes():
                return self
            time.sleep(0.1)
        raise RuntimeError(f"the worker did not start in {timeout} s:\n{self.output()}")

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-5000:]

    def kill(self) -> None:
        """SIGKILL: the process dies mid-work without a word."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.kill()
