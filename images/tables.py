import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html

from console.formats import human_size
from console.htmx import poll_delay
from console.models import Account
from console.paging import HtmxTable
from images.models import Image


def _row_attrs(record: Image, table: "ImageTable") -> dict[str, str]:
    attrs = {"id": f"image-row-{record.pk}", "data-status": record.status}
    if record.status in Image.IN_PROGRESS:
        # The row refreshes itself until it settles, backing off while nothing changes.
        attrs.update(
            {
                "hx-get": reverse("images:row", args=[record.pk])
                + f"?round={table.poll_round + 1}&since={record.status}",
                "hx-trigger": f"load delay:{poll_delay(table.poll_round)}s",
                "hx-swap": "outerHTML",
                "hx-target": "this",
            }
        )
    return attrs


def _row_attr(name: str):
    def value(record: Image, table: "ImageTable") -> str | None:
        return _row_attrs(record, table).get(name)

    return value


class ImageTable(HtmxTable):
    image_ids = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th": {"class": "col-check"},
            "td": {"class": "col-check"},
            "th__input": {"data-check-all": "image_ids", "aria-label": "Select all images"},
            "td__input": {"aria-label": "Select image"},
        },
    )
    name = tables.Column(verbose_name="Image name", order_by=("name", "id"))
    id = tables.TemplateColumn(
        '<span class="mono truncate" title="{{ record.id }}">{{ record.id }}</span>',
        verbose_name="Image ID",
        orderable=False,
    )
    status = tables.TemplateColumn(template_name="images/_cell_status.html", verbose_name="Status")
    os_type = tables.Column(verbose_name="OS type")
    visibility = tables.Column(verbose_name="Visibility")
    protected = tables.BooleanColumn(verbose_name="Protected", yesno="Yes,No")
    origin = tables.Column(verbose_name="Origin")
    size = tables.Column(verbose_name="Size", attrs={"td": {"class": "nowrap"}})
    created_at = tables.DateTimeColumn(
        verbose_name="Created", format="Y-m-d H:i", attrs={"td": {"class": "nowrap"}}
    )

    htmx_target = "#image-table"
    empty_title = "No images yet"
    empty_filtered_title = "No images match"
    empty_hint = "Create an image from a qcow2 file URL, an upload or a running GPU server."

    class Meta(HtmxTable.Meta):
        model = Image
        fields = (
            "image_ids",
            "name",
            "id",
            "status",
            "os_type",
            "visibility",
            "protected",
            "origin",
            "size",
            "created_at",
        )
        attrs = {"class": "table", "id": "images"}
        row_attrs = {
            name: _row_attr(name)
            for name in ("id", "data-status", "hx-get", "hx-trigger", "hx-swap", "hx-target")
        }
        order_by = ("-created_at",)

    def __init__(self, *args, account: Account, poll_round: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.poll_round = max(0, poll_round)

    def render_name(self, record: Image) -> str:
        link = format_html(
            '<a href="{}">{}</a>', reverse("images:detail", args=[record.pk]), record.name
        )
        if record.account_id == self.account.id:
            return link
        return format_html(
            '{}<div class="small"><span class="badge badge-plain tag-shared">Shared with you</span>'
            ' <span class="muted">by {}</span></div>',
            link,
            record.account.name,
        )

    def render_size(self, value: int | None) -> str:
        return human_size(value) if value is not None else "-"
