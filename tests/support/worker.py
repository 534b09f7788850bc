"""A real Celery worker thread consuming the configured broker (Redis in CI, the
filesystem transport on the embedded default)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from console.celery import app as celery_app


@pytest.fixture(scope="session", autouse=True)
def _isolated_broker(tmp_path_factory) -> Iterator[str]:
    """A queue of the test session's own, so no other worker (a running console)
    can take the suite's tasks and the suite takes none of theirs."""
    queue = f"console-test-{uuid.uuid4().hex[:8]}"
    celery_app.conf.task_default_queue = queue
    if not settings.REDIS_URL:
        folder = Path(tmp_path_factory.mktemp("broker"))
        (folder / "queue").mkdir()
        (folder / "control").mkdir()
        celery_app.conf.broker_transport_options = {
            **settings.CELERY_BROKER_TRANSPORT_OPTIONS,
            "data_folder_in": str(folder / "queue"),
            "data_folder_out": str(folder / "queue"),
            "control_folder": str(folder / "control"),
        }
    yield queue
    # Tasks enqueued by tests that ran no worker would otherwise stay in Redis.
    with celery_app.connection_for_write() as connection:
        connection.default_channel.queue_purge(queue)


@pytest.fixture
def celery_worker(_isolated_broker, transactional_db) -> Iterator:
    """A worker running in a thread of the test process, against the real broker.

    Tests using it see committed data only (transactional_db), as a real worker would.
    """
    with start_worker(
        celery_app,
        pool="threads",
        concurrency=2,
        perform_ping_check=False,
        shutdown_timeout=30,
        loglevel="WARNING",
    ) as worker:
        yield worker
