"""Pending shares: what other accounts shared with the current account."""

import django_tables2 as tables
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from console.formats import human_size as human_bytes
from console.formats import time_html
from console.paging import HtmxTable
from sharing.models import Share


class PendingShareTable(HtmxTable):
    name = tables.Column(verbose_name=_("Image name"), accessor="image__name")
    image_id = tables.Column(verbose_name=_("Image ID"))
    owner = tables.Column(verbose_name=_("Shared by"), accessor="image__account__name")
    os_type = tables.Column(verbose_name=_("OS type"), accessor="image__os_type")
    size = tables.Column(
        verbose_name=_("Size"), accessor="image__size", attrs={"td": {"class": "nowrap"}}
    )
    modified_at = tables.Column(verbose_name=_("Requested"), attrs={"td": {"class": "nowrap"}})
    actions = tables.Column(
        verbose_name=_("Actions"),
        accessor="image_id",
        attrs={
            "th": {"class": "col-actions"},
            "td": {"class": "col-actions"},
        },
    )

    htmx_target = "#pending-section"
    empty_title = _("No pending shares")

    class Meta(HtmxTable.Meta):
        model = Share
        fields = ("name", "image_id", "owner", "os_type", "size", "modified_at", "actions")
        attrs = {"class": "table", "id": "pending-shares"}
        row_attrs = {"id": lambda record: f"pending-share-{record.image_id}"}
        orderable = False

    def __init__(self, *args, request, account, can_change: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.request = request
        if not can_change:
            self.columns.hide("actions")
        hint = _(
            "When another account shares an image with %(account)s, it waits here until you "
            "accept or reject it."
        )
        self.empty_hint = hint % {"account": account.name}
        if can_change:
            self.empty_hint = format_html(
                _('{hint} If you were given an Image ID, use <a href="{url}">Get Image Share</a>.'),
                hint=self.empty_hint,
                url=reverse("sharing:receive"),
            )

    def render_name(self, value: str) -> SafeString:
        return format_html("<strong>{}</strong>", value)

    def render_image_id(self, value) -> SafeString:
        return format_html(
            '<span class="mono truncate image-id" title="{0}">{0}</span> <button type="button" '
            'class="icon-btn" data-copy="{0}" aria-label="{1}" title="{1}">'
            "</button>",
            value,
            _("Copy Image ID"),
        )

    def render_owner(self, record: Share, value: str) -> SafeString:
        return format_html(
            '{}<div class="small muted"><span class="mono truncate owner-id" title="{}">{}</span>'
            "</div>",
            value,
            record.image.account_id,
            record.image.account_id,
        )

    def render_os_type(self, record: Share) -> str:
        return record.image.get_os_type_display()

    def render_size(self, value: int | None) -> str:
        return human_bytes(value)

    def render_modified_at(self, value) -> SafeString | str:
        # Only the time: who requested it is the owning account's business (its users'
        # names stay with it); "Shared by" names the account.
        return time_html(value, "SHORT_DATETIME_FORMAT")

    def render_actions(self, record: Share) -> SafeString:
        csrf = get_token(self.request)
        forms = []
        for url_name, label, described, css in (
            ("sharing:accept", _("Accept"), _("Accept %(name)s"), "btn-primary"),
            ("sharing:reject", _("Reject"), _("Reject %(name)s"), "btn-danger-outline"),
        ):
            url = reverse(url_name, args=[record.image_id])
            forms.append(
                format_html(
                    '<form method="post" action="{0}" hx-post="{0}" hx-target="#pending-section" '
                    'hx-swap="outerHTML"><input type="hidden" name="csrfmiddlewaretoken" '
                    'value="{1}"><button type="submit" class="btn btn-small {2}" '
                    'aria-label="{4}">{3}</button></form>',
                    url,
                    csrf,
                    css,
                    label,
                    described % {"name": record.image.name},
                )
            )
        return format_html('<div class="row-actions">{}{}</div>', *forms)
