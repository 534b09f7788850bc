"""Images in the admin site: staff look at any image; changes go through the services."""

import contextlib
import re
import uuid

from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from console.models import Account
from console.paging import EstimatedCountPaginator
from images import services
from images.models import Image, Tag

ACCOUNT_ID = re.compile(r"^[0-9a-f]{32}$")
HASH = re.compile(r"^[0-9a-fA-F]{128}$")


def image_search(queryset, term: str):
    """Images whose name contains ``term`` (trigram index on PostgreSQL), whose id,
    account id or sha512 is ``term``, or whose account's name contains it: each by an
    index, never a LIKE over every column of every row."""
    term = term.strip()
    if not term:
        return queryset
    condition = Q(name__icontains=term)
    with contextlib.suppress(ValueError):
        condition |= Q(pk=uuid.UUID(term))
    if ACCOUNT_ID.match(term):
        condition |= Q(account_id=term)
    if HASH.match(term):
        condition |= Q(os_hash_value=term.lower())
    accounts = list(Account.objects.filter(name__icontains=term).values_list("pk", flat=True)[:50])
    if accounts:
        condition |= Q(account_id__in=accounts)
    return queryset.filter(condition)


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
    search_fields = ["name"]  # see get_search_results
    search_help_text = _(
        "Part of an image or account name, an image ID, an account ID or a sha512."
    )
    list_select_related = ["account"]
    # No date hierarchy: its year list is a DISTINCT over every image, on every page.
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    inlines = [TagInline]
    actions = ["retry_import", "delete_through_console"]

    def get_search_results(self, request: HttpRequest, queryset, search_term: str):
        return image_search(queryset, search_term), False

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
