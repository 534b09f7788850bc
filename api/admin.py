"""Staff see every API key and revoke keys; nobody reads a secret or makes a key here."""

from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from api.keys import apikey_revoke
from api.models import ApiKey


class RevokedFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [
            ("active", pgettext_lazy("API key state", "Active")),
            ("revoked", pgettext_lazy("API key state", "Revoked")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "user", "account", "created_at", "last_used_at", "revoked_at"]
    list_filter = [RevokedFilter, "account"]
    search_fields = ["name", "id", "user__username", "user__email", "account__name", "account__id"]
    list_select_related = ["user", "account"]
    fields = [
        "id",
        "name",
        "user",
        "account",
        "created_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        # Revoked keys stay, so that the work history's key IDs can be looked up.
        return False

    @admin.action(description=_("Revoke selected API keys"), permissions=["change"])
    def revoke(self, request: HttpRequest, queryset) -> None:
        revoked = 0
        for key in queryset.filter(revoked_at__isnull=True):
            apikey_revoke(key=key, actor=request.user)
            revoked += 1
        message = ngettext("Revoked %(count)d API key.", "Revoked %(count)d API keys.", revoked)
        self.message_user(request, message % {"count": revoked}, messages.SUCCESS)
