"""The Tags tab: add, change and delete an image's tags, and suggest keys and values
already used in the current account."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.access import current_account
from console.distinct import distinct_values
from console.htmx import ConsoleRequest
from images import services
from images.access import get_image_for_change
from images.detail_forms import TagForm
from images.detail_views import detail_queryset, render_detail
from images.models import Image, Tag

MAX_SUGGESTIONS = 20


def _tags_url(image: Image) -> str:
    return reverse("images:detail", args=[image.pk]) + "?tab=tags"


def _done(request: ConsoleRequest, image: Image, message: str) -> HttpResponse:
    messages.success(request, message)
    if not request.htmx:
        return redirect(_tags_url(image))
    return render_detail(request, image, "tags", partial="tags")


@require_POST
def tag_add(request: ConsoleRequest, pk) -> HttpResponse:
    image = get_image_for_change(request, pk, queryset=detail_queryset())
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            tag = services.tag_create(
                image=image,
                key=form.cleaned_data["key"],
                value=form.cleaned_data["value"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, image, _("Tag %(key)s was added.") % {"key": tag.key})
    return render_detail(request, image, "tags", partial="tags", tag_form=form)


def _tag_of(image: Image, tag_id: int) -> Tag:
    tag = Tag.objects.filter(image=image, pk=tag_id).first()
    if tag is None:
        raise Http404(_("No such tag."))
    return tag


@require_http_methods(["GET", "POST"])
def tag_edit(request: ConsoleRequest, pk, tag_id: int) -> HttpResponse:
    image = get_image_for_change(request, pk, queryset=detail_queryset())
    tag = _tag_of(image, tag_id)
    if request.method == "GET":
        form = TagForm(initial={"key": tag.key, "value": tag.value})
        return render_detail(
            request, image, "tags", partial="tag-row", tag=tag, editing_tag=tag.pk, edit_form=form
        )
    form = TagForm(request.POST)
    if form.is_valid():
        try:
            tag = services.tag_update(
                image=image,
                tag_id=tag.pk,
                key=form.cleaned_data["key"],
                value=form.cleaned_data["value"],
                actor=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _done(request, image, _("Tag %(key)s was saved.") % {"key": tag.key})
    return render_detail(request, image, "tags", partial="tags", editing_tag=tag.pk, edit_form=form)


@require_http_methods(["GET", "POST"])
def tag_delete(request: ConsoleRequest, pk, tag_id: int) -> HttpResponse:
    """Delete a tag; GET asks for confirmation (the dialog's page without JavaScript)."""
    image = get_image_for_change(request, pk, queryset=detail_queryset())
    tag = _tag_of(image, tag_id)
    if request.method == "GET":
        return render(request, "images/tag_delete_confirm.html", {"image": image, "tag": tag})
    try:
        services.tag_delete(image=image, tag_id=tag.pk, actor=request.user)
    except ValidationError as error:  # deleted meanwhile by another request
        messages.warning(request, error.messages[0])
        if not request.htmx:
            return redirect(_tags_url(image))
        return render_detail(request, image, "tags", partial="tags")
    return _done(request, image, _("Tag %(key)s was deleted.") % {"key": tag.key})


@require_GET
def tag_suggestions(request: ConsoleRequest, part: str) -> HttpResponse:
    """<option>s for the key or value datalist: what the current account's own images
    already use, starting with what was typed. Fired per keystroke, so it walks the
    account's tag index one distinct value at a time instead of reading every tag."""
    if part not in ("key", "value"):
        raise Http404(_("Unknown suggestion list."))
    if any("\x00" in request.GET.get(name, "") for name in ("key", "value")):
        # No tag holds a NUL character (the forms refuse it) and PostgreSQL cannot
        # even compare one: nothing to suggest.
        return render(request, "images/_tag_suggestions.html", {"options": []})
    account = current_account(request)
    if part == "key":
        options = distinct_values(
            Tag,
            "key",
            {"account": account.id},
            prefix=request.GET.get("key", "").strip(),
            limit=MAX_SUGGESTIONS,
        )
    else:
        where = {"account": account.id}
        if key := request.GET.get("key", "").strip():
            where["key"] = key
        options = distinct_values(
            Tag,
            "value",
            where,
            prefix=request.GET.get("value", "").strip(),
            skip_empty=True,
            limit=MAX_SUGGESTIONS,
        )
    return render(request, "images/_tag_suggestions.html", {"options": options})
