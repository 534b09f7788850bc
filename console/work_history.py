"""The one writer of work history. Services call it inside their transaction."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from console.models import Account, WorkHistory

SUCCESS = WorkHistory.Result.SUCCESS
FAILURE = WorkHistory.Result.FAILURE

# The API key the current request acts with ("" on the console's pages and in background
# work). A context variable, so that every service records it without passing it along.
_api_key: ContextVar[str] = ContextVar("work_history_api_key", default="")


@contextmanager
def through_api_key(label: str) -> Iterator[None]:
    """Rows written inside this block name the API key (its name and ID) the change was
    made with; the worker stays the key's user."""
    token = _api_key.set(label[:150])
    try:
        yield
    finally:
        _api_key.reset(token)


def record(
    *,
    account: Account,
    resource_type: str,
    resource_id: Any,
    resource_name: str,
    event_topic: str,
    details: str = "",
    result: str = SUCCESS,
    actor: Any = None,
) -> WorkHistory:
    """Append one work-history row.

    It must run inside the transaction of the change it describes, so that the row
    exists if and only if the change does (a refusal is recorded in its own
    transaction). ``actor`` is a user, or None for background work ("system").
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Work history must be written inside the change's transaction.")
    if actor is None:
        worker_id, worker_name, worker_email = WorkHistory.SYSTEM, WorkHistory.SYSTEM, ""
    else:
        worker_id = str(actor.pk)
        worker_name = actor.get_full_name() or actor.get_username()
        worker_email = actor.email or ""
    return WorkHistory.objects.create(
        work_time=timezone.now(),
        account=account,
        resource_type=resource_type,
        resource_id=str(resource_id),
        resource_name=resource_name[:255],
        event_topic=event_topic,
        work_details=details,
        result=result,
        worker_id=worker_id,
        worker_name=worker_name[:150],
        worker_email=worker_email,
        api_key=_api_key.get() if actor is not None else "",
        region=settings.CONSOLE_REGION,
    )
