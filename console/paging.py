"""Paging and sorting of the console's list pages, one way for all of them."""

from collections.abc import Sequence

import django_tables2 as tables
from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_tables2 import RequestConfig

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


def page_size(
    request: HttpRequest, sizes: Sequence[int] = PAGE_SIZES, default: int = DEFAULT_PAGE_SIZE
) -> int:
    """The ``per_page`` asked for, if it is one of the offered sizes."""
    try:
        size = int(request.GET.get("per_page") or default)
    except ValueError:
        return default
    return size if size in sizes else default


def paginate(request: HttpRequest, queryset, per_page: int) -> Page:
    return ForgivingPaginator(queryset, per_page).get_page(request.GET.get("page"))


def configure_table(request: HttpRequest, table: tables.Table, per_page: int) -> None:
    """Sort by ``?sort=`` and show the ``?page=`` of ``per_page`` rows."""
    RequestConfig(request, paginate=False).configure(table)
    table.paginate(
        paginator_class=ForgivingPaginator, page=request.GET.get("page") or 1, per_page=per_page
    )


class HtmxTable(tables.Table):
    """A table whose sorting swaps only itself (``htmx_target``) and that says why it is
    empty: nothing yet, or nothing matching the filters."""

    htmx_target = ""
    # What a screen reader calls the table's scrolling region on narrow screens.
    label = _("Table")
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
