"""Create Image while the broker is down: the image is created and Queued with a note (no
error page, so nobody submits it twice), and the reaper hands its import to a worker once
the broker is back. The broker is a private redis-server the test kills and starts again."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.urls import reverse

from console.celery import app as celery_app
from console.models import WorkHistory
from images import importing
from images.models import NOTE_AWAITING_WORKER, Image
from images.pipeline.errors import http_status
from tests.support.factories import make_image
from tests.support.images import MIB, create_form, qcow2_bytes, stored_files, wait_for_status
from tests.support.redis_server import RedisServer
from tests.support.worker_process import use_broker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def broker(private_redis: RedisServer):
    with use_broker(private_redis.url):
        yield private_redis


def test_it_creates_the_image_and_imports_it_once_the_broker_is_back(
    world, alice_client, broker, http_server, settings
):
    settings.CONSOLE_IMPORT_ALLOW_HOSTS = ["127.0.0.1"]
    data = qcow2_bytes(data_bytes=MIB)
    url = http_server.serve_bytes("/disk.qcow2", data)
    broker.kill()

    response = alice_client.post(reverse("images:create"), create_form(url), follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(reverse("images:list"), 302)]
    image = Image.objects.get()
    assert (image.status, image.status_note) == ("Queued", NOTE_AWAITING_WORKER)
    assert str(NOTE_AWAITING_WORKER) in response.content.decode()
    detail = alice_client.get(reverse("images:detail", args=[image.pk]))
    assert str(NOTE_AWAITING_WORKER) in detail.content.decode()

    # Still down: the reaper cannot send it either, and says so the same way.
    assert importing.image_recover_stalled()["requeued"] == 0
    image.refresh_from_db()
    assert image.status_note == NOTE_AWAITING_WORKER

    broker.start()
    with start_worker(celery_app, pool="threads", perform_ping_check=False, loglevel="WARNING"):
        assert importing.image_recover_stalled()["requeued"] == 1
        image = wait_for_status(image, ("Active", "Error"))

    assert (image.status, image.awaiting_worker, image.import_attempts) == ("Active", False, 1)
    assert Image.objects.count() == 1
    assert stored_files() == [image.stored_file]
    assert [r.path for r in http_server.requests] == ["/disk.qcow2"]
    assert WorkHistory.objects.filter(event_topic="CreateImage").count() == 1


def test_it_queues_a_retry_while_the_broker_is_down(world, alice_client, broker):
    image = make_image(
        world.acme,
        status="Error",
        failure=http_status(404).message.as_data(),
        import_attempts=1,
    )
    broker.kill()

    response = alice_client.post(reverse("images:retry", args=[image.pk]))

    assert response.status_code == 302
    image.refresh_from_db()
    assert (image.status, image.status_note) == ("Queued", NOTE_AWAITING_WORKER)
