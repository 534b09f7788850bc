"""The work-history table: Activity history and an image's Work History tab."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from console import formats
from console.models import SYSTEM_WORKER, Account, WorkHistory
from console.paging import HtmxTable
from console.work_history import resource_urls


class WorkHistoryTable(HtmxTable):
    work_time = tables.Column(
        verbose_name=_("Work date/time"), attrs={"td": {"class": "time-cell"}}
    )
    resource_id = tables.Column(verbose_name=_("Resource ID"))
    resource_name = tables.Column(
        verbose_name=_("Resource name"), attrs={"td": {"class": "name-cell"}}
    )
    work_details = tables.Column(
        verbose_name=_("Work details"), attrs={"td": {"class": "details-cell"}}
    )
    event_topic = tables.Column(verbose_name=_("Event topic"))
    result = tables.Column(verbose_name=_("Work result"))
    worker = tables.Column(
        verbose_name=_("Worker"), accessor="worker_id", attrs={"td": {"class": "worker-cell"}}
    )

    empty_title = _("No work recorded yet")
    empty_filtered_title = _("Nothing matches these filters")
    empty_hint = ""

    class Meta(HtmxTable.Meta):
        model = WorkHistory
        fields = (
            "work_time",
            "resource_id",
            "resource_name",
            "work_details",
            "event_topic",
            "result",
            "worker",
        )
        orderable = False

    def __init__(
        self,
        *args,
        account: Account,
        table_id: str,
        htmx_target: str,
        time_zone: str,
        show_type: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, attrs={"class": "table history-table", "id": table_id}, **kwargs)
        self.account = account
        self.htmx_target = htmx_target
        self.show_type = show_type
        self.columns["work_time"].column.verbose_name = _("Work date/time (%(zone)s)") % {
            "zone": time_zone
        }

    @cached_property
    def _resource_urls(self) -> dict[tuple[str, str], str]:
        """Links of the shown page's resources that still exist (one query per type)."""
        rows = self.page.object_list if getattr(self, "page", None) else self.rows
        return resource_urls(self.account, (row.record for row in rows))

    def render_work_time(self, value) -> SafeString:
        local = timezone.localtime(value)
        return format_html(
            '<time datetime="{}" title="{}"><div>{}</div>'
            '<div class="small muted">{} {}</div></time>',
            formats.iso_local(local),
            formats.zone_description(),
            date_format(local, "SHORT_DATE_FORMAT"),
            date_format(local, "TIME_FORMAT"),
            formats.zone_abbreviation(local),
        )

    def render_resource_id(self, value: str) -> SafeString:
        return format_html('<span class="mono truncate" title="{}">{}</span>', value, value)

    def render_resource_name(self, record: WorkHistory, value: str) -> SafeString:
        url = self._resource_urls.get((record.resource_type, record.resource_id))
        name = format_html('<a href="{}">{}</a>', url, value) if url else value
        if not self.show_type:
            return format_html("{}", name)
        return format_html(
            '{}<div class="small muted">{}</div>', name, record.get_resource_type_display()
        )

    def render_event_topic(self, value: str) -> SafeString:
        return format_html('<span class="topic">{}</span>', value)

    def render_result(self, record: WorkHistory) -> SafeString:
        css = "status-active" if record.result == WorkHistory.Result.SUCCESS else "status-error"
        return format_html('<span class="badge {}">{}</span>', css, record.get_result_display())

    def render_worker(self, record: WorkHistory) -> SafeString:
        if record.worker_id == WorkHistory.SYSTEM:
            return format_html('<span class="muted">{}</span>', SYSTEM_WORKER)
        return format_html(
            '<div>{}</div><div class="small muted">{}{}{}</div>',
            record.worker_name,
            format_html("{}<br>", record.worker_email) if record.worker_email else "",
            _("ID %(id)s") % {"id": record.worker_id},
            format_html("<br>{}", _("API key %(key)s") % {"key": record.api_key})
            if record.api_key
            else "",
        )
