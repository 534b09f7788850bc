"""Concurrent accept and stop (or delete, or switch to Private) never leave an Accepted
share of a stopped, deleted or Private image.

Real transactions on two connections: one side holds its row lock (its transaction
left open on purpose) while the other runs and must wait for it.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connections, transaction

from images import services as image_services
from images.models import Image
from sharing import services
from sharing.models import Share
from tests.support.personas import BETA_ID
from tests.support.sharing import make_share, shareable_image

WAIT = 10


@pytest.fixture(autouse=True)
def _real_transactions(transactional_db) -> None:
    """PostgreSQL locks the rows; SQLite (IMMEDIATE transactions) the whole database:
    either way the second transaction waits for the first."""


class Worker(threading.Thread):
    """Runs ``work`` on its own database connection and keeps its outcome."""

    def __init__(self, work: Callable[[], object]) -> None:
        super().__init__(daemon=True)
        self.work = work
        self.value: object = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.value = self.work()
        except BaseException as error:  # reported by the test
            self.error = error
        finally:
            connections.close_all()


def holding(work: Callable[[], object], locked: threading.Event, release: threading.Event):
    """``work`` inside a transaction kept open until ``release``: its locks stay held."""

    def run() -> object:
        with transaction.atomic():
            value = work()
            locked.set()
            release.wait(WAIT)
        return value

    return run


def race(first: Callable[[], object], second: Callable[[], object]) -> tuple[Worker, Worker]:
    """``first`` takes its locks and holds them; ``second`` starts and must block."""
    locked, release = threading.Event(), threading.Event()
    holder = Worker(holding(first, locked, release))
    holder.start()
    assert locked.wait(WAIT), holder.error
    waiter = Worker(second)
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive(), f"the second transaction did not wait: {waiter.error!r}"
    release.set()
    holder.join(WAIT)
    waiter.join(WAIT)
    assert holder.error is None, holder.error
    return holder, waiter


def accept(world, image: Image) -> Callable[[], Share]:
    return lambda: services.share_accept(image_id=image.pk, account=world.beta, actor=world.bob)


def test_an_accept_waiting_behind_a_stop_finds_no_share(world):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)

    _, waiter = race(
        lambda: services.share_stop(share=share, actor=world.alice), accept(world, image)
    )

    assert isinstance(waiter.error, ValidationError)
    assert waiter.error.code == "no_pending_share"
    assert not Share.objects.exists()


def test_a_stop_waiting_behind_an_accept_deletes_the_accepted_share(world):
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)

    holder, waiter = race(
        accept(world, image), lambda: services.share_stop(share=share, actor=world.alice)
    )

    assert holder.value.status == Share.Status.ACCEPTED
    assert waiter.error is None
    assert not Share.objects.exists()
    assert not Image.objects.visible_to(world.beta).filter(pk=image.pk).exists()


def test_an_accept_rechecks_the_image_once_it_holds_the_share(world):
    """The image turns Private while the accept waits for the share row: it refuses."""
    image = shareable_image(world.acme, world.alice)
    share = make_share(image, BETA_ID)

    def lock_share_then_make_private() -> None:
        Share.objects.select_for_update().get(pk=share.pk)
        Image.objects.filter(pk=image.pk).update(visibility=Image.Visibility.PRIVATE)

    _, waiter = race(lock_share_then_make_private, accept(world, image))

    assert isinstance(waiter.error, ValidationError)
    share.refresh_from_db()
    assert share.status == Share.Status.PENDING
    assert not Image.objects.visible_to(world.beta).filter(pk=image.pk).exists()


def test_switching_to_private_waits_for_an_accept_and_then_stops_it(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    def make_private():
        return image_services.image_update(
            image=image, field="visibility", value="Private", actor=world.alice, stop_shares=1
        )

    holder, waiter = race(accept(world, image), make_private)

    assert holder.value.status == Share.Status.ACCEPTED
    assert waiter.error is None, waiter.error
    assert waiter.value.stopped_shares == 1
    assert not Share.objects.exists()
    assert not Image.objects.visible_to(world.beta).filter(pk=image.pk).exists()


def test_an_accept_waiting_behind_a_switch_to_private_finds_no_share(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    def make_private():
        return image_services.image_update(
            image=image, field="visibility", value="Private", actor=world.alice, stop_shares=1
        )

    _, waiter = race(make_private, accept(world, image))

    assert isinstance(waiter.error, ValidationError)
    assert not Share.objects.exists()


def test_deleting_the_image_waits_for_an_accept_and_removes_the_share(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    def delete():
        return image_services.image_delete(image_id=image.pk, account=world.acme, actor=world.alice)

    holder, waiter = race(accept(world, image), delete)

    assert holder.value.status == Share.Status.ACCEPTED
    assert waiter.value[0] == image_services.DeleteOutcome.DELETED
    assert not Image.objects.filter(pk=image.pk).exists()
    assert not Share.objects.exists()


def test_an_accept_waiting_behind_a_delete_finds_no_share(world):
    image = shareable_image(world.acme, world.alice)
    make_share(image, BETA_ID)

    def delete():
        return image_services.image_delete(image_id=image.pk, account=world.acme, actor=world.alice)

    _, waiter = race(delete, accept(world, image))

    assert isinstance(waiter.error, ValidationError)
    assert not Share.objects.exists()
