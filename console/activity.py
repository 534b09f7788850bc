"""Activity history: the work history of the current account, filtered, paginated and
downloadable as CSV or JSON. The image detail page reuses the filters for its own tab."""

import csv
import datetime
import json
from collections.abc import Iterator

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

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

MSG_PERIOD = "The end of the period must not be before its start."

EXPORT_FIELDS = (
    ("work_time", "Work date/time"),
    ("resource_type", "Resource type"),
    ("resource_id", "Resource ID"),
    ("resource_name", "Resource name"),
    ("work_details", "Work details"),
    ("event_topic", "Event topic"),
    ("result", "Work result"),
    ("worker_id", "Worker ID"),
    ("worker_name", "Worker name"),
    ("worker_email", "Worker email"),
    ("region", "Region"),
)

# A spreadsheet treats a cell starting with one of these as a formula (OWASP "CSV
# injection"); full-width forms included, as some spreadsheets normalise them.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def time_zone_name() -> str:
    return settings.TIME_ZONE


class HistoryFilterForm(forms.Form):
    """Event topic and result: the filters of an image's Work History tab."""

    # The topics the console writes (WorkHistory.Topic, the one list); a topic typed in
    # the URL in other capitals means the same topic, any other matches nothing.
    topic = forms.CharField(
        label="Event topic",
        required=False,
        max_length=64,
        widget=forms.Select(choices=[("", "All event topics"), *WorkHistory.Topic.choices]),
    )
    result = forms.ChoiceField(
        label="Work result",
        required=False,
        choices=[("", "All results"), *WorkHistory.Result.choices],
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
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    resource = forms.CharField(
        label="Resource ID or name",
        required=False,
        max_length=255,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "ID or part of a name"}),
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
        # The dates are days of the console's time zone; "To" includes its whole day.
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
    """The start of ``day`` (plus ``days_later``) in the console's time zone, or None
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
    names = [name for name, _ in EXPORT_FIELDS]
    # What happened is stored as data and written out as a sentence.
    columns = ["details" if name == "work_details" else name for name in names]
    zone = timezone.get_current_timezone()
    for values in queryset.values_list(*columns).iterator(chunk_size=EXPORT_CHUNK):
        row = dict(zip(names, values, strict=True))
        row["work_time"] = timezone.localtime(row["work_time"], zone).isoformat()
        row["work_details"] = render(row["work_details"]) if row["work_details"] else ""
        yield row


class _Echo:
    """A file-like object whose write() hands back the line csv.writer produced."""

    def write(self, value: str) -> str:
        return value


def _csv_stream(queryset) -> Iterator[str]:
    writer = csv.writer(_Echo())
    # The BOM lets spreadsheets read the file as UTF-8.
    yield "\ufeff" + writer.writerow([label for _, label in EXPORT_FIELDS])
    batch: list[str] = []
    for row in _export_rows(queryset):
        batch.append(writer.writerow([csv_cell(value) for value in row.values()]))
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
        batch.append(separator + json.dumps(row, ensure_ascii=False))
        separator = ",\n"
        if len(batch) >= 500:
            yield "".join(batch)
            batch = []
    yield "".join(batch) + "\n]\n"


@require_GET
def activity_download(request: ConsoleRequest, fmt: str) -> HttpResponse:
    """The filtered history as a file, streamed row by row in constant memory."""
    account = current_account(request)
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return HttpResponse(
            "Invalid filter: " + "; ".join(m for ms in form.errors.values() for m in ms),
            status=400,
            content_type="text/plain; charset=utf-8",
        )
    rows = form.filter(WorkHistory.objects.for_account(account)).order_by(*ORDERING)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    if fmt == "csv":
        stream, content_type = _csv_stream(rows), "text/csv; charset=utf-8"
    else:
        stream, content_type = _json_stream(rows), "application/json"
    response = StreamingHttpResponse(stream, content_type=content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="activity-history-{account.id}-{stamp}.{fmt}"'
    )
    response["Cache-Control"] = "no-store"
    return response
