import re

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.http import HttpRequest

from console.activity import KNOWN_TOPICS
from console.models import Account, Membership, WorkHistory
from console.paging import EstimatedCountPaginator
from console.server_forms import GpuServerAdminForm
from console.servers import GpuServer

User = get_user_model()


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 1
    autocomplete_fields = ["account"]


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
    inlines = [MembershipInline]


ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
RESOURCE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


class _ChoicesFilter(admin.SimpleListFilter):
    """A filter offering fixed choices: the admin's default lists every value found by a
    DISTINCT over the whole table, on every page."""

    values: tuple[str, ...] = ()

    def lookups(self, request, model_admin):
        return [(value, value) for value in self.values]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(**{self.parameter_name: self.value()})
        return queryset


class TopicFilter(_ChoicesFilter):
    title = "event topic"
    parameter_name = "event_topic"
    values = KNOWN_TOPICS


class ResourceTypeFilter(_ChoicesFilter):
    title = "resource type"
    parameter_name = "resource_type"
    values = ("Image", "GpuServer")


@admin.register(WorkHistory)
class WorkHistoryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the history is append-only.

    Built for millions of rows: fixed filter choices, a search that uses indexes, an
    estimated count beyond 10,000, no date hierarchy (a DISTINCT over every row)."""

    list_display = [
        "work_time",
        "account",
        "resource_type",
        "resource_name",
        "event_topic",
        "result",
        "worker_name",
    ]
    list_filter = ["result", ResourceTypeFilter, TopicFilter]
    search_fields = ["resource_name"]  # see get_search_results
    search_help_text = "Part of a resource name, a resource ID or an account ID."
    list_select_related = ["account"]
    show_full_result_count = False
    paginator = EstimatedCountPaginator

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        term = search_term.strip()
        if not term:
            return queryset, False
        # Each alternative has an index: the name's trigrams (PostgreSQL), the
        # resource id, the account.
        condition = Q(resource_name__icontains=term)
        if RESOURCE_ID.match(term):
            condition |= Q(resource_id=term)
        if ACCOUNT_ID.match(term):
            condition |= Q(account_id=term)
        return queryset.filter(condition), False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


admin.site.site_header = "GPU Server Image console administration"
admin.site.site_title = "GPU Server Image console"


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
