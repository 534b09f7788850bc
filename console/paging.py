"""Paging and sorting of the console's list pages, one way for all of them."""

import base64
import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig
from django_tables2.rows import BoundRows

PAGE_SIZES: tuple[int, ...] = (10, 25, 50, 100)
DEFAULT_PAGE_SIZE = 25


class ForgivingPaginator(Paginator):
    """A page number out of range shows the nearest page instead of an error."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except PageNotAnInteger:
            return 1
        except EmptyPage:
            return 1 if int(number) < 1 else max(self.num_pages, 1)


class EstimatedCountPaginator(Paginator):
    """For admin changelists of tables with millions of rows: the exact count while it
    stays under COUNT_CAP, beyond that the planner's estimate (PostgreSQL), so a page
    does not count every row of the table first."""

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        exact = count_capped([queryset])
        if exact <= COUNT_CAP:
            return exact
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return queryset.count()
        sql, params = queryset.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
            plan = cursor.fetchone()[0]
        if isinstance(plan, str):
            plan = json.loads(plan)
        return max(exact, int(plan[0]["Plan"]["Plan Rows"]))


def page_size(
    request: HttpRequest, sizes: Sequence[int] = PAGE_SIZES, default: int = DEFAULT_PAGE_SIZE
) -> int:
    """The ``per_page`` asked for, if it is one of the offered sizes."""
    try:
        size = int(request.GET.get("per_page") or default)
    except ValueError:
        return default
    return size if size in sizes else default


class HtmxTable(tables.Table):
    """A table whose sorting swaps only itself (``htmx_target``) and that says why it is
    empty: nothing yet, or nothing matching the filters."""

    htmx_target = ""
    # What a screen reader calls the table's scrolling region on narrow screens.
    label = _("Table")
    # A table whose ``rows_html`` writes its rows itself (see images.tables.ImageTable).
    fast_rows = False
    empty_title = _("Nothing here yet")
    empty_filtered_title = _("Nothing matches")
    empty_hint = ""
    # (URL, label) of the first thing to do on an empty list, for those who may.
    empty_action: tuple[str, str] | None = None

    class Meta:
        template_name = "_htmx_table.html"
        attrs = {"class": "table"}

    def __init__(self, *args, filtered: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.filtered = filtered


# --- Keyset pages ------------------------------------------------------------------------
#
# OFFSET pages cost what their offset costs: page 40,000 of a history reads 1,000,000 rows.
# A keyset page starts after (or before) the sort values of a boundary row instead, so
# every page costs an index walk of ``per_page`` rows. The sort must end in the primary
# key (a unique tiebreaker), run in one direction and never meet NULL, so that an index on
# the same columns finds the boundary and walks on from it.

COUNT_CAP = 10_000


class BadCursor(ValueError):
    """A cursor that does not decode to the sort values of this listing."""


@dataclass(frozen=True)
class SortKey:
    name: str
    descending: bool

    @property
    def expression(self) -> str:
        return ("-" if self.descending else "") + self.name


def sort_keys(queryset: QuerySet, ordering: Sequence[str] | None = None) -> list[SortKey]:
    """The sort of ``queryset`` as keys ending in the primary key, all one direction."""
    keys = _sort_keys(queryset, ordering)
    if keys is None:
        raise ValueError(f"Not a keyset sort (one direction, no NULL): {queryset.query.order_by}")
    return keys


def _sort_keys(queryset: QuerySet, ordering: Sequence[str] | None = None) -> list[SortKey] | None:
    names = list(ordering or queryset.query.order_by or queryset.model._meta.ordering)
    if not all(isinstance(name, str) for name in names):
        return None  # an expression: page by number
    keys = [SortKey(name.lstrip("-"), name.startswith("-")) for name in names]
    if not keys:
        keys = [SortKey("pk", False)]
    pk = queryset.model._meta.pk.name
    if keys[-1].name not in ("pk", pk):
        keys.append(SortKey(pk, keys[0].descending))
    if len({key.descending for key in keys}) != 1:
        return None
    if any(_nullable(queryset.model, key.name) for key in keys):
        return None
    return keys


def _nullable(model, name: str) -> bool:
    """Whether the sort key ``name`` can be NULL (through a nullable relation too); an
    annotation is taken to be a non-NULL sort key (see images.models.size_sort_key)."""
    for part in name.split("__"):
        if part == "pk":
            return False
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return False
        if getattr(field, "null", False):
            return True
        model = field.related_model
    return False


def count_capped(querysets: Iterable[QuerySet], cap: int | None = None) -> int:
    """Rows in ``querysets``, counted up to ``cap + 1`` (COUNT_CAP): exact while cheap."""
    cap = COUNT_CAP if cap is None else cap
    total = 0
    for queryset in querysets:
        total += queryset.order_by()[: cap + 1 - total].count()
        if total > cap:
            break
    return total


def _field(model, name: str):
    """The model field a sort key names, or None for an annotation."""
    field = None
    for part in name.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part) if part != "pk" else model._meta.pk
        except FieldDoesNotExist:
            return None
        model = field.related_model
    return field


def _value(record, name: str):
    value = record
    for part in name.split("__"):
        value = getattr(value, part) if value is not None else None
    return value


def encode_cursor(record, keys: Sequence[SortKey], index: int | None) -> str:
    values = []
    for key in keys:
        value = _value(record, key.name)
        if isinstance(value, datetime.datetime | datetime.date):
            value = value.isoformat()
        elif not isinstance(value, bool | int | float | str | type(None)):
            value = str(value)
        values.append(value)
    raw = json.dumps([index, *values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, model, keys: Sequence[SortKey]) -> tuple[int | None, list]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        index, *values = json.loads(raw)
    except (ValueError, TypeError) as error:
        raise BadCursor(cursor) from error
    if len(values) != len(keys) or not (index is None or type(index) is int):
        raise BadCursor(cursor)
    decoded = []
    for key, value in zip(keys, values, strict=True):
        if value is None:
            raise BadCursor(cursor)  # sort keys are never NULL (see SortKey)
        field = _field(model, key.name)
        if field is not None:
            try:
                value = field.to_python(value)
            except (ValidationError, TypeError, ValueError) as error:
                raise BadCursor(cursor) from error
        decoded.append(value)
    return index, decoded


def _beyond(keys: Sequence[SortKey], values: Sequence, forward: bool) -> Q:
    """Rows after the boundary ``values`` in the walking direction: (k1, k2, ...) > (v1,
    v2, ...), spelled so that the leading ``k1 >= v1`` bounds the index range."""
    ascending = keys[0].descending != forward
    strict, loose = ("gt", "gte") if ascending else ("lt", "lte")
    condition = Q(**{f"{keys[-1].name}__{strict}": values[-1]})
    for key, value in zip(reversed(keys[:-1]), reversed(values[:-1]), strict=True):
        condition = Q(**{f"{key.name}__{strict}": value}) | (Q(**{key.name: value}) & condition)
    if len(keys) > 1:
        condition &= Q(**{f"{keys[0].name}__{loose}": values[0]})
    return condition


@dataclass
class KeysetPage:
    """One page of a keyset listing; ``start_index`` is None where it is not known
    (a page reached from the last one while the total is only an estimate)."""

    object_list: Any
    per_page: int
    count: int
    has_next: bool
    has_previous: bool
    next_cursor: str = ""
    previous_cursor: str = ""
    start_index: int | None = None
    is_keyset: bool = True

    @property
    def count_exact(self) -> bool:
        return self.count <= COUNT_CAP

    @property
    def count_display(self) -> str:
        return f"{self.count:,}" if self.count_exact else f"{COUNT_CAP:,}+"

    @property
    def end_index(self) -> int | None:
        if self.start_index is None:
            return None
        return self.start_index + len(self.object_list) - 1

    def __len__(self) -> int:
        return len(self.object_list)


def _fetch(parts, merge, keys, values, forward: bool, limit: int) -> list:
    order = [("-" if key.descending == forward else "") + key.name for key in keys]
    first, *others = (
        part if values is None else part.filter(_beyond(keys, values, forward)) for part in parts
    )
    rows = list(first.order_by(*order)[:limit])
    # The other parts only say which of their rows come next (keys, no joins); the
    # database then reads the page back from all parts by primary key and orders it, in
    # its collation, exactly as the keyset filter compares.
    ids = [row.pk for row in rows]
    found_other = False
    for part in others:
        other_ids = list(part.order_by(*order).values_list("pk", flat=True)[:limit])
        found_other = found_other or bool(other_ids)
        ids += other_ids
    if not found_other:
        return rows
    return list(merge.filter(pk__in=ids).order_by(*order)[:limit])


def keyset_page(
    request: HttpRequest,
    parts: Sequence[QuerySet],
    per_page: int,
    *,
    ordering: Sequence[str] | None = None,
    merge: QuerySet | None = None,
) -> KeysetPage:
    """The page that ``?after=`` / ``?before=`` / ``?page=last`` ask for, of the rows of
    ``parts`` (disjoint querysets of one model, each able to walk its own index) sorted
    by ``ordering`` (default: the first part's). ``merge`` reads rows of several parts
    back by primary key, in order; it must select what the parts select."""
    keys = sort_keys(parts[0], ordering)
    model = parts[0].model
    merge = merge if merge is not None else model._default_manager.all()
    after, before = request.GET.get("after", ""), request.GET.get("before", "")
    last = request.GET.get("page") == "last"
    index: int | None = 1
    values = None
    forward = True
    try:
        if after:
            index, values = decode_cursor(after, model, keys)
        elif before:
            index, values = decode_cursor(before, model, keys)
            forward = False
    except BadCursor:
        index, values, forward = 1, None, True
    if last and values is None:
        forward = False
        index = None
    rows = _fetch(parts, merge, keys, values, forward, per_page + 1)
    more = len(rows) > per_page
    rows = rows[:per_page]
    if forward:
        has_next, has_previous = more, values is not None
        if values is not None and not rows:  # nothing after the cursor: the last page
            return keyset_page(_last(request), parts, per_page, ordering=ordering, merge=merge)
    else:
        rows.reverse()
        has_next, has_previous = values is not None, more
        if not more and values is not None:  # fewer rows before the cursor than a page
            return keyset_page(_first(request), parts, per_page, ordering=ordering, merge=merge)
    # A page that holds the whole listing counts itself (a selective filter needs no
    # second query); otherwise count, up to the cap.
    count = count_capped(parts) if has_next or has_previous else len(rows)
    if not forward and values is None:  # the last page
        index = count - len(rows) + 1 if count <= COUNT_CAP else None
    if index is not None and not forward and values is not None:
        index = max(1, index)
    if not has_previous:
        index = 1
    page = KeysetPage(
        object_list=rows,
        per_page=per_page,
        count=count,
        has_next=has_next,
        has_previous=has_previous,
        start_index=index if rows else None,
    )
    if rows and has_next:
        nxt = None if index is None else index + len(rows)
        page.next_cursor = encode_cursor(rows[-1], keys, nxt)
    if rows and has_previous:
        prev = None if index is None else max(1, index - per_page)
        page.previous_cursor = encode_cursor(rows[0], keys, prev)
    return page


class _Query:
    """A request stand-in with other query parameters (for the fallbacks above)."""

    def __init__(self, request: HttpRequest, **params: str) -> None:
        query = request.GET.copy()
        for name in ("after", "before", "page"):
            query.pop(name, None)
        query.update(params)
        self.GET = query


def _first(request) -> _Query:
    return _Query(request)


def _last(request) -> _Query:
    return _Query(request, page="last")


def configure_table(
    request: HttpRequest,
    table: tables.Table,
    per_page: int,
    *,
    other_parts: Sequence[QuerySet] = (),
    merge: QuerySet | None = None,
):
    """The one paging path of every table: sort by ``?sort=`` and show the page the
    request asks for. A sort in one direction on keys that are never NULL (ending in the
    primary key, added if missing) pages by keyset (``?after=`` / ``?before=`` /
    ``?page=last``), at the same cost however deep; any other sort pages by number
    (``?page=``). ``other_parts`` (disjoint querysets of the same rows' model, e.g.
    images shared with the account) get the table's sort and are paged with its data;
    ``merge`` reads a page mixing parts back (see ``keyset_page``)."""
    RequestConfig(request, paginate=False).configure(table)
    queryset = table.data.data
    keys = _sort_keys(queryset)
    if keys is None:
        if other_parts:
            raise ValueError("Parts are paged by keyset only: give the table a keyset sort.")
        table.paginate(
            paginator_class=ForgivingPaginator,
            page=request.GET.get("page") or 1,
            per_page=per_page,
        )
        page = table.page
        page.count = table.paginator.count
        page.count_display = f"{page.count:,}"
        page.is_keyset = False
        return page
    ordering = [key.expression for key in keys]
    parts = [queryset.order_by(*ordering), *(part.order_by(*ordering) for part in other_parts)]
    page = keyset_page(request, parts, per_page, ordering=ordering, merge=merge)
    page.object_list = BoundRows(page.object_list, table)
    table.page = page
    return page
