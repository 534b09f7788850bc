import re

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from console.models import Account, Membership, Profile, WorkHistory
from console.paging import EstimatedCountPaginator

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


ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
RESOURCE_ID = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@admin.register(WorkHistory)
class WorkHistoryAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included: the history is append-only.

    Built for millions of rows: filters from choices, a search that uses indexes, an
    estimated count beyond 10,000, no date hierarchy."""

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
    # Choices, not the admin's default DISTINCT over every row; no date hierarchy (the
    # same DISTINCT, by year).
    list_filter = ["result", "resource_type", "event_topic"]
    search_fields = ["resource_name"]  # see get_search_results
    search_help_text = _("Part of a resource name, a resource ID or an account ID.")
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
