"""Thin Celery tasks: each takes ids and calls one service."""

from celery import shared_task
from django.conf import settings

from images import importing, orphan_files


@shared_task(
    name="images.tasks.image_import",
    # Redelivered if the worker process dies mid-import (Redis); the claim makes a
    # redelivery (or any duplicate) harmless while the import's lease is alive, and the
    # attempt counter stops a file that kills the worker from being retried for ever.
    acks_late=True,
    reject_on_worker_lost=True,
    time_limit=settings.CONSOLE_IMPORT_TIME_LIMIT,
    soft_time_limit=settings.CONSOLE_IMPORT_TIME_LIMIT - 30,
)
def image_import(image_id: str) -> None:
    importing.image_import(image_id=image_id)


@shared_task(name="images.tasks.image_recover_stalled")
def image_recover_stalled() -> dict[str, int]:
    return importing.image_recover_stalled()


@shared_task(name="images.tasks.image_files_sweep")
def image_files_sweep() -> int:
    return len(orphan_files.image_files_sweep())
