from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from console.models import Account, Membership, Profile, WorkHistory

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["account"]


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    extra = 0
    max_num = 1


class AccountMembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "id", "created_at"]
    search_fields = ["name", "id"]
    readonly_fields = ["id", "created_at"]
    inlines = [AccountMembershipInline]


admin.site.unregister(User)


@admin.register(User)
class ConsoleUserAdmin(UserAdmin):
    inlines = [MembershipInline, ProfileInline]


@admin.register(WorkHistory)
class WorkHistoryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the history is append-only."""

    list_display = [
        "work_time",
        "account",
        "resource_type",
        "resource_name",
        "event_topic",
        "work_details",
        "result",
        "worker_name",
    ]
    fields = [
        "work_time",
        "account",
        "resource_type",
        "resource_id",
        "resource_name",
        "event_topic",
        "work_details",
        "details",
        "result",
        "worker_id",
        "worker_name",
        "worker_email",
        "region",
    ]
    readonly_fields = ["work_details"]
    list_filter = ["result", "resource_type", "event_topic", "region"]
    search_fields = [
        "resource_id",
        "resource_name",
        "worker_name",
        "worker_email",
        "api_key",
        "account__id",
    ]
    date_hierarchy = "work_time"
    list_select_related = ["account"]

    @admin.display(description=_("Work details"))
    def work_details(self, row: WorkHistory) -> str:
        return row.work_details

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


admin.site.site_header = _("GPU Server Image console administration")
admin.site.site_title = _("GPU Server Image console")
admin.site.index_title = _("Administration")
