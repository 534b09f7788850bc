"""Activity history: the work history of the current account, filtered, paginated and
downloadable as CSV or JSON. The image detail page reuses the filters for its own tab."""

import csv
import datetime
import json
import uuid
from collections.abc import Iterable, Iterator

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from console.access import current_account
from console.models import WorkHistory
from console.paging import keyset_page, page_size

PAGE_SIZES = (25, 50, 100)
EXPORT_CHUNK = 2000
# Newest first; the id breaks ties between rows written in the same microsecond. Every
# filter has an index of the account's rows in this order (see WorkHistory.Meta).
ORDERING = ("-work_time", "-id")

# Topics the console writes; the filter also accepts any other (typed) topic.
KNOWN_TOPICS = (
    "CreateImage",
    "ImportImage",
    "RetryImageImport",
    "SetImage",
    "CreateTag",
    "SetTag",
    "DeleteTag",
    "DeleteImage",
    "CreateImageMember",
    "SetImageMember",
    "DeleteImageMember",
)

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

    topic = forms.CharField(label="Event topic", required=False, max_length=64)
    result = forms.ChoiceField(
        label="Work result",
        required=False,
        choices=[("", "All results"), *WorkHistory.Result.choices],
    )

    def __init__(self, *args, topics: Iterable[str] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.topics = tuple(topics or ())
        if topics is not None:
            choices = [("", "All event topics"), *((t, t) for t in topics)]
            self.fields["topic"].widget = forms.Select(choices=choices)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset
        data = self.cleaned_data
        if topic := (data.get("topic") or "").strip():
            # The console writes a known set of topics: a match in any case becomes an
            # exact match, which the (account, event_topic, work_time) index answers.
            known = {t.upper(): t for t in (*KNOWN_TOPICS, *self.topics)}
            if topic.upper() in known:
                queryset = queryset.filter(event_topic=known[topic.upper()])
            else:
                queryset = queryset.filter(event_topic__iexact=topic)
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

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["topic"].widget.attrs.update(
            {"list": "known-topics", "placeholder": "Any topic", "autocomplete": "off"}
        )

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
        if data.get("date_from"):
            queryset = queryset.filter(work_time__gte=_start_of_day(data["date_from"]))
        if data.get("date_to"):
            end = _start_of_day(data["date_to"] + datetime.timedelta(days=1))
            queryset = queryset.filter(work_time__lt=end)
        if resource := (data.get("resource") or "").strip():
            queryset = queryset.filter(
                Q(resource_id=resource) | Q(resource_name__icontains=resource)
            )
        return queryset


def _start_of_day(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _existing_images(account, rows: Iterable[WorkHistory]) -> set[str]:
    """IDs of the page's image resources that still exist (one query), to link them."""
    from images.models import Image

    ids = set()
    for row in rows:
        if row.resource_type == "Image":
            try:
                ids.add(uuid.UUID(row.resource_id))
            except ValueError:
                continue
    if not ids:
        return set()
    found = Image.objects.filter(account=account, pk__in=ids).values_list("pk", flat=True)
    return {str(pk) for pk in found}


@require_GET
def activity_history(request: HttpRequest) -> HttpResponse:
    account = current_account(request)
    form = ActivityFilterForm(request.GET or None)
    rows = form.filter(WorkHistory.objects.for_account(account))
    per_page = page_size(request, PAGE_SIZES)
    page = keyset_page(request, [rows], per_page, ordering=ORDERING)
    context = {
        "form": form,
        "page": page,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "known_topics": KNOWN_TOPICS,
        "time_zone": time_zone_name(),
        "existing_images": _existing_images(account, page.object_list),
        "query": _query_without_page(request),
    }
    template = "console/activity_history.html"
    if request.htmx and not request.htmx.boosted:
        template += "#results"
        context["oob"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    for name in ("page", "after", "before"):
        query.pop(name, None)
    return query.urlencode()


def csv_cell(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def _export_rows(queryset) -> Iterator[dict]:
    names = [name for name, _ in EXPORT_FIELDS]
    zone = timezone.get_current_timezone()
    for values in queryset.values_list(*names).iterator(chunk_size=EXPORT_CHUNK):
        row = dict(zip(names, values, strict=True))
        row["work_time"] = timezone.localtime(row["work_time"], zone).isoformat()
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
def activity_download(request: HttpRequest, fmt: str) -> HttpResponse:
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
