from django.contrib import admin

from servers.forms import GpuServerAdminForm
from servers.models import GpuServer


@admin.register(GpuServer)
class GpuServerAdmin(admin.ModelAdmin):
    """Staff create servers here; the root disk is the storage name of its qcow2 file."""

    form = GpuServerAdminForm
    list_display = ["name", "account", "status", "gpu_type", "gpu_count", "image", "created_at"]
    list_filter = ["status", "gpu_type", "account"]
    search_fields = ["name", "id", "account__name", "account__id", "root_disk"]
    list_select_related = ["account", "image"]
    autocomplete_fields = ["account"]
    raw_id_fields = ["image"]
    readonly_fields = ["id", "created_at"]
    fields = [
        "id",
        "account",
        "name",
        "status",
        ("gpu_type", "gpu_count"),
        "flavor",
        "image",
        "root_disk",
        "created_at",
    ]
