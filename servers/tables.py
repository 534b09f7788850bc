"""The GPU server list."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.formats import human_size as human_bytes
from console.formats import time_html
from console.paging import HtmxTable
from images.models import Image
from servers.models import GpuServer


class ServerTable(HtmxTable):
    name = tables.TemplateColumn(
        "<a href=\"{% url 'servers:detail' record.pk %}\">{{ record.name }}</a>",
        verbose_name=_("Server name"),
        order_by=("name", "id"),
    )
    status = tables.TemplateColumn(
        '<span class="badge status-{{ record.status|lower }}">{{ record.get_status_display }}'
        "</span>",
        verbose_name=_("Status"),
    )
    gpu = tables.TemplateColumn(
        '<span class="gpu-chip">{{ record.gpu_type }} \u00d7 {{ record.gpu_count }}</span>',
        verbose_name=_("GPU"),
        order_by=("gpu_type", "gpu_count", "name"),
    )
    flavor = tables.Column(verbose_name=_("Flavor"), default="-")
    image = tables.TemplateColumn(
        template_name="servers/_server_cell_image.html",
        verbose_name=pgettext_lazy("menu", "Image"),
        order_by=("image__name", "name"),
    )
    created_at = tables.Column(verbose_name=_("Created"), attrs={"td": {"class": "nowrap"}})

    htmx_target = "#server-table"
    empty_title = _("No GPU servers yet")
    empty_filtered_title = _("No GPU servers match")
    empty_hint = _("An administrator creates the GPU servers of this account; they appear here.")

    class Meta(HtmxTable.Meta):
        model = GpuServer
        fields = ("name", "status", "gpu", "flavor", "image", "created_at")
        attrs = {"class": "table", "id": "servers"}
        row_attrs = {"id": lambda record: f"server-row-{record.pk}"}
        order_by = ("name",)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def render_created_at(self, value) -> SafeString | str:
        return time_html(value, "SHORT_DATETIME_FORMAT")


class ServerImageTable(HtmxTable):
    """The images made from one server, on its detail page."""

    name = tables.Column(verbose_name=_("Image name"), order_by=("name", "id"))
    status = tables.Column(verbose_name=_("Status"))
    size = tables.Column(verbose_name=_("Size"), attrs={"td": {"class": "nowrap"}})
    created_at = tables.Column(verbose_name=_("Created"), attrs={"td": {"class": "nowrap"}})

    htmx_target = "#server-images-section"
    empty_title = _("No images yet")

    class Meta(HtmxTable.Meta):
        model = Image
        fields = ("name", "status", "size", "created_at")
        attrs = {"class": "table", "id": "server-images"}
        order_by = ("-created_at",)

    def __init__(self, *args, server: GpuServer, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.empty_hint = (
            _("Use Create Image to make a custom image of this server's disk.")
            if server.status == GpuServer.Status.RUNNING
            else _("Images can be made while the server is running.")
        )

    def render_name(self, record: Image, value: str) -> SafeString:
        return format_html('<a href="{}">{}</a>', reverse("images:detail", args=[record.pk]), value)

    def render_status(self, record: Image) -> SafeString:
        return format_html(
            '<span class="badge status-{}">{}</span>',
            record.status.lower(),
            record.get_status_display(),
        )

    def render_size(self, value: int | None) -> str:
        return human_bytes(value)

    def render_created_at(self, value) -> SafeString | str:
        return time_html(value, "SHORT_DATETIME_FORMAT")
