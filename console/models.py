"""Tenancy (accounts and memberships) and the append-only work history."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.phrases import render


def new_account_id() -> str:
    return uuid.uuid4().hex


class Account(models.Model):
    """The tenant: everything a console user sees belongs to one account."""

    id = models.CharField(
        _("Account ID"), primary_key=True, max_length=32, default=new_account_id, editable=False
    )
    name = models.CharField(_("name"), max_length=255)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Account")
        verbose_name_plural = _("Accounts")
        constraints = [
            models.CheckConstraint(
                condition=Q(id__regex=r"^[0-9a-f]{32}$"), name="account_id_32_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("Member")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="memberships",
        verbose_name=_("user"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("Account")
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        ordering = ["account__name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "account"], name="membership_user_account"),
            models.CheckConstraint(
                condition=Q(role__in=["member", "viewer"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.account.name} ({self.role})"

    @property
    def can_change(self) -> bool:
        return self.role == self.Role.MEMBER


class WorkHistoryQuerySet(models.QuerySet):
    def for_account(self, account: Account) -> "WorkHistoryQuerySet":
        return self.filter(account=account)

    def for_resource(self, resource_id: str) -> "WorkHistoryQuerySet":
        return self.filter(resource_id=str(resource_id))


class WorkHistory(models.Model):
    """One operation on one resource. Written only by ``console.work_history.record``,
    never changed or deleted; the resource name is frozen at write time so rows stay
    readable after the resource is gone. What happened is kept as data (a message code
    and its parameters) and written as a sentence when shown."""

    class Topic(models.TextChoices):
        """Every event the console records: the one list the writer, the Activity filter
        and the admin read. The names are the API operations of the original service."""

        CREATE_IMAGE = "CreateImage", "CreateImage"
        CREATE_GPU_SERVER_IMAGE = "CreateGpuServerImage", "CreateGpuServerImage"
        IMPORT_IMAGE = "ImportImage", "ImportImage"
        RETRY_IMAGE_IMPORT = "RetryImageImport", "RetryImageImport"
        SET_IMAGE = "SetImage", "SetImage"
        DELETE_IMAGE = "DeleteImage", "DeleteImage"
        CREATE_TAG = "CreateTag", "CreateTag"
        SET_TAG = "SetTag", "SetTag"
        DELETE_TAG = "DeleteTag", "DeleteTag"
        CREATE_IMAGE_MEMBER = "CreateImageMember", "CreateImageMember"
        SET_IMAGE_MEMBER = "SetImageMember", "SetImageMember"
        DELETE_IMAGE_MEMBER = "DeleteImageMember", "DeleteImageMember"

    class ResourceType(models.TextChoices):
        IMAGE = "Image", pgettext_lazy("resource type", "Image")
        GPU_SERVER = "GpuServer", pgettext_lazy("resource type", "GPU Server")

    class Result(models.TextChoices):
        SUCCESS = "Success", _("Success")
        FAILURE = "Failure", _("Failure")

    SYSTEM = "system"

    work_time = models.DateTimeField(_("Work date/time"), db_index=True)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", verbose_name=_("Account")
    )
    resource_type = models.CharField(
        _("Resource Type"), max_length=64, choices=ResourceType.choices
    )
    resource_id = models.CharField(_("Resource ID"), max_length=64)
    resource_name = models.CharField(_("Resource Name"), max_length=255)
    event_topic = models.CharField(_("Event topic"), max_length=64, choices=Topic.choices)
    # What happened: {"code": ..., "params": {...}}, see console.phrases.
    details = models.JSONField(_("details (data)"), default=dict, blank=True)
    result = models.CharField(_("Work result"), max_length=8, choices=Result.choices)
    worker_id = models.CharField(_("Worker ID"), max_length=64)
    worker_name = models.CharField(_("Worker name"), max_length=150)
    worker_email = models.CharField(_("Worker email"), max_length=254, blank=True)
    # The API key the worker made the change with, as "name (key ID)"; empty for the pages.
    api_key = models.CharField(_("API key"), max_length=150, blank=True)
    region = models.CharField(_("Region"), max_length=64)

    objects = WorkHistoryQuerySet.as_manager()

    class Meta:
        ordering = ["-work_time", "-id"]
        verbose_name = _("work history")
        verbose_name_plural = _("work history")
        # Each filter of Activity history walks an index of the account's rows in the
        # listing's order (work_time, id), so every page costs its own rows only; the
        # resource name has a trigram index on PostgreSQL (see migrations).
        indexes = [
            models.Index(fields=["account", "work_time", "id"], name="workhistory_account_time"),
            models.Index(
                fields=["account", "event_topic", "work_time", "id"],
                name="workhistory_account_topic",
            ),
            models.Index(
                fields=["account", "result", "work_time", "id"], name="workhistory_account_result"
            ),
            # Resource ids are unique across accounts: these serve the Work History tab
            # (its pages, topics and topic filter), the resource filter and the admin
            # site's search, each without reading the rows.
            models.Index(
                fields=["resource_id", "account", "work_time", "id"], name="workhistory_resource"
            ),
            models.Index(
                fields=["resource_id", "account", "event_topic", "work_time", "id"],
                name="workhistory_resource_topic",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=["Success", "Failure"]), name="workhistory_result_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_topic} {self.resource_name} ({self.result})"

    @property
    def work_details(self) -> str:
        """What happened, as a sentence in the reader's language."""
        return render(self.details) if self.details else ""

    @property
    def worker_display(self) -> str:
        if self.worker_id == self.SYSTEM:
            return str(SYSTEM_WORKER)
        worker = f"{self.worker_name} ({self.worker_email or self.worker_id})"
        if self.api_key:
            return _("%(worker)s with API key %(key)s") % {"worker": worker, "key": self.api_key}
        return worker


# How background work (no user) is named where a worker is shown.
SYSTEM_WORKER = pgettext_lazy("worker", "system")


class Profile(models.Model):
    """A user's own settings: the console's language and time zone. Blank means not
    chosen (the browser's language; the console's default time zone)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="console_profile",
        verbose_name=_("user"),
    )
    language = models.CharField(_("Language"), max_length=8, choices=settings.LANGUAGES, blank=True)
    time_zone = models.CharField(_("Time zone"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)
