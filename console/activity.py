"""Activity history: the work history of the current account, filtered, paginated and
downloadable as CSV or JSON. The image detail page reuses the filters for its own tab."""

import csv
import datetime
import json
from collections.abc import Iterator

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from console import formats
from console.access import current_account
from console.htmx import ConsoleRequest, render_page
from console.models import WorkHistory
from console.paging import configure_table, page_size
from console.phrases import render
from console.tables import WorkHistoryTable

PAGE_SIZES = (25, 50, 100)
EXPORT_CHUNK = 2000
# Newest first; the id breaks ties between rows written in the same microsecond. Every
# filter has an index of the account's rows in this order (see WorkHistory.Meta).
ORDERING = ("-work_time", "-id")

MSG_PERIOD = gettext_lazy("The end of the period must not be before its start.")

# The columns of the CSV and JSON downloads. The names are stable, for scripts: codes, IDs
# and UTC times do not depend on who downloads; the same moment in the downloader's time
# zone and the sentence in their language stand beside them.
EXPORT_FIELDS = (
    "work_time",  # ISO-8601 in UTC
    "work_time_local",  # ISO-8601 in the downloader's time zone, with its offset
    "resource_type",
    "resource_id",
    "resource_name",
    "event_topic",
    "result",
    "message_code",
    "message_params",
    "work_details",  # the sentence, in the downloader's language
    "worker_id",
    "worker_name",
    "worker_email",
    "api_key",
    "region",
)
_EXPORT_COLUMNS = (
    "work_time",
    "resource_type",
    "resource_id",
    "resource_name",
    "event_topic",
    "result",
    "details",
    "worker_id",
    "worker_name",
    "worker_email",
    "api_key",
    "region",
)

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV
# injection"); full-width forms included, as some spreadsheets normalise them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def time_zone_name() -> str:
    """The viewer's time zone (activated per request from their profile)."""
    return timezone.get_current_timezone_name()


class HistoryFilterForm(forms.Form):
    """Event topic and result: the filters of an image's Work History tab."""

    # The topics the console writes (WorkHistory.Topic, the one list); a topic typed in
    # the URL in other capitals means the same topic, any other matches nothing.
    topic = forms.CharField(
        label=gettext_lazy("Event topic"),
        required=False,
        max_length=64,
        widget=forms.Select(
            choices=[("", gettext_lazy("All event topics")), *WorkHistory.Topic.choices]
        ),
    )
    result = forms.ChoiceField(
        label=gettext_lazy("Work result"),
        required=False,
        choices=[("", gettext_lazy("All results")), *WorkHistory.Result.choices],
    )

    def clean_topic(self) -> str:
        typed = self.cleaned_data["topic"].strip()
        known = {value.lower(): value for value in WorkHistory.Topic.values}
        return known.get(typed.lower(), typed)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if data.get("topic"):
            queryset = queryset.filter(event_topic=data["topic"])
        if data.get("result"):
            queryset = queryset.filter(result=data["result"])
        return queryset

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)


class ActivityFilterForm(HistoryFilterForm):
    """Period, resource and the tab's filters: the filters of the Activity history page."""

    date_from = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )
    date_to = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": gettext_lazy("Enter a date as YYYY-MM-DD.")},
    )
    resource = forms.CharField(
        label=gettext_lazy("Resource ID or name"),
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": gettext_lazy("ID or part of a name")}
        ),
    )

    field_order = ["date_from", "date_to", "resource", "topic", "result"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", ValidationError(MSG_PERIOD, code="period"))
        return cleaned

    def filter(self, queryset):
        queryset = super().filter(queryset)
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        # The dates are days of the viewer's time zone; "To" includes its whole day.
        # A bound past the datetimes the database can hold (the calendar's first or
        # last day, shifted by the time zone) bounds nothing.
        if data.get("date_from") and (start := _start_of_day(data["date_from"])):
            queryset = queryset.filter(work_time__gte=start)
        if data.get("date_to") and (end := _start_of_day(data["date_to"], days_later=1)):
            queryset = queryset.filter(work_time__lt=end)
        if resource := (data.get("resource") or "").strip():
            queryset = queryset.filter(
                Q(resource_id=resource) | Q(resource_name__icontains=resource)
            )
        return queryset


def _start_of_day(day: datetime.date, days_later: int = 0) -> datetime.datetime | None:
    """The start of ``day`` (plus ``days_later``) in the viewer's time zone, or None
    when that instant lies outside the years 1-9999 in UTC."""
    try:
        start = timezone.make_aware(
            datetime.datetime.combine(day + datetime.timedelta(days=days_later), datetime.time.min)
        )
        return start.astimezone(datetime.UTC)
    except OverflowError:
        return None


@require_GET
def activity_history(request: ConsoleRequest) -> HttpResponse:
    account = current_account(request)
    form = ActivityFilterForm(request.GET or None)
    rows = form.filter(WorkHistory.objects.for_account(account))
    per_page = page_size(request, PAGE_SIZES)
    table = WorkHistoryTable(
        rows,
        account=account,
        table_id="activity-table",
        htmx_target="#activity-results",
        time_zone=time_zone_name(),
        show_type=True,
        filtered=form.active,
    )
    configure_table(request, table, per_page)
    context = {
        "form": form,
        "table": table,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "query": _query_without_page(request),
    }
    return render_page(request, "console/activity_history.html", context, fragment="results")


def _query_without_page(request: ConsoleRequest) -> str:
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _export_rows(queryset) -> Iterator[dict]:
    for values in queryset.values_list(*_EXPORT_COLUMNS).iterator(chunk_size=EXPORT_CHUNK):
        stored = dict(zip(_EXPORT_COLUMNS, values, strict=True))
        details = stored.pop("details") or {}
        moment = stored.pop("work_time")
        # What happened is stored as data: its code and values, and the sentence they make.
        yield {
            "work_time": formats.iso_utc(moment),
            "work_time_local": formats.iso_local(moment),
            **{name: stored[name] for name in EXPORT_FIELDS if name in stored},
            "message_code": details.get("code", ""),
            "message_params": details.get("params") or {},
            "work_details": render(details) if details else "",
        }


def _ordered(row: dict) -> list:
    return [row[name] for name in EXPORT_FIELDS]


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The BOM lets spreadsheets read the file as UTF-8.
    yield "\ufeff" + writer.writerow(EXPORT_FIELDS)
    batch: list[str] = []
    for row in _export_rows(queryset):
        row["message_params"] = json.dumps(row["message_params"], ensure_ascii=False)
        batch.append(writer.writerow([csv_cell(value) for value in _ordered(row)]))
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    if batch:
        yield "".join(batch)


def _json_stream(queryset) -> Iterator[str]:
    yield "["
    separator = "\n"
    batch: list[str] = []
    for row in _export_rows(queryset):
        batch.append(
            separator
            + json.dumps(dict(zip(EXPORT_FIELDS, _ordered(row), strict=True)), ensure_ascii=False)
        )
        separator = ",\n"
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    yield "".join(batch) + "\n]\n"


def _as_requested(stream: Iterator[str]) -> Iterator[str]:
    """The rows are written after the view has returned: in the requester's language and
    time zone all the same."""
    zone, language = timezone.get_current_timezone(), translation.get_language()

    def written() -> Iterator[str]:
        with timezone.override(zone), translation.override(language):
            yield from stream

    return written()


@require_GET
def activity_download(request: ConsoleRequest, fmt: str) -> HttpResponse:
    """The filtered history as a file, streamed row by row in constant memory."""
    account = current_account(request)
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            _("Invalid filter: %(errors)s")
            % {"errors": "; ".join(m for ms in form.errors.values() for m in ms)},
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = form.filter(WorkHistory.objects.for_account(account)).order_by(*ORDERING)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        stream, content_type = _csv_stream(rows), "text/csv; charset=utf-8"
    else:
        stream, content_type = _json_stream(rows), "application/json"
    response = StreamingHttpResponse(_as_requested(stream), content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="activity-history-{account.id}-{stamp}.{fmt}"'
    )
    response["Cache-Control"] = "no-store"
    return response
