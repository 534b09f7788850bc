"""/v1/servers/{server_id}/images: a custom image of a GPU server's disk."""

from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Status

from api.acting import acting
from api.responses import CHANGE, answers
from api.schemas import ServerImageIn, ServerImageOut
from console.access import get_for_account, require_change
from servers import services as server_services
from servers.models import GpuServer

router = Router(tags=["GPU servers"])


@router.post(
    "/servers/{server_id}/images",
    response=answers({202: ServerImageOut}, CHANGE),
    summary="Create an image of a GPU server's disk",
    description=(
        "The server must be running. The image starts queued and becomes active once the "
        "disk is copied; it cannot be shared with other accounts."
    ),
)
def create_server_image(request: HttpRequest, server_id: UUID, payload: ServerImageIn):
    server = get_for_account(GpuServer.objects.select_related("image"), request, pk=server_id)
    require_change(request)
    with acting(request, "os_distro") as actor:
        image = server_services.server_image_create(
            server=server,
            account=request.account,
            name=payload.image_name,
            os_type=payload.os_distro or "",
            actor=actor,
        )
    return Status(202, {"image_id": image.pk})
