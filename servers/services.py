"""Making a custom image of a GPU server's disk ("Create Image" on the server's page).

The image is an ordinary image of origin ``server``: the import worker copies the server's
root disk from storage through the same streaming pass as any upload (hashes, qcow2
inspection, virtual size). Only a Running server can be imaged.
"""

import math

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from oslo_utils.imageutils import format_inspector

from console import work_history
from console.models import Account
from images.models import Image
from images.pipeline.storage import open_ranges
from images.rules import MAX_MIN_DISK_GB
from images.services import NewImage, image_create
from servers import history
from servers.models import GpuServer

TOPIC = work_history.Topic.CREATE_GPU_SERVER_IMAGE
GB = 1 << 30
# The qcow2 header (and the inspector's look at it) sits in the first bytes of the disk.
_HEADER_READ = 4096

ERROR_NOT_RUNNING = history.NOT_RUNNING().lazy()
ERROR_DISK_MISSING = history.DISK_MISSING().lazy()
ERROR_OS_TYPE = _("Select an OS type: the server was not created from an image the console knows.")


def disk_virtual_size(name: str) -> int | None:
    """The virtual size of the qcow2 disk stored as ``name``, or None if it cannot be read.

    Only the header is read. The import checks the whole file again; this is a default
    for Minimum Disk, not a verdict on the disk.
    """
    try:
        with open_ranges(name) as (read_range, _size):
            head = read_range(0, _HEADER_READ)
    except OSError:
        return None
    inspector = format_inspector.QcowInspector()
    try:
        inspector.eat_chunk(head)
        if not inspector.format_match:
            return None
        size = inspector.virtual_size
    except Exception:  # a damaged header: the import will say what is wrong with it
        return None
    return size if size > 0 else None


def min_disk_gb_for(virtual_size: int | None) -> int:
    """Minimum Disk: the disk's virtual size rounded up to whole GB (GiB), within the limit."""
    if not virtual_size:
        return 0
    return min(MAX_MIN_DISK_GB, math.ceil(virtual_size / GB))


def server_os_type(server: GpuServer) -> str:
    """The OS type the new image inherits: that of the image the server was created from."""
    return server.image.os_type if server.image_id and server.image else ""


def server_image_create(
    *, server: GpuServer, account: Account, name: str, os_type: str = "", actor
) -> Image:
    """Create a server-origin image of ``server``'s root disk, Queued for import.

    The server row is locked so that the check "it is Running" holds while the image is
    created. A refusal (the server is not Running, its disk is gone) writes one Failure row
    against the server and raises ValidationError; success writes the image's
    "CreateGpuServerImage" row and nothing else.
    """
    refusal = reason = None
    with transaction.atomic():
        locked = (
            GpuServer.objects.select_for_update(of=("self",))
            .select_related("image")
            .get(pk=server.pk, account=account)
        )
        if locked.status != GpuServer.Status.RUNNING:
            reason = history.NOT_RUNNING()
            refusal = ValidationError(str(reason), code="server_not_running")
        elif not locked.root_disk or not default_storage.exists(locked.root_disk):
            reason = history.DISK_MISSING()
            refusal = ValidationError(str(reason), code="server_disk_missing")
        if refusal is not None:
            work_history.record(
                account=account,
                resource_type=work_history.ResourceType.GPU_SERVER,
                resource_id=locked.pk,
                resource_name=locked.name,
                topic=TOPIC,
                message=history.IMAGE_REFUSED(name=name, reason=reason),
                result=work_history.FAILURE,
                actor=actor,
            )
        else:
            os_type = server_os_type(locked) or os_type
            if not os_type:
                raise ValidationError(ERROR_OS_TYPE, code="os_type_required")
            new = NewImage(
                name=name,
                os_type=os_type,
                min_disk_gb=min_disk_gb_for(disk_virtual_size(locked.root_disk)),
                min_ram_gb=0,
                visibility=Image.Visibility.PRIVATE,
            )
            return image_create(
                account=account,
                actor=actor,
                new=new,
                origin=Image.Origin.SERVER,
                source_file=locked.root_disk,
                source_server_id=locked.pk,
                topic=TOPIC,
            )
    # Raised after the commit so that the Failure row stays.
    raise refusal
