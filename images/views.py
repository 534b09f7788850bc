"""Image list, row refresh, Create Image and Retry import."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from console.access import current_account, require_change
from console.htmx import ConsoleRequest, poll_round, redirect_after_change, render_page
from console.paging import PAGE_SIZES, configure_table, page_size
from images import services
from images.access import get_image_for_change, get_image_for_read
from images.filters import ImageFilter
from images.forms import ImageCreateForm
from images.models import Image, size_sort_key
from images.rules import TEMPLATE_RULES
from images.tables import ImageTable
from images.uploads import STORAGE_DOWN_FLAG, TOO_LARGE_FLAG


def _list_context(request: ConsoleRequest) -> dict:
    account = current_account(request)
    per_page = page_size(request)
    filtered = any(request.GET.get(name) for name in ImageFilter.base_filters)
    can_change = bool(request.membership and request.membership.can_change)
    # Own images and accepted shares are read as two parts, each by its own index, and
    # paged by keyset: a page costs its rows, not the account's (or the table's) size.
    # Own rows need no join (their account is the current one); ``merge`` reads a page
    # that mixes both parts back with the owners.
    base = Image.objects.annotate(size_sort=size_sort_key())
    own, shared = (_filtered(request, part)[0] for part in base.visible_parts(account))
    image_filter = _filtered(request, base.none())[1]
    table = ImageTable(own, account=account, filtered=filtered, can_change=can_change)
    merge = base.select_related("account")
    page = configure_table(request, table, per_page, other_parts=[shared], merge=merge)
    return {
        "filter": image_filter,
        "table": table,
        "page": page,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "sort": request.GET.get("sort", ""),
        "filtered": filtered,
    }


def _filtered(request: ConsoleRequest, queryset) -> tuple:
    image_filter = ImageFilter(request.GET or None, queryset=queryset)
    if image_filter.is_bound and image_filter.is_valid():
        return image_filter.qs, image_filter
    return queryset, image_filter


@require_GET
def image_list(request: ConsoleRequest) -> HttpResponse:
    return render_page(request, "images/image_list.html", _list_context(request), fragment="table")


@require_GET
def image_row(request: ConsoleRequest, pk) -> HttpResponse:
    """One list row, polled by rows that are still Queued or Importing."""
    image = get_image_for_read(request, pk)
    table = ImageTable(
        [image],
        account=current_account(request),
        poll_round=poll_round(request, image.poll_watch),
        can_change=bool(request.membership and request.membership.can_change),
    )
    return HttpResponse(table.render_row(image))


@require_http_methods(["GET", "POST"])
def image_create(request: ConsoleRequest) -> HttpResponse:
    require_change(request)
    if request.method == "POST":
        data, files = request.POST, request.FILES
        form = ImageCreateForm(
            data,
            files,
            upload_too_large=getattr(request, TOO_LARGE_FLAG, False),
            upload_storage_down=getattr(request, STORAGE_DOWN_FLAG, False),
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
                created = _("Image %(name)s was created and is queued for import.")
                messages.success(request, created % {"name": image.name})
                return redirect_after_change(request, "images:list")
    else:
        form = ImageCreateForm()
    return render(
        request,
        "images/image_create.html",
        {
            "form": form,
            "max_image_bytes": settings.CONSOLE_MAX_IMAGE_BYTES,
            "rules": TEMPLATE_RULES,
        },
    )


@require_POST
def image_retry(request: ConsoleRequest, pk) -> HttpResponse:
    image = get_image_for_change(request, pk)
    try:
        services.image_retry(image=image, actor=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(
            request, _("Image %(name)s is queued for import again.") % {"name": image.name}
        )
    return redirect_after_change(request, "images:detail", pk=image.pk)
