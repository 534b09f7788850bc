import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from console.formats import human_size, time_html
from console.htmx import poll_delay
from console.models import Account
from console.paging import HtmxTable
from images.models import Image
from images.rules import display


def _row_attrs(record: Image, table: "ImageTable") -> dict[str, str]:
    attrs = {"id": f"image-row-{record.pk}", "data-status": record.status}
    if record.status in Image.IN_PROGRESS:
        # The row refreshes itself until it settles, backing off while nothing changes.
        attrs.update(
            {
                "hx-get": reverse("images:row", args=[record.pk])
                + f"?round={table.poll_round + 1}&since={record.poll_watch}",
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
            "th__input": {"data-check-all": "image_ids", "aria-label": _("Select all images")},
            "td__input": {"aria-label": _("Select image")},
        },
    )
    name = tables.Column(
        verbose_name=_("Image name"), order_by=("name", "id"), attrs={"td": {"class": "col-name"}}
    )
    id = tables.TemplateColumn(
        '<span class="mono truncate" title="{{ record.id }}">{{ record.id }}</span>',
        verbose_name=_("Image ID"),
        orderable=False,
    )
    status = tables.TemplateColumn(
        template_name="images/_cell_status.html", verbose_name=_("Status")
    )
    os_type = tables.Column(verbose_name=_("OS type"))
    visibility = tables.Column(verbose_name=_("Visibility"))
    protected = tables.Column(verbose_name=_("Protected"))
    origin = tables.Column(verbose_name=_("Origin"))
    size = tables.Column(verbose_name=_("Size"), attrs={"td": {"class": "nowrap"}})
    created_at = tables.Column(verbose_name=_("Created"), attrs={"td": {"class": "nowrap"}})

    htmx_target = "#image-table"
    label = _("Images")
    empty_title = _("No images yet")
    empty_filtered_title = _("No images match")
    empty_hint = _("Create an image from a qcow2 file URL, an upload or a running GPU server.")

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

    def __init__(
        self, *args, account: Account, poll_round: int = 0, can_change: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.account = account
        self.poll_round = max(0, poll_round)
        if not can_change:
            # Viewers cannot delete: no checkboxes that would do nothing.
            self.columns.hide("image_ids")
        else:
            self.empty_action = (reverse("images:create"), _("Create Image"))

    def render_name(self, record: Image) -> str:
        link = format_html(
            '<a href="{}">{}</a>', reverse("images:detail", args=[record.pk]), record.name
        )
        if record.account_id == self.account.id:
            return link
        return format_html(
            '{}<div class="small"><span class="badge badge-plain tag-shared">{}</span>'
            ' <span class="muted">{}</span></div>',
            link,
            _("Shared with you"),
            _("by %(owner)s") % {"owner": record.account.name},
        )

    def render_size(self, value: int | None) -> str:
        return human_size(value) if value is not None else "-"

    def render_protected(self, value: bool) -> str:
        return display("protected", value)

    def render_created_at(self, value) -> str:
        return time_html(value, "SHORT_DATETIME_FORMAT")
