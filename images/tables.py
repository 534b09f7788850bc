import uuid

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from console.models import Account
from console.paging import HtmxTable
from images.models import Image
from images.pipeline.errors import human_size


def poll_delay(round_: int) -> int:
    """Seconds before a settling row asks again: 1, 2, 3, 5, 8, then every 10."""
    return (1, 2, 3, 5, 8)[round_] if round_ < 5 else 10


_ANY = uuid.UUID(int=0)


def _url_pattern(name: str) -> str:
    """The URL of ``name`` for any image, as a ``str.format`` pattern: one ``reverse()``
    per page instead of one per row."""
    return reverse(name, args=[_ANY]).replace(str(_ANY), "{}")


def _ordered(field: str) -> tuple[str, ...]:
    return Image.SORTS[field]


class ImageTable(HtmxTable):
    """The image list. The columns give the headers and the sorts (each ending in the id
    and walked by an index per account, see ``Image.SORTS``); the rows are written by
    ``render_row`` in one pass, which costs a fraction of rendering each cell through
    its column."""

    image_ids = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "th": {"class": "col-check"},
            "td": {"class": "col-check"},
            "th__input": {"data-check-all": "image_ids", "aria-label": "Select all images"},
            "td__input": {"aria-label": "Select image"},
        },
    )
    name = tables.Column(verbose_name="Image name", order_by=_ordered("name"))
    id = tables.Column(verbose_name="Image ID", orderable=False)
    status = tables.Column(verbose_name="Status", order_by=_ordered("status"))
    os_type = tables.Column(verbose_name="OS type", order_by=_ordered("os_type"))
    visibility = tables.Column(verbose_name="Visibility", order_by=_ordered("visibility"))
    protected = tables.BooleanColumn(
        verbose_name="Protected", yesno="Yes,No", order_by=_ordered("protected")
    )
    origin = tables.Column(verbose_name="Origin", order_by=_ordered("origin"))
    size = tables.Column(verbose_name="Size", order_by=_ordered("size"))
    created_at = tables.DateTimeColumn(
        verbose_name="Created", format="Y-m-d H:i", order_by=_ordered("created_at")
    )

    htmx_target = "#image-table"
    fast_rows = True
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
        order_by = ("-created_at",)

    def __init__(self, *args, account: Account, poll_round: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account
        self.poll_round = max(0, poll_round)
        self._detail_url = _url_pattern("images:detail")
        self._row_url = _url_pattern("images:row")
        self._zone = timezone.get_current_timezone()

    @property
    def rows_html(self) -> SafeString:
        return mark_safe(  # noqa: S308 (each row is built by format_html)
            "".join(
                self.render_row(record, n)
                for n, record in enumerate(row.record for row in self.paginated_rows)
            )
        )

    def render_row(self, image: Image, n: int = 0) -> SafeString:
        pk = str(image.pk)
        attrs = format_html(' id="image-row-{}" data-status="{}"', pk, image.status)
        if image.status in Image.IN_PROGRESS:
            # The row refreshes itself until it settles, backing off while nothing changes.
            attrs += format_html(
                ' hx-get="{}?round={}&amp;since={}" hx-trigger="load delay:{}s"'
                ' hx-swap="outerHTML" hx-target="this"',
                self._row_url.format(pk),
                self.poll_round + 1,
                image.status,
                poll_delay(self.poll_round),
            )
        cells = (
            ("col-check", format_html(
                '<input type="checkbox" name="image_ids" value="{}" aria-label="Select image" />',
                pk,
            )),
            ("", self._name_cell(image, pk)),
            ("", format_html('<span class="mono truncate" title="{}">{}</span>', pk, pk)),
            ("", _status_cell(image)),
            ("", image.get_os_type_display()),
            ("", image.get_visibility_display()),
            ("", mark_safe('<span class="true">Yes</span>' if image.protected else '<span class="false">No</span>')),  # noqa: E501, S308
            ("", image.get_origin_display()),
            ("nowrap", human_size(image.size) if image.size is not None else "-"),
            ("nowrap", timezone.localtime(image.created_at, self._zone).strftime("%Y-%m-%d %H:%M")),
        )  # fmt: skip
        body = format_html_join(
            "",
            "<td{}>{}</td>",
            ((format_html(' class="{}"', css) if css else "", value) for css, value in cells),
        )
        return format_html('<tr{} class="{}">{}</tr>\n', attrs, "odd" if n % 2 else "even", body)

    def _name_cell(self, image: Image, pk: str) -> SafeString:
        link = format_html('<a href="{}">{}</a>', self._detail_url.format(pk), image.name)
        if image.account_id == self.account.id:
            return link
        return format_html(
            '{}<div class="small"><span class="badge badge-plain tag-shared">Shared with you</span>'
            ' <span class="muted">by {}</span></div>',
            link,
            image.account.name,
        )


def _status_cell(image: Image) -> SafeString:
    title = format_html(' title="{}"', image.failure_reason) if image.failure_reason else ""
    html = format_html(
        '<span class="badge status-{}"{}>{}</span>',
        image.status.lower(),
        title,
        image.get_status_display(),
    )
    percent = image.progress_percent
    if image.status == Image.Status.IMPORTING and percent is not None:
        html += format_html(
            ' <progress class="progress" max="100" value="{}" title="{} of {}">{}%</progress>'
            ' <span class="small muted">{}%</span>',
            percent,
            human_size(image.progress_done),
            human_size(image.progress_total),
            percent,
            percent,
        )
    if image.status == Image.Status.ERROR:
        html += format_html('<div class="small error-text">{}</div>', image.failure_reason)
    return html
