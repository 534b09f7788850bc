"""Image detail page: the header, the Details / Tags / Work History tabs, in-place
editing, and deletion (single and bulk)."""

import uuid
from contextlib import suppress
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from console.access import current_account, require_change
from console.activity import ORDERING, HistoryFilterForm, time_zone_name
from console.distinct import distinct_values
from console.models import WorkHistory
from console.paging import keyset_page
from images import services
from images.access import get_image_for_change, get_image_for_read, is_owner
from images.detail_forms import EDITABLE, EditableField, TagForm
from images.models import MAX_TAGS, Image
from images.tables import poll_delay
from sharing.services import image_share_blocker

TABS = (("details", "Details"), ("tags", "Tags"), ("history", "Work History"))
HISTORY_PAGE_SIZE = 20

SHARE_BLOCKED_VIEWER = "Viewers have read-only access"
SHARE_BLOCKED_HINTS = {
    "server_origin": "Images made from a GPU server cannot be shared",
    "private": "Set Visibility to Shared to share this image",
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


def _display(image: Image, name: str) -> str:
    value = getattr(image, name)
    if name in ("min_disk_gb", "min_ram_gb"):
        return f"{value:,} GB"
    if name == "protected":
        return "On" if value else "Off"
    return str(value)


def _fields(image: Image, editing: FieldState | None = None) -> dict[str, FieldState]:
    fields = {spec.name: FieldState(spec, _display(image, spec.name)) for spec in EDITABLE.values()}
    if editing is not None:
        editing.display = fields[editing.spec.name].display
        fields[editing.spec.name] = editing
    return fields


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _can_edit(request: HttpRequest, image: Image) -> bool:
    membership = getattr(request, "membership", None)
    return is_owner(request, image) and bool(membership and membership.can_change)


def _share_blocker(request: HttpRequest, image: Image) -> str:
    """Why the "Share to another Account" button is disabled, as a short hint."""
    if not _can_edit(request, image):
        return SHARE_BLOCKED_VIEWER
    blocker = image_share_blocker(image)
    return SHARE_BLOCKED_HINTS[blocker.code] if blocker is not None else ""


def _base_context(request: HttpRequest, image: Image, tab: str = "details") -> dict:
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
        "max_tags": MAX_TAGS,
        "time_zone": time_zone_name(),
    }


def _tags_context(image: Image) -> dict:
    tags = list(image.tags.all())
    return {"tags": tags, "tag_count": len(tags), "tags_remaining": max(0, MAX_TAGS - len(tags))}


def _history_context(request: HttpRequest, image: Image) -> dict:
    rows = WorkHistory.objects.filter(account_id=image.account_id).for_resource(image.pk)
    # An image may have tens of thousands of rows: its topics are read one index step
    # per topic, its pages by keyset.
    topics = distinct_values(
        WorkHistory,
        "event_topic",
        {"resource_id": str(image.pk), "account": image.account_id},
        limit=200,
    )
    form = HistoryFilterForm(request.GET, topics=topics)
    page = keyset_page(request, [form.filter(rows)], HISTORY_PAGE_SIZE, ordering=ORDERING)
    return {"history_form": form, "page": page, "existing_images": set()}


def detail_context(request: HttpRequest, image: Image, tab: str, **extra) -> dict:
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


def render_detail(request: HttpRequest, image: Image, tab: str, partial: str = "", **extra):
    """The page, or one of its fragments for htmx (``tabs`` unless told otherwise)."""
    context = detail_context(request, image, tab, **extra)
    template = "images/image_detail.html"
    if request.htmx and not request.htmx.boosted:
        template += "#" + (partial or "tabs")
        context["oob"] = True
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def image_detail(request: HttpRequest, pk) -> HttpResponse:
    image = get_image_for_read(request, pk, queryset=detail_queryset())
    extra = {}
    if request.GET.get("delete") == "1" and _can_edit(request, image):
        extra["delete_open"] = True  # the confirmation, for browsers without JavaScript
    return render_detail(request, image, request.GET.get("tab", "details"), **extra)


@require_GET
def image_detail_status(request: HttpRequest, pk) -> HttpResponse:
    """The header's status badge, polled while the image is Queued or Importing."""
    image = get_image_for_read(request, pk)
    since = request.GET.get("since", "")
    poll_round = _int(request.GET.get("round"))
    if since != image.status:
        poll_round = 0  # something moved: look again soon
    context = {
        "image": image,
        "can_edit": _can_edit(request, image),
        "poll_round": poll_round + 1,
        "poll_delay": poll_delay(poll_round),
        "oob": True,
    }
    response = render(request, "images/image_detail.html#status-poll", context)
    if image.is_settled and since != image.status:
        # The rest of the page (sizes, hashes) changed too: the open tab reloads itself.
        response["HX-Trigger"] = "imageSettled"
    return response


def _editable(field: str) -> EditableField:
    spec = EDITABLE.get(field)
    if spec is None:
        raise Http404("This field cannot be edited.")
    return spec


@require_http_methods(["GET", "POST"])
def image_edit_field(request: HttpRequest, pk, field: str) -> HttpResponse:
    """Minimum Disk, Minimum RAM, Visibility or Protected, edited in place."""
    spec = _editable(field)
    image = get_image_for_change(request, pk, queryset=detail_queryset())
    if request.method == "GET":
        form = spec.form_class(initial={spec.name: getattr(image, spec.name)})
        state = FieldState(spec, "", form=form)
        return render_detail(request, image, "details", partial="field", editing=state, f=state)
    form = spec.form_class(request.POST)
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
                return redirect(reverse("images:detail", args=[image.pk]) + "?tab=details")
            image = get_image_for_read(request, pk, queryset=detail_queryset())
            return render_detail(request, image, "details", partial="details-updated")
    return render_detail(request, image, "details", partial="details", editing=state)


def _report_change(request: HttpRequest, spec: EditableField, change: services.ImageChange):
    if not change.changed:
        messages.info(request, f"{spec.label} is unchanged.")
        return
    text = f"{spec.label} is now {_display(change.image, spec.name)}."
    if change.stopped_shares:
        n = change.stopped_shares
        text += f" Sharing with {n} account{'s' if n != 1 else ''} was stopped."
    messages.success(request, text)


@require_POST
def image_delete(request: HttpRequest, pk) -> HttpResponse:
    """ "Delete Image" on the detail page, after its confirmation dialog."""
    image = get_image_for_change(request, pk)
    outcome, name = services.image_delete(
        image_id=image.pk, account=current_account(request), actor=request.user
    )
    if outcome == services.DeleteOutcome.PROTECTED:
        messages.error(request, services.REFUSED_PROTECTED.format(name=name))
        target = reverse("images:detail", args=[image.pk])
    elif outcome == services.DeleteOutcome.DELETED:
        messages.success(request, f"Image {name} was deleted.")
        target = reverse("images:list")
    else:  # deleted meanwhile by another request
        messages.warning(request, f"Image {image.name} no longer exists.")
        target = reverse("images:list")
    return HttpResponseClientRedirect(target) if request.htmx else redirect(target)


OUTCOME_TEXT = {
    services.DeleteOutcome.DELETED: "Deleted",
    services.DeleteOutcome.PROTECTED: "Not deleted: the image is protected",
    services.DeleteOutcome.NOT_YOURS: "Not deleted: the image is shared with you, not yours",
    services.DeleteOutcome.NOT_FOUND: "Not found",
}


@require_POST
def image_bulk_delete(request: HttpRequest) -> HttpResponse:
    """Delete the checked images: a confirmation naming them, then a result per image."""
    require_change(request)
    account = current_account(request)
    ids = []
    for value in request.POST.getlist("image_ids"):
        with suppress(ValueError):  # a malformed id is simply not an image of ours
            ids.append(uuid.UUID(value))
    images = list(Image.objects.visible_to(account).select_related("account").filter(pk__in=ids))
    if not images:
        messages.warning(request, "Select one or more images to delete.")
        return redirect("images:list")
    if request.POST.get("confirm") != "yes":
        return render(request, "images/image_bulk_delete_confirm.html", {"images": images})
    results = []
    for image in images:
        outcome, _ = services.image_delete(image_id=image.pk, account=account, actor=request.user)
        results.append((image, outcome, OUTCOME_TEXT[outcome]))
    deleted = sum(1 for _, outcome, _ in results if outcome == services.DeleteOutcome.DELETED)
    refused = len(results) - deleted
    if deleted:
        messages.success(request, f"Deleted {deleted} image{'s' if deleted != 1 else ''}.")
    if refused:
        messages.error(
            request, f"{refused} image{'s were' if refused != 1 else ' was'} not deleted."
        )
    return render(request, "images/image_bulk_delete_result.html", {"results": results})
