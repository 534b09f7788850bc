"""Model rows in the API's shapes (the original service's image and member objects)."""

from datetime import datetime

from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest

from images.models import Image
from sharing.models import Share

# The last time anything about an image changed: an edit, or a step of its import.
UPDATED_AT = Greatest(
    F("created_at"), Coalesce("edited_at", "created_at"), Coalesce("heartbeat_at", "created_at")
)
NO_SIZE = Value(-1)


def _utc(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def updated_at(image: Image) -> datetime:
    return max(m for m in (image.created_at, image.edited_at, image.heartbeat_at) if m)


def image_out(image: Image) -> dict:
    """Needs ``account`` selected and ``tags`` prefetched for lists."""
    return {
        "id": image.id,
        "name": image.name,
        "status": image.status.lower(),
        "visibility": image.visibility.lower(),
        "protected": image.protected,
        "min_disk": image.min_disk_gb,
        "min_ram": image.min_ram_gb,
        "container_format": image.container_format,
        "disk_format": image.disk_format,
        "file": f"/v2/images/{image.id}/file",
        "os_hidden": False,
        "owner": image.account_id,
        "owner_account_name": image.account.name,
        "created_at": _utc(image.created_at),
        "updated_at": _utc(updated_at(image)),
        "checksum": image.checksum_md5 or None,
        "os_hash_algo": image.os_hash_algo if image.os_hash_value else None,
        "os_hash_value": image.os_hash_value or None,
        "os_distro": image.os_type,
        "size": image.size,
        "virtual_size": image.virtual_size,
        "url": image.file_url_shown or None,
        "scp_image_type": "gpu_custom",
        "scp_original_image_type": image.origin,
        "failure_reason": image.failure_reason or None,
        "tags": [{"key": t.key, "value": t.value} for t in image.tags.all()],
    }


def member_out(share: Share) -> dict:
    return {
        "image_id": share.image_id,
        "member_id": share.target_account_id,
        "status": share.status.lower(),
        "created_at": _utc(share.created_at),
        "updated_at": _utc(share.modified_at),
    }
