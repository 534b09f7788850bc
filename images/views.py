"""Image list, row refresh, Create Image and Retry import."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.access import current_account, require_change
from console.paging import PAGE_SIZES, configure_keyset_table, page_size
from images import services
from images.access import get_image_for_change, get_image_for_read
from images.filters import ImageFilter
from images.forms import ImageCreateForm
from images.models import Image, size_sort_key
from images.tables import ImageTable
from images.uploads import TOO_LARGE_FLAG


def _int(value: str | None, default: int) -> int:
    try:
        return int(value or default)
    except ValueError:
        return default


def _list_context(request: HttpRequest) -> dict:
    account = current_account(request)
    per_page = page_size(request)
    filtered = any(request.GET.get(name) for name in ("name", "status", "os_type", "visibility"))
    # Own images and accepted shares are read as two parts, each by its own index, and
    # paged by keyset: a page costs its rows, not the account's (or the table's) size.
    # Own rows need no join (their account is the current one); ``merge`` reads a page
    # that mixes both parts back with the owners.
    base = Image.objects.annotate(size_sort=size_sort_key())
    own, shared = (_filtered(request, part)[0] for part in base.visible_parts(account))
    image_filter = _filtered(request, base.none())[1]
    table = ImageTable(own, account=account, filtered=filtered)
    merge = base.select_related("account")
    page = configure_keyset_table(request, table, per_page, other_parts=[shared], merge=merge)
    return {
        "filter": image_filter,
        "table": table,
        "page": page,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "sort": request.GET.get("sort", ""),
        "filtered": filtered,
    }


def _filtered(request: HttpRequest, queryset) -> tuple:
    image_filter = ImageFilter(request.GET or None, queryset=queryset)
    if image_filter.is_bound and image_filter.is_valid():
        return image_filter.qs, image_filter
    return queryset, image_filter


@require_GET
def image_list(request: HttpRequest) -> HttpResponse:
    context = _list_context(request)
    if request.htmx and not request.htmx.boosted:
        response = render(request, "images/image_list.html#table", {**context, "oob": True})
    else:
        response = render(request, "images/image_list.html", context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
def image_row(request: HttpRequest, pk) -> HttpResponse:
    """One list row, polled by rows that are still Queued or Importing."""
    image = get_image_for_read(request, pk)
    poll_round = _int(request.GET.get("round"), 0)
    if request.GET.get("since") != image.status:
        poll_round = 0  # something moved: look again soon
    table = ImageTable([image], account=current_account(request), poll_round=poll_round)
    return HttpResponse(table.render_row(image))


@require_http_methods(["GET", "POST"])
def image_create(request: HttpRequest) -> HttpResponse:
    require_change(request)
    if request.method == "POST":
        data, files = request.POST, request.FILES
        form = ImageCreateForm(
            data, files, upload_too_large=getattr(request, TOO_LARGE_FLAG, False)
        )
        if form.is_valid():
            new = services.NewImage(
                name=form.cleaned_data["name"],
                os_type=form.cleaned_data["os_type"],
                min_disk_gb=form.cleaned_data["min_disk_gb"],
                min_ram_gb=form.cleaned_data["min_ram_gb"],
                visibility=form.cleaned_data["visibility"],
                protected=form.cleaned_data["protected"],
                file_url=form.cleaned_data["file_url"],
                tags=form.tags,
            )
            try:
                image = services.image_create(
                    account=current_account(request),
                    actor=request.user,
                    new=new,
                    upload=form.cleaned_data.get("upload"),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request, f"Image {image.name} was created and is queued for import."
                )
                return redirect("images:list")
    else:
        form = ImageCreateForm()
    return render(
        request,
        "images/image_create.html",
        {"form": form, "max_image_bytes": settings.CONSOLE_MAX_IMAGE_BYTES},
    )


@require_POST
def image_retry(request: HttpRequest, pk) -> HttpResponse:
    image = get_image_for_change(request, pk)
    try:
        services.image_retry(image=image, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, f"Image {image.name} is queued for import again.")
    return redirect("images:detail", pk=image.pk)
