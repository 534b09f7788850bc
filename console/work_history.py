"""The one writer of work history (services call it inside their transaction), and the
links from history rows to the pages of the resources they name."""

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from console.models import Account, WorkHistory
from console.phrases import Message

Topic = WorkHistory.Topic
ResourceType = WorkHistory.ResourceType
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
    resource_type: ResourceType,
    resource_id: Any,
    resource_name: str,
    topic: Topic,
    message: Message,
    result: str = SUCCESS,
    actor: Any = None,
) -> WorkHistory:
    """Append one work-history row.

    It must run inside the transaction of the change it describes, so that the row
    exists if and only if the change does (a refusal is recorded in its own
    transaction). ``message`` says what happened, as data (see console.phrases).
    ``actor`` is a user, or None for background work ("system").
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Work history must be written inside the change's transaction.")
    if topic not in Topic.values or resource_type not in ResourceType.values:
        raise ValueError(f"Unknown event topic or resource type: {topic}, {resource_type}")
    if actor is None:
        worker_id, worker_name, worker_email = WorkHistory.SYSTEM, WorkHistory.SYSTEM, ""
    else:
        worker_id = str(actor.pk)
        worker_name = actor.get_full_name() or actor.get_username()
        worker_email = actor.email or ""
    return WorkHistory.objects.create(
        work_time=timezone.now(),
        account=account,
        resource_type=ResourceType(resource_type),
        resource_id=str(resource_id),
        resource_name=resource_name[:255],
        event_topic=Topic(topic),
        details=message.as_data(),
        result=result,
        worker_id=worker_id,
        worker_name=worker_name[:150],
        worker_email=worker_email,
        api_key=_api_key.get() if actor is not None else "",
        region=settings.CONSOLE_REGION,
    )


# How to link a history row to its resource's page, per resource type. The apps that own
# the resources register here (the console cannot import them): given the account and
# the resource IDs of a page of rows, a resolver answers the URL of each resource that
# still exists and belongs to the account.
ResourceLinks = Callable[[Account, list[str]], dict[str, str]]
_resource_links: dict[str, ResourceLinks] = {}


def register_resource_links(resource_type: str, resolver: ResourceLinks) -> None:
    _resource_links[resource_type] = resolver


def links_to_detail_pages(model: type, url_name: str) -> ResourceLinks:
    """Links to ``url_name`` for the objects of ``model`` (UUID keys, an ``account``
    field) that still exist in the account."""

    def resolve(account: Account, ids: list[str]) -> dict[str, str]:
        valid = []
        for value in ids:
            try:
                valid.append(uuid.UUID(value))
            except ValueError:
                continue
        found = model.objects.filter(account=account, pk__in=valid).values_list("pk", flat=True)
        return {str(pk): reverse(url_name, args=[pk]) for pk in found}

    return resolve


def resource_urls(account: Account, rows: Iterable[WorkHistory]) -> dict[tuple[str, str], str]:
    """``{(resource type, resource ID): URL}`` for the rows whose resource has a page."""
    wanted: dict[str, set[str]] = {}
    for row in rows:
        if row.resource_type in _resource_links:
            wanted.setdefault(row.resource_type, set()).add(row.resource_id)
    urls = {}
    for resource_type, ids in wanted.items():
        for resource_id, url in _resource_links[resource_type](account, sorted(ids)).items():
            urls[resource_type, resource_id] = url
    return urls
