import uuid

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from console.formats import human_size, time_html
from console.htmx import poll_delay
from console.models import Account
from console.paging import HtmxTable
from images.models import Image, OsType
from images.rules import display

# Labels looked up once (lazy: each request reads them in its language):
# ``get_FOO_display()`` rebuilds its choices for every call.
_STATUS = dict(Image.Status.choices)
_OS_TYPE = dict(OsType.choices)
_VISIBILITY = dict(Image.Visibility.choices)
_ORIGIN = dict(Image.Origin.choices)


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
            "th__input": {"data-check-all": "image_ids", "aria-label": _("Select all images")},
            "td__input": {"aria-label": _("Select image")},
        },
    )
    name = tables.Column(
        verbose_name=_("Image name"), order_by=_ordered("name"), attrs={"td": {"class": "col-name"}}
    )
    id = tables.Column(verbose_name=_("Image ID"), orderable=False)
    status = tables.Column(verbose_name=_("Status"), order_by=_ordered("status"))
    os_type = tables.Column(verbose_name=_("OS type"), order_by=_ordered("os_type"))
    visibility = tables.Column(verbose_name=_("Visibility"), order_by=_ordered("visibility"))
    protected = tables.Column(verbose_name=_("Protected"), order_by=_ordered("protected"))
    origin = tables.Column(verbose_name=_("Origin"), order_by=_ordered("origin"))
    size = tables.Column(verbose_name=_("Size"), order_by=_ordered("size"))
    created_at = tables.Column(verbose_name=_("Created"), order_by=_ordered("created_at"))

    htmx_target = "#image-table"
    label = _("Images")
    fast_rows = True
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
        order_by = ("-created_at",)

    def __init__(
        self, *args, account: Account, poll_round: int = 0, can_change: bool = True, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.account = account
        self.poll_round = max(0, poll_round)
        # Viewers cannot delete: no checkboxes that would do nothing.
        self.selectable = can_change
        if not can_change:
            self.columns.hide("image_ids")
        else:
            self.empty_action = (reverse("images:create"), _("Create Image"))
        self._detail_url = _url_pattern("images:detail")
        self._row_url = _url_pattern("images:row")
        # Per table (one request, one language): the same for every row.
        self._protected = {value: escape(display("protected", value)) for value in (True, False)}
        self._shared_with_you = escape(gettext("Shared with you"))
        self._select_image = escape(gettext("Select image"))

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
                f'since={escape(image.poll_watch)}" '
                f'hx-trigger="load delay:{poll_delay(self.poll_round)}s"'
                ' hx-swap="outerHTML" hx-target="this"'
            )
        size = human_size(image.size) if image.size is not None else "-"
        created = time_html(image.created_at, "SHORT_DATETIME_FORMAT")
        return mark_safe(  # noqa: S308 (every value above is escaped)
            f'<tr{attrs} class="{"odd" if n % 2 else "even"}">'
            f"{self._check_cell(pk)}"
            f'<td class="col-name">{self._name_cell(image, pk)}</td>'
            f'<td><span class="mono truncate" title="{pk}">{pk}</span></td>'
            f"<td>{_status_cell(image)}</td>"
            f"<td>{escape(_OS_TYPE.get(image.os_type, image.os_type))}</td>"
            f"<td>{escape(_VISIBILITY.get(image.visibility, image.visibility))}</td>"
            f"<td>{self._protected[bool(image.protected)]}</td>"
            f"<td>{escape(_ORIGIN.get(image.origin, image.origin))}</td>"
            f'<td class="nowrap">{size}</td>'
            f'<td class="nowrap">{created}</td></tr>\n'
        )

    def _check_cell(self, pk: str) -> str:
        if not self.selectable:
            return ""
        return (
            f'<td class="col-check"><input type="checkbox" name="image_ids" value="{pk}"'
            f' aria-label="{self._select_image}" /></td>'
        )

    def _name_cell(self, image: Image, pk: str) -> str:
        link = f'<a href="{self._detail_url.format(pk)}">{escape(image.name)}</a>'
        if image.account_id == self.account.id:
            return link
        owner = escape(gettext("by %(owner)s") % {"owner": image.account.name})
        return (
            f'{link}<div class="small"><span class="badge badge-plain tag-shared">'
            f'{self._shared_with_you}</span> <span class="muted">{owner}</span></div>'
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
        progress = escape(
            gettext("%(done)s of %(total)s")
            % {"done": human_size(image.progress_done), "total": human_size(image.progress_total)}
        )
        html += (
            f' <progress class="progress" max="100" value="{percent}" title="{progress}">'
            f'{percent}%</progress> <span class="small muted">{percent}%</span>'
        )
    if image.status == Image.Status.ERROR:
        html += f'<div class="small error-text">{reason}</div>'
    elif note := image.status_note:
        html += f'<div class="small muted import-note">{escape(note)}</div>'
    return html
