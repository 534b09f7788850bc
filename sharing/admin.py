from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from images.admin import image_search
from images.models import Image
from sharing import services
from sharing.models import Share


@admin.register(Share)
class ShareAdmin(admin.ModelAdmin):
    """Staff look at shares and may stop them. Status changes belong to the receiving
    account and go through the services (which write the work history), so nothing is
    edited here and deletion is the "Stop sharing" action, recorded like the owner's."""

    list_display = [
        "image",
        "owner_account",
        "target_account_id",
        "status",
        "requested_by",
        "created_at",
        "modified_at",
    ]
    list_filter = ["status", "image__visibility", "image__origin", "created_at", "modified_at"]
    search_fields = ["target_account_id"]  # see get_search_results
    search_help_text = _("An approved account ID, or an image as the image search finds it.")
    list_select_related = ["image", "image__account", "requested_by"]
    show_full_result_count = False
    readonly_fields = [
        "image",
        "target_account_id",
        "status",
        "requested_by",
        "created_at",
        "modified_at",
    ]
    actions = ["stop_sharing"]

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        images = image_search(Image.objects.all(), term).values("pk")
        return queryset.filter(Q(target_account_id=term) | Q(image__in=images)), False

    @admin.display(description=_("Owner account"), ordering="image__account__name")
    def owner_account(self, share: Share) -> str:
        return share.image.account.name

    @admin.action(description=_("Stop sharing (delete the selected shares)"), permissions=["stop"])
    def stop_sharing(self, request: HttpRequest, queryset) -> None:
        stopped = 0
        for share in queryset:
            try:
                services.share_stop(share=share, actor=request.user)
            except ValidationError:
                continue
            stopped += 1
        text = ngettext("Stopped %(n)s share.", "Stopped %(n)s shares.", stopped)
        self.message_user(request, text % {"n": stopped}, messages.SUCCESS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_stop_permission(self, request: HttpRequest) -> bool:
        # Stopping deletes the share: staff allowed to delete shares may do it, through
        # the service that records it.
        return request.user.has_perm("sharing.delete_share")
