"""GPU server pages: the list, a server's detail and "Create Image" from its disk."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from console.access import current_account, get_for_account, require_change
from console.formats import human_size
from console.htmx import ConsoleRequest, redirect_after_change, render_page
from console.paging import PAGE_SIZES, configure_table, page_size
from images.models import Image
from servers import services as server_services
from servers.filters import ServerFilter
from servers.forms import ServerImageForm, suggested_image_name
from servers.models import GpuServer
from servers.tables import ServerImageTable, ServerTable

SERVER_IMAGES_PAGE_SIZE = 10


def _get_server(request: ConsoleRequest, pk) -> GpuServer:
    """A server of the current account, else 404 (never 403: IDs cannot be probed)."""
    return get_for_account(GpuServer.objects.select_related("image", "account"), request, pk=pk)


@require_GET
def server_list(request: ConsoleRequest) -> HttpResponse:
    account = current_account(request)
    queryset = GpuServer.objects.filter(account=account).select_related("image")
    server_filter = ServerFilter(request.GET or None, queryset=queryset)
    servers = server_filter.qs if server_filter.is_bound and server_filter.is_valid() else queryset
    per_page = page_size(request)
    filtered = any(request.GET.get(name) for name in ("name", "status"))
    table = ServerTable(servers, account=account, filtered=filtered)
    configure_table(request, table, per_page)
    context = {
        "filter": server_filter,
        "table": table,
        "per_page": per_page,
        "page_sizes": PAGE_SIZES,
        "sort": request.GET.get("sort", ""),
        "filtered": filtered,
    }
    return render_page(request, "servers/server_list.html", context, fragment="table")


def _image_context(server: GpuServer, form: ServerImageForm | None = None) -> dict:
    os_type = server_services.server_os_type(server)
    virtual_size = server_services.disk_virtual_size(server.root_disk) if server.root_disk else None
    return {
        "server": server,
        "form": form
        or ServerImageForm(ask_os_type=not os_type, initial={"name": suggested_image_name(server)}),
        "inherited_os_type": os_type and server.image.get_os_type_display(),
        "disk_virtual_size": virtual_size and human_size(virtual_size),
        "min_disk_gb": server_services.min_disk_gb_for(virtual_size),
    }


@require_GET
def server_detail(request: ConsoleRequest, pk) -> HttpResponse:
    server = _get_server(request, pk)
    account = current_account(request)
    context = {
        **_image_context(server),
        "image_visible": bool(
            server.image and Image.objects.visible_to(account).filter(pk=server.image_id).exists()
        ),
    }
    images = ServerImageTable(
        Image.objects.filter(account=account, source_server_id=server.pk), server=server
    )
    configure_table(request, images, SERVER_IMAGES_PAGE_SIZE)
    context["images_table"] = images
    return render_page(request, "servers/server_detail.html", context, fragment="images")


@require_http_methods(["GET", "POST"])
def server_create_image(request: ConsoleRequest, pk) -> HttpResponse:
    """The Create Image form: a popup on the detail page, or its own page without JS."""
    server = _get_server(request, pk)
    require_change(request)
    context = _image_context(server)
    status = 200
    if request.method == "POST":
        form = ServerImageForm(request.POST, ask_os_type=not context["inherited_os_type"])
        context["form"] = form
        if form.is_valid():
            try:
                image = server_services.server_image_create(
                    server=server,
                    account=current_account(request),
                    name=form.cleaned_data["name"],
                    os_type=form.cleaned_data.get("os_type", ""),
                    actor=request.user,
                )
            except ValidationError as error:
                form.add_error(None, error)
                # htmx swaps only 2xx answers; a plain POST says what went wrong.
                status = 200 if request.htmx else 409
            else:
                text = _(
                    "Image %(name)s is being created from server %(server)s. "
                    "It is queued and becomes Active once the disk is copied."
                )
                messages.success(request, text % {"name": image.name, "server": server.name})
                return redirect_after_change(request, "images:list")
    return render_page(
        request, "servers/server_create_image.html", context, fragment="form", status=status
    )
