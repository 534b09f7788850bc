"""Faults, with real worker processes: a worker killed mid-import, the broker killed while an
image is created, the database connection cut mid-import. Each ends with the image Active,
imported once, with nothing lost, nothing duplicated and no file left behind.

The workers are real ``celery worker`` processes on the test database, a broker of the
test's own (a private redis-server, or a fresh folder) and the test's media folder; leases
and the reaper run on timings of seconds (tests/support/worker_process.py).
"""

import hashlib
import time
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from console.models import WorkHistory
from images.models import Image
from tests.support.images import (
    MIB,
    create_form,
    create_queued,
    qcow2_bytes,
    stored_files,
    wait_for_status,
)
from tests.support.redis_server import RedisServer
from tests.support.tcp_proxy import TcpProxy
from tests.support.worker_process import (
    WorkerProcess,
    folder_broker,
    use_broker,
    worker_environment,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.faults]

# An import that takes a few seconds: long enough to be interrupted in the middle.
DATA_BYTES = 12 * MIB
RATE = 3 * MIB


@pytest.fixture(params=["redis", "folder"])
def broker(request, tmp_path: Path):
    """The broker of the test: a private redis-server, or the folder broker."""
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("private_redis")
        with use_broker(server.url):
            yield {"broker": server.url}
    else:
        url, options = folder_broker(tmp_path / "broker")
        with use_broker(url, options):
            yield {"broker": url, "broker_folder": tmp_path / "broker"}


@pytest.fixture
def workers(tmp_path: Path):
    """Starts worker processes; every one still running is stopped after the test."""
    started: list[WorkerProcess] = []

    def start(env: dict[str, str], *, pool: str = "solo", beat: bool = False) -> WorkerProcess:
        """A worker; with ``beat``, beat besides it (it runs the reaper every second)."""
        log = tmp_path / f"worker-{len(started) + 1}.log"
        worker = WorkerProcess(env, log, pool=pool)
        started.append(worker)
        if beat:
            scheduler = WorkerProcess(env, tmp_path / f"beat-{len(started)}.log", beat=True)
            started.append(scheduler)
            scheduler.start()
        return worker.start()

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def source(http_server, settings):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]
    data = qcow2_bytes(virtual_size=256 * MIB, data_bytes=DATA_BYTES, seed=5)
    url = http_server.serve_throttled("/disk.qcow2", data, rate=RATE)
    return url, data


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {timeout} s")


def _moving(image: Image) -> bool:
    image.refresh_from_db()
    return image.status == "Importing" and image.progress_done > 0


def assert_imported_once(image: Image, data: bytes) -> None:
    image = wait_for_status(image, ("Active", "Error"), timeout=90)
    assert image.status == "Active", image.failure_reason
    assert image.os_hash_value == hashlib.sha512(data).hexdigest()
    assert image.size == len(data)
    assert Image.objects.count() == 1
    # The image's own file and nothing else: no partial file, no second copy.
    assert stored_files() == [image.stored_file]
    rows = WorkHistory.objects.for_resource(image.pk)
    assert rows.filter(event_topic__startswith="Create").count() == 1
    assert rows.filter(details__code="image.import.succeeded").count() == 1


def test_it_finishes_an_import_whose_worker_was_killed(
    world, broker, workers, source, tmp_path: Path
):
    url, data = source
    env = worker_environment(tmp_path, **broker)
    first = workers(env)
    image = create_queued(world.acme, world.alice, url=url)
    _wait(lambda: _moving(image), 30, "the import starting")
    partial = f"{image.account_id}/{image.pk}-1.qcow2.partial"
    assert f"images/{partial}" in stored_files()

    first.kill()  # SIGKILL, mid-import
    workers(env, pool="threads", beat=True)  # the worker comes back, with beat

    assert_imported_once(image, data)
    image.refresh_from_db()
    assert (image.import_attempts, image.import_serial) == (2, 2)
    details = [
        row.work_details
        for row in WorkHistory.objects.for_resource(image.pk).order_by("work_time", "id")
    ]
    assert details[1:4] == [
        "Import started (attempt 1 of 3)",
        "The import stopped responding (attempt 1 of 3); queued again",
        "Import started (attempt 2 of 3)",
    ]


def test_it_imports_an_image_created_while_the_broker_was_down(
    world,
    alice_client,
    private_redis: RedisServer,
    workers,
    source,
    tmp_path: Path,
):
    url, data = source
    with use_broker(private_redis.url):
        workers(worker_environment(tmp_path, broker=private_redis.url), pool="threads", beat=True)
        private_redis.kill()

        response = alice_client.post(reverse("images:create"), create_form(url))
        assert response.status_code == 302
        image = Image.objects.get()
        assert image.status == "Queued" and image.awaiting_worker

        private_redis.start()  # the broker is back on the same address
        assert_imported_once(image, data)
    image.refresh_from_db()
    assert (image.awaiting_worker, image.import_attempts) == (False, 1)


def test_it_recovers_when_the_database_connection_is_cut_mid_import(
    world,
    private_redis: RedisServer,
    workers,
    source,
    tmp_path: Path,
):
    if connection.vendor != "postgresql":
        pytest.skip("cuts a TCP connection to PostgreSQL; the suite runs on SQLite")
    url, data = source
    params = connection.settings_dict
    target = (params.get("HOST") or "127.0.0.1", int(params.get("PORT") or 5432))
    with TcpProxy(target) as proxy, use_broker(private_redis.url):
        from tests.support.worker_process import database_url

        env = worker_environment(
            tmp_path, broker=private_redis.url, database=database_url(proxy.port)
        )
        workers(env, pool="threads", beat=True)
        image = create_queued(world.acme, world.alice, url=url)
        _wait(lambda: _moving(image), 30, "the import starting")

        # Every connection of the worker drops, and none gets through for longer than the
        # lease: the import cannot renew its lease or report progress.
        proxy.cut()
        time.sleep(5)
        proxy.restore()

        assert_imported_once(image, data)
