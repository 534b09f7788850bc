"""Image detail page: the header, the Details / Tags / Work History tabs, in-place
editing, and deletion (single and bulk)."""

import uuid
from contextlib import suppress
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.access import current_account, require_change
from console.activity import HistoryFilterForm, time_zone_name
from console.htmx import (
    ConsoleRequest,
    poll_delay,
    poll_round,
    redirect_after_change,
    render_page,
    trigger,
)
from console.models import WorkHistory
from console.paging import configure_table
from console.tables import WorkHistoryTable
from images import services
from images.access import get_image_for_change, get_image_for_read, is_owner
from images.detail_forms import EDITABLE, FORMS, TagForm
from images.history import DELETE_REFUSED_PROTECTED
from images.models import Image
from images.rules import MAX_TAGS, TEMPLATE_RULES, EditableField, display

TABS = (
    ("details", gettext_lazy("Details")),
    ("tags", gettext_lazy("Tags")),
    ("history", gettext_lazy("Work History")),
)
HISTORY_PAGE_SIZE = 20

SHARE_BLOCKED_VIEWER = gettext_lazy("Viewers have read-only access")
SHARE_BLOCKED_HINTS = {
    "server_origin": gettext_lazy("Images made from a GPU server cannot be shared"),
    "private": gettext_lazy("Set Visibility to Shared to share this image"),
    "importing": gettext_lazy("Only an Active image can be shared: wait for the import"),
    "import_failed": gettext_lazy("Only an Active image can be shared: retry the import first"),
}


def detail_queryset():
    return Image.objects.select_related("created_by", "edited_by").prefetch_related("shares")


@dataclass
class FieldState:
    """One editable row of the Details tab: shown, being edited, or asking to confirm."""

    spec: EditableField
    display: str
    form: forms.Form | None = None
    confirm_stop: int | None = None


def _fields(image: Image, editing: FieldState | None = None) -> dict[str, FieldState]:
    fields = {
        spec.name: FieldState(spec, display(spec.name, getattr(image, spec.name)))
        for spec in EDITABLE.values()
    }
    if editing is not None:
        editing.display = fields[editing.spec.name].display
        fields[editing.spec.name] = editing
    return fields


def _can_edit(request: ConsoleRequest, image: Image) -> bool:
    membership = getattr(request, "membership", None)
    return is_owner(request, image) and bool(membership and membership.can_change)


def _share_blocker(request: ConsoleRequest, image: Image) -> str:
    """Why the "Share to another Account" button is disabled, as a short hint."""
    if not _can_edit(request, image):
        return SHARE_BLOCKED_VIEWER
    blocker = image.share_blocker()
    return SHARE_BLOCKED_HINTS[blocker] if blocker else ""


def _base_context(request: ConsoleRequest, image: Image, tab: str = "details") -> dict:
    owner = is_owner(request, image)
    tabs = TABS if owner else TABS[:2]  # another account's work history is not ours to read
    return {
        "image": image,
        "is_owner": owner,
        "can_edit": _can_edit(request, image),
        "tab": tab if tab in dict(tabs) else "details",
        "tab_list": tabs,
        "share_blocker": _share_blocker(request, image),
        "servers_count": image.servers.count(),
        "tag_count": image.tags.count() if tab != "tags" else None,
        "poll_delay": poll_delay(0),
        "rules": TEMPLATE_RULES,
        "time_zone": time_zone_name(),
    }


def _tags_context(image: Image) -> dict:
    tags = list(image.tags.all())
    return {"tags": tags, "tag_count": len(tags), "tags_remaining": max(0, MAX_TAGS - len(tags))}


def _history_context(request: ConsoleRequest, image: Image) -> dict:
    rows = WorkHistory.objects.filter(account_id=image.account_id).for_resource(image.pk)
    form = HistoryFilterForm(request.GET)
    table = WorkHistoryTable(
        form.filter(rows),
        account=current_account(request),
        table_id="history-table",
        htmx_target="#image-tabs",
        time_zone=time_zone_name(),
        filtered=form.active,
    )
    configure_table(request, table, HISTORY_PAGE_SIZE)
    return {"history_form": form, "history_table": table}


def detail_context(request: ConsoleRequest, image: Image, tab: str, **extra) -> dict:
    context = _base_context(request, image, tab)
    tab = context["tab"]
    if tab == "details":
        context["fields"] = _fields(image, extra.pop("editing", None))
    elif tab == "tags":
        context.update(_tags_context(image))
        context.setdefault("tag_form", TagForm())
    else:
        context.update(_history_context(request, image))
    context.update(extra)
    return context


def _tab_url(image: Image, tab: str) -> str:
    return reverse("images:detail", args=[image.pk]) + f"?tab={tab}"


def render_detail(request: ConsoleRequest, image: Image, tab: str, partial: str = "", **extra):
    """The page, or one of its fragments for htmx (``tabs`` unless told otherwise)."""
    context = detail_context(request, image, tab, **extra)
    return render_page(request, "images/image_detail.html", context, fragment=partial or "tabs")


@require_GET
def image_detail(request: ConsoleRequest, pk) -> HttpResponse:
    image = get_image_for_read(request, pk, queryset=detail_queryset())
    extra = {}
    if request.GET.get("delete") == "1" and _can_edit(request, image):
        extra["delete_open"] = True  # the confirmation, for browsers without JavaScript
    return render_detail(request, image, request.GET.get("tab", "details"), **extra)


@require_GET
def image_detail_status(request: ConsoleRequest, pk) -> HttpResponse:
    """The header's status badge, polled while the image is Queued or Importing."""
    image = get_image_for_read(request, pk)
    round_ = poll_round(request, image.status)
    context = {
        "image": image,
        "can_edit": _can_edit(request, image),
        "poll_round": round_ + 1,
        "poll_delay": poll_delay(round_),
        "oob": True,
    }
    response = render(request, "images/image_detail.html#status-poll", context)
    if image.is_settled and request.GET.get("since") != image.status:
        # The rest of the page (sizes, hashes) changed too: the open tab reloads itself.
        trigger(response, "imageSettled")
    return response


def _editable(field: str) -> EditableField:
    spec = EDITABLE.get(field)
    if spec is None:
        raise Http404(_("This field cannot be edited."))
    return spec


@require_http_methods(["GET", "POST"])
def image_edit_field(request: ConsoleRequest, pk, field: str) -> HttpResponse:
    """Minimum Disk, Minimum RAM, Visibility or Protected, edited in place."""
    spec = _editable(field)
    image = get_image_for_change(request, pk, queryset=detail_queryset())
    if request.method == "GET":
        form = FORMS[spec.name](initial={spec.name: getattr(image, spec.name)})
        state = FieldState(spec, "", form=form)
        return render_detail(request, image, "details", partial="field", editing=state, f=state)
    form = FORMS[spec.name](request.POST)
    state = FieldState(spec, "", form=form)
    if form.is_valid():
        try:
            change = services.image_update(
                image=image,
                field=spec.name,
                value=form.cleaned_data[spec.name],
                actor=request.user,
                stop_shares=form.cleaned_data.get("stop_shares") or 0,
            )
        except services.SharesWouldStop as stop:
            state.confirm_stop = stop.count
        except ValidationError as error:
            form.add_error(spec.name, error)
        else:
            _report_change(request, spec, change)
            if not request.htmx:
                return redirect(_tab_url(image, "details"))
            image = get_image_for_read(request, pk, queryset=detail_queryset())
            return render_detail(request, image, "details", partial="details-updated")
    return render_detail(request, image, "details", partial="details", editing=state)


def _report_change(request: ConsoleRequest, spec: EditableField, change: services.ImageChange):
    if not change.changed:
        messages.info(request, _("%(field)s is unchanged.") % {"field": spec.label})
        return
    text = _("%(field)s is now %(value)s.") % {
        "field": spec.label,
        "value": display(spec.name, getattr(change.image, spec.name)),
    }
    if change.stopped_shares:
        n = change.stopped_shares
        stopped = ngettext(
            "Sharing with %(n)s account was stopped.", "Sharing with %(n)s accounts was stopped.", n
        )
        text += " " + stopped % {"n": n}
    messages.success(request, text)


@require_POST
def image_delete(request: ConsoleRequest, pk) -> HttpResponse:
    """ "Delete Image" on the detail page, after its confirmation dialog."""
    image = get_image_for_change(request, pk)
    outcome, name = services.image_delete(
        image_id=image.pk, account=current_account(request), actor=request.user
    )
    if outcome == services.DeleteOutcome.PROTECTED:
        messages.error(request, str(DELETE_REFUSED_PROTECTED(name=name)))
        target = reverse("images:detail", args=[image.pk])
    elif outcome == services.DeleteOutcome.DELETED:
        messages.success(request, _("Image %(name)s was deleted.") % {"name": name})
        target = reverse("images:list")
    else:  # deleted meanwhile by another request
        messages.warning(request, _("Image %(name)s no longer exists.") % {"name": image.name})
        target = reverse("images:list")
    return redirect_after_change(request, target)


OUTCOME_TEXT = {
    services.DeleteOutcome.DELETED: gettext_lazy("Deleted"),
    services.DeleteOutcome.PROTECTED: gettext_lazy("Not deleted: the image is protected"),
    services.DeleteOutcome.NOT_YOURS: gettext_lazy(
        "Not deleted: the image is shared with you, not yours"
    ),
    services.DeleteOutcome.NOT_FOUND: gettext_lazy("Not found"),
}


@require_POST
def image_bulk_delete(request: ConsoleRequest) -> HttpResponse:
    """Delete the checked images: a confirmation naming them, then a result per image."""
    require_change(request)
    account = current_account(request)
    ids = []
    for value in request.POST.getlist("image_ids"):
        with suppress(ValueError):  # a malformed id is simply not an image of ours
            ids.append(uuid.UUID(value))
    images = list(Image.objects.visible_to(account).select_related("account").filter(pk__in=ids))
    if not images:
        messages.warning(request, _("Select one or more images to delete."))
        return redirect("images:list")
    if request.POST.get("confirm") != "yes":
        return render(request, "images/image_bulk_delete_confirm.html", {"images": images})
    results = []
    for image in images:
        outcome, _name = services.image_delete(
            image_id=image.pk, account=account, actor=request.user
        )
        results.append((image, outcome, OUTCOME_TEXT[outcome]))
    deleted = sum(1 for _i, outcome, _t in results if outcome == services.DeleteOutcome.DELETED)
    refused = len(results) - deleted
    if deleted:
        text = ngettext("Deleted %(n)s image.", "Deleted %(n)s images.", deleted)
        messages.success(request, text % {"n": deleted})
    if refused:
        text = ngettext("%(n)s image was not deleted.", "%(n)s images were not deleted.", refused)
        messages.error(request, text % {"n": refused})
    return render(request, "images/image_bulk_delete_result.html", {"results": results})
