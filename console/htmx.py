"""How console views answer browsers and htmx: one view serves a page and its fragments.

Every view of every app answers through these few functions, so a page, its htmx
fragment and the answer after a change behave the same everywhere:

- ``render_page``: the whole page, or only one ``{% partialdef %}`` of it for htmx, with
  ``Vary: HX-Request`` so caches keep the two apart;
- ``redirect_after_change``: after a POST, a full navigation (``HX-Redirect``) for htmx
  and a 302 otherwise;
- ``trigger``: an event the page's script listens to (``HX-Trigger``);
- ``poll_round`` / ``poll_delay``: the back-off of elements that refresh themselves
  while something (an import) is still moving.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.utils.cache import patch_vary_headers
from django_htmx.http import HttpResponseClientRedirect, trigger_client_event
from django_htmx.middleware import HtmxDetails

from console.models import Account, Membership


class ConsoleRequest(HttpRequest):
    """A request as console views see it, after django-htmx's and the console's
    middleware (for type checkers and readers; nothing is constructed from it)."""

    htmx: HtmxDetails
    # The current account and the user's membership in it (None for users without one).
    account: Account | None
    membership: Membership | None
    memberships: list[Membership]


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any],
    *,
    fragment: str = "",
    status: int = 200,
) -> HttpResponse:
    """``template``, or only its ``fragment`` partial when htmx asks.

    Fragments render with ``oob`` set, so a partial can add out-of-band swaps of other
    parts of the page that the change made stale.
    """
    if fragment and request.htmx:
        template = f"{template}#{fragment}"
        context = {**context, "oob": True}
    response = render(request, template, context, status=status)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


def redirect_after_change(request: HttpRequest, to: Any, *args: Any, **kwargs: Any) -> HttpResponse:
    """The answer to a successful change: a full navigation to ``to`` (a URL, a URL name
    with its arguments, or a model), for htmx as for a plain form."""
    url = resolve_url(to, *args, **kwargs)
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


def trigger(response: HttpResponse, event: str) -> HttpResponse:
    """Ask the page's script to run ``event`` once the response is swapped in."""
    return trigger_client_event(response, event)


# Seconds before an element still settling asks again: 1, 2, 3, 5, 8, then every 10.
POLL_DELAYS = (1, 2, 3, 5, 8)
POLL_DELAY_MAX = 10


def poll_delay(round_: int) -> int:
    return POLL_DELAYS[round_] if 0 <= round_ < len(POLL_DELAYS) else POLL_DELAY_MAX


def poll_round(request: HttpRequest, current: str) -> int:
    """The round a polling element is in (``?round=``), back to 0 when what it watches
    moved since its last look (``?since=`` differs from ``current``): look again soon."""
    if request.GET.get("since") != current:
        return 0
    try:
        return max(0, int(request.GET.get("round") or 0))
    except ValueError:
        return 0
