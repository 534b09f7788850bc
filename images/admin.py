"""Images in the admin site: staff look at any image; changes go through the services."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from images import services
from images.models import Image, Tag


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


OUTCOME_LABELS = {
    services.DeleteOutcome.DELETED: _("deleted"),
    services.DeleteOutcome.PROTECTED: _("protected"),
    services.DeleteOutcome.NOT_YOURS: _("not yours"),
    services.DeleteOutcome.NOT_FOUND: _("not found"),
}


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "id",
        "account",
        "status",
        "os_type",
        "visibility",
        "protected",
        "origin",
        "size",
        "created_at",
    ]
    list_filter = ["status", "origin", "visibility", "protected", "os_type", "account"]
    search_fields = ["name", "id", "account__name", "account__id", "os_hash_value"]
    list_select_related = ["account"]
    date_hierarchy = "created_at"
    inlines = [TagInline]
    actions = ["retry_import", "delete_through_console"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # images are created in the console, where they are imported

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # every change is a service call with its work history

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False  # see delete_through_console: files and history must follow

    @admin.action(description=_("Retry the import of the selected images that failed"))
    def retry_import(self, request: HttpRequest, queryset) -> None:
        done = 0
        for image in queryset.filter(status=Image.Status.ERROR):
            services.image_retry(image=image, actor=request.user)
            done += 1
        text = ngettext(
            "%(n)s image queued for import again.", "%(n)s images queued for import again.", done
        )
        self.message_user(request, text % {"n": done})

    @admin.action(description=_("Delete the selected images (protected ones are kept)"))
    def delete_through_console(self, request: HttpRequest, queryset) -> None:
        outcomes: dict[str, int] = {}
        for image in queryset.select_related("account"):
            outcome, _name = services.image_delete(
                image_id=image.pk, account=image.account, actor=request.user
            )
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
        level = (
            messages.WARNING if outcomes.get(services.DeleteOutcome.PROTECTED) else messages.INFO
        )
        summary = ", ".join(
            f"{OUTCOME_LABELS[outcome]}: {count}" for outcome, count in outcomes.items()
        )
        self.message_user(request, _("Delete: %(summary)s.") % {"summary": summary}, level)
