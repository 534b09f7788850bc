import uuid

import django_tables2 as tables
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from console.formats import human_size
from console.htmx import poll_delay
from console.models import Account
from console.paging import HtmxTable
from images.models import Image, OsType

# Labels looked up once: ``get_FOO_display()`` rebuilds its choices for every call.
_STATUS = dict(Image.Status.choices)
_OS_TYPE = dict(OsType.choices)
_VISIBILITY = dict(Image.Visibility.choices)
_ORIGIN = dict(Image.Origin.choices)
_PROTECTED = {
    True: mark_safe('<span class="true">Yes</span>'),
    False: mark_safe('<span class="false">No</span>'),
}


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
        # Written with escape() on every value that comes from the data and one
        # mark_safe() for the row: a tenth of the cost of format_html() per cell.
        pk = str(image.pk)  # a UUID: nothing to escape
        status = image.status
        attrs = f' id="image-row-{pk}" data-status="{escape(status)}"'
        if status in Image.IN_PROGRESS:
            # The row refreshes itself until it settles, backing off while nothing changes.
            attrs += (
                f' hx-get="{self._row_url.format(pk)}?round={self.poll_round + 1}&amp;'
                f'since={escape(status)}" hx-trigger="load delay:{poll_delay(self.poll_round)}s"'
                ' hx-swap="outerHTML" hx-target="this"'
            )
        size = human_size(image.size) if image.size is not None else "-"
        created = timezone.localtime(image.created_at, self._zone).strftime("%Y-%m-%d %H:%M")
        return mark_safe(  # noqa: S308 (every value above is escaped)
            f'<tr{attrs} class="{"odd" if n % 2 else "even"}">'
            f'<td class="col-check"><input type="checkbox" name="image_ids" value="{pk}"'
            ' aria-label="Select image" /></td>'
            f"<td>{self._name_cell(image, pk)}</td>"
            f'<td><span class="mono truncate" title="{pk}">{pk}</span></td>'
            f"<td>{_status_cell(image)}</td>"
            f"<td>{escape(_OS_TYPE.get(image.os_type, image.os_type))}</td>"
            f"<td>{escape(_VISIBILITY.get(image.visibility, image.visibility))}</td>"
            f"<td>{_PROTECTED[bool(image.protected)]}</td>"
            f"<td>{escape(_ORIGIN.get(image.origin, image.origin))}</td>"
            f'<td class="nowrap">{size}</td>'
            f'<td class="nowrap">{created}</td></tr>\n'
        )

    def _name_cell(self, image: Image, pk: str) -> str:
        link = f'<a href="{self._detail_url.format(pk)}">{escape(image.name)}</a>'
        if image.account_id == self.account.id:
            return link
        return (
            f'{link}<div class="small"><span class="badge badge-plain tag-shared">'
            f'Shared with you</span> <span class="muted">by {escape(image.account.name)}</span>'
            "</div>"
        )


def _status_cell(image: Image) -> str:
    reason = escape(image.failure_reason)
    title = f' title="{reason}"' if reason else ""
    html = (
        f'<span class="badge status-{escape(image.status.lower())}"{title}>'
        f"{escape(_STATUS.get(image.status, image.status))}</span>"
    )
    percent = image.progress_percent
    if image.status == Image.Status.IMPORTING and percent is not None:
        done, total = human_size(image.progress_done), human_size(image.progress_total)
        html += (
            f' <progress class="progress" max="100" value="{percent}" title="{done} of {total}">'
            f'{percent}%</progress> <span class="small muted">{percent}%</span>'
        )
    if image.status == Image.Status.ERROR:
        html += f'<div class="small error-text">{reason}</div>'
    return html
