"""The GPU server list."""

import django_tables2 as tables

from console.paging import HtmxTable
from servers.models import GpuServer


class ServerTable(HtmxTable):
    name = tables.TemplateColumn(
        "<a href=\"{% url 'servers:detail' record.pk %}\">{{ record.name }}</a>",
        verbose_name="Server name",
        order_by=("name", "id"),
    )
    status = tables.TemplateColumn(
        '<span class="badge status-{{ record.status|lower }}">{{ record.get_status_display }}'
        "</span>",
        verbose_name="Status",
    )
    gpu = tables.TemplateColumn(
        '<span class="gpu-chip">{{ record.gpu_type }} x {{ record.gpu_count }}</span>',
        verbose_name="GPU",
        order_by=("gpu_type", "gpu_count", "name"),
    )
    flavor = tables.Column(verbose_name="Flavor", default="-")
    image = tables.TemplateColumn(
        template_name="servers/_server_cell_image.html",
        verbose_name="Image",
        order_by=("image__name", "name"),
    )
    created_at = tables.DateTimeColumn(
        verbose_name="Created", format="Y-m-d H:i", attrs={"td": {"class": "nowrap"}}
    )

    htmx_target = "#server-table"
    empty_title = "No GPU servers yet"
    empty_filtered_title = "No GPU servers match"
    empty_hint = "An administrator creates the GPU servers of this account; they appear here."

    class Meta(HtmxTable.Meta):
        model = GpuServer
        fields = ("name", "status", "gpu", "flavor", "image", "created_at")
        attrs = {"class": "table", "id": "servers"}
        row_attrs = {"id": lambda record: f"server-row-{record.pk}"}
        order_by = ("name",)

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
