"""Images and their tags."""

import operator
import uuid
from collections.abc import Callable
from functools import reduce
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import models
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.models import Account
from console.phrases import Message, render
from images.rules import (
    MAX_MIN_DISK_GB,
    MAX_MIN_RAM_GB,
    NAME_PATTERN,
    STAGED_UPLOAD_PREFIX,
    TAG_KEY_MAX,
    TAG_VALUE_MAX,
)


class OsType(models.TextChoices):
    ALMA = "alma", "Alma Linux"
    CENTOS = "centos", "CentOS"
    ORACLE = "oracle", "Oracle Linux"
    RHEL = "rhel", "RHEL"
    ROCKY = "rocky", "Rocky Linux"
    UBUNTU = "ubuntu", "Ubuntu"


def url_without_secrets(url: str) -> str:
    """What pages show of an image file URL: no user info, query string or fragment,
    where a signed URL carries its credentials and signature. The database keeps the
    URL whole, for Retry import."""
    try:
        parts = urlsplit(url)
        host = parts.netloc.rpartition("@")[2]
        parts.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        return ""
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


# Accounts read images of other accounts when an app above this one grants it (sharing
# does, for accepted shares). This app cannot import those apps, so they register here a
# function answering, for an account, a queryset of the IDs of the images granted to it.
ReadGrant = Callable[[Account], QuerySet]
_read_grants: list[ReadGrant] = []


def register_read_grant(grant: ReadGrant) -> None:
    if grant not in _read_grants:
        _read_grants.append(grant)


def _grants(account: Account) -> list[QuerySet]:
    return [grant(account) for grant in _read_grants]


def _granted(account: Account) -> Q:
    """Images granted to ``account`` while they can be shared at all: access ends the
    moment an image stops being shareable, whatever path changed it."""
    if not _read_grants:
        return Q(pk__in=[])
    granted = reduce(operator.or_, (Q(id__in=grant(account)) for grant in _read_grants))
    return granted & Image.shareable_q()


def size_sort_key() -> Coalesce:
    """The size as the list sorts it: images without a size yet come first ascending.
    A sort key is never NULL, so that keyset pages can compare it."""
    return Coalesce(F("size"), Value(-1), output_field=models.BigIntegerField())


class ImageQuerySet(models.QuerySet):
    def owned_by(self, account: Account) -> "ImageQuerySet":
        return self.filter(account=account)

    def shared_with(self, account: Account) -> "ImageQuerySet":
        """Images of other accounts granted to ``account`` (accepted shares), read from
        the grants (the account's shares), then each image by its key."""
        return self.filter(_granted(account)).exclude(account=account)

    def visible_parts(self, account: Account) -> tuple["ImageQuerySet", "ImageQuerySet"]:
        """What ``account`` may read as two disjoint parts that each walk their own
        index: its own images (the account's indexes) and the images granted to it (by
        key)."""
        return self.owned_by(account), self.shared_with(account)

    def visible_to(self, account: Account) -> "ImageQuerySet":
        """What a user of ``account`` may read: its own images and accepted shares.

        The granted ids are read first (one indexed read of the account's shares) and given
        as a list of keys: ``account = X OR id IN (subquery)`` makes PostgreSQL scan the
        whole images table, ``account = X OR id IN (keys)`` reads two indexes."""
        # Each grant is a one-column values() queryset of image ids.
        ids = [next(iter(row.values())) for grant in _grants(account) for row in grant]
        if not ids:
            return self.owned_by(account)
        return self.filter(Q(account=account) | (Q(pk__in=ids) & Image.shareable_q()))


NOTE_AWAITING_WORKER = _("The import starts when the worker is reachable.")


class Image(models.Model):
    class Origin(models.TextChoices):
        UPLOAD = "upload", pgettext_lazy("origin", "Upload")
        SERVER = "server", pgettext_lazy("origin", "GPU Server")

    # Status and visibility values read the same in every language (the glossary keeps
    # them in English); they are still translatable for a language that would not.
    class Status(models.TextChoices):
        QUEUED = "Queued", pgettext_lazy("image status", "Queued")
        IMPORTING = "Importing", pgettext_lazy("image status", "Importing")
        ACTIVE = "Active", pgettext_lazy("image status", "Active")
        ERROR = "Error", pgettext_lazy("image status", "Error")

    class Visibility(models.TextChoices):
        PRIVATE = "Private", pgettext_lazy("visibility", "Private")
        SHARED = "Shared", pgettext_lazy("visibility", "Shared")

    SETTLED = (Status.ACTIVE, Status.ERROR)
    IN_PROGRESS = (Status.QUEUED, Status.IMPORTING)

    id = models.UUIDField(_("Image ID"), primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="images", verbose_name=_("Account")
    )
    name = models.CharField(_("Image name"), max_length=255)
    origin = models.CharField(
        _("Origin"), max_length=8, choices=Origin.choices, default=Origin.UPLOAD
    )
    status = models.CharField(
        _("Status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    # Why the import failed (Error): a phrase of images.pipeline.errors and its values.
    failure = models.JSONField(_("failure (data)"), default=dict, blank=True)
    os_type = models.CharField(_("OS type"), max_length=16, choices=OsType.choices)
    min_disk_gb = models.PositiveIntegerField(_("Minimum Disk"), default=0)
    min_ram_gb = models.PositiveIntegerField(_("Minimum RAM"), default=0)
    visibility = models.CharField(
        _("Visibility"), max_length=8, choices=Visibility.choices, default=Visibility.PRIVATE
    )
    protected = models.BooleanField(_("Protected"), default=False)
    file_url = models.CharField(_("Image file URL"), max_length=255, blank=True)
    disk_format = models.CharField(_("disk format"), max_length=8, default="qcow2", editable=False)
    container_format = models.CharField(
        _("container format"), max_length=8, default="bare", editable=False
    )
    size = models.BigIntegerField(_("Size"), null=True, blank=True)
    virtual_size = models.BigIntegerField(_("Virtual size"), null=True, blank=True)
    checksum_md5 = models.CharField(_("md5 checksum"), max_length=32, blank=True)
    os_hash_algo = models.CharField(_("OS hash algorithm"), max_length=16, default="sha512")
    os_hash_value = models.CharField(_("OS hash value"), max_length=128, blank=True)
    # Storage name of the imported file; empty until the import succeeds.
    stored_file = models.CharField(_("stored file"), max_length=255, blank=True)
    # Storage name the worker reads from instead of a URL: a staged browser upload or a
    # GPU server's disk.
    source_file = models.CharField(_("source file"), max_length=255, blank=True)
    source_server_id = models.UUIDField(_("source server ID"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Creator"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True, db_index=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Editor"),
    )
    edited_at = models.DateTimeField(_("Edited at"), null=True, blank=True)
    progress_done = models.BigIntegerField(_("bytes imported"), default=0)
    progress_total = models.BigIntegerField(_("bytes to import"), null=True, blank=True)
    # Each claim of the import increments it; a file that kills the worker ends in Error
    # after CONSOLE_IMPORT_MAX_ATTEMPTS instead of being retried for ever.
    import_attempts = models.PositiveSmallIntegerField(_("import attempts"), default=0)
    # Every claim of the import takes the next number, never reused (Retry starts counting
    # attempts again, not this): a settlement or heartbeat applies only while the image is
    # Importing under the caller's number, and the attempt's files are named after it.
    import_serial = models.PositiveIntegerField(_("import serial"), default=0)
    # A Queued image whose import could not be handed to a worker (the broker was down):
    # the console says it starts when the worker is reachable; the reaper sends it again.
    awaiting_worker = models.BooleanField(_("awaiting a worker"), default=False)
    # Last sign of life of the import (status change or progress); a stale heartbeat
    # means the worker died.
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)

    objects = ImageQuerySet.as_manager()

    # Every sort of the image list ends in the id and has an index per account that
    # walks it (name substring search has a trigram index on PostgreSQL, see
    # migrations).
    SORTS = {
        "name": ("name", "id"),
        "status": ("status", "created_at", "id"),
        "os_type": ("os_type", "created_at", "id"),
        "visibility": ("visibility", "created_at", "id"),
        "protected": ("protected", "created_at", "id"),
        "origin": ("origin", "created_at", "id"),
        "size": ("size_sort", "id"),
        "created_at": ("created_at", "id"),
    }

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("image")
        verbose_name_plural = _("images")
        indexes = [
            models.Index(fields=["account", "created_at", "id"], name="image_account_created"),
            models.Index(fields=["account", "name", "id"], name="image_account_name"),
            *(
                models.Index(
                    fields=["account", field, "created_at", "id"], name=f"image_account_{field}"
                )
                for field in ("status", "os_type", "visibility", "protected", "origin")
            ),
            models.Index(
                F("account"),
                Coalesce(F("size"), Value(-1), output_field=models.BigIntegerField()),
                F("id"),
                name="image_account_size",
            ),
            models.Index(fields=["status", "heartbeat_at"], name="image_status_heartbeat"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(name__regex=NAME_PATTERN), name="image_name_valid"),
            models.CheckConstraint(
                condition=Q(origin__in=["upload", "server"]), name="image_origin_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["Queued", "Importing", "Active", "Error"]),
                name="image_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(visibility__in=["Private", "Shared"]), name="image_visibility_valid"
            ),
            models.CheckConstraint(
                condition=Q(os_type__in=[c.value for c in OsType]), name="image_os_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(min_disk_gb__gte=0, min_disk_gb__lte=MAX_MIN_DISK_GB),
                name="image_min_disk_range",
            ),
            models.CheckConstraint(
                condition=Q(min_ram_gb__gte=0, min_ram_gb__lte=MAX_MIN_RAM_GB),
                name="image_min_ram_range",
            ),
            models.CheckConstraint(condition=Q(disk_format="qcow2"), name="image_disk_qcow2"),
            models.CheckConstraint(
                condition=Q(container_format="bare"), name="image_container_bare"
            ),
            models.CheckConstraint(
                condition=~Q(origin="server") | Q(file_url=""), name="image_server_has_no_url"
            ),
            models.CheckConstraint(
                condition=Q(size__isnull=True) | Q(size__gte=0), name="image_size_positive"
            ),
            models.CheckConstraint(
                condition=Q(progress_done__gte=0), name="image_progress_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def shareable_q(cls, prefix: str = "") -> Q:
        """Images that may be shared with another account: uploaded, Shared and Active
        (``prefix`` names the image from a related model, e.g. ``"image__"``)."""
        return Q(
            **{
                f"{prefix}origin": cls.Origin.UPLOAD,
                f"{prefix}visibility": cls.Visibility.SHARED,
                f"{prefix}status": cls.Status.ACTIVE,
            }
        )

    def share_blocker(self) -> str:
        """Why this image cannot be shared with any account ("" when it can): the code of
        the rule it breaks."""
        if self.origin != self.Origin.UPLOAD:
            return "server_origin"
        if self.visibility != self.Visibility.SHARED:
            return "private"
        # A receiver gets a usable image or nothing: no size, no status, nothing to boot.
        if self.status == self.Status.ERROR:
            return "import_failed"
        if self.status != self.Status.ACTIVE:
            return "importing"
        return ""

    @property
    def staged_upload(self) -> str:
        """The browser upload waiting in storage for this image's import, if any (a
        server-origin image reads a server's disk, which is not its own)."""
        return self.source_file if self.source_file.startswith(STAGED_UPLOAD_PREFIX) else ""

    @property
    def status_note(self) -> str:
        """Why a Queued image is still waiting, when the console knows."""
        if self.status == self.Status.QUEUED and self.awaiting_worker:
            return NOTE_AWAITING_WORKER
        return ""

    @property
    def failure_reason(self) -> str:
        return render(self.failure) if self.failure else ""

    def set_failure(self, reason: Message | None) -> None:
        self.failure = reason.as_data() if reason is not None else {}

    @property
    def srn(self) -> str:
        return (
            f"srn:{settings.CONSOLE_OFFERING}::{self.account_id}:{settings.CONSOLE_REGION}"
            f"::gpuserver:image/{self.id}"
        )

    @property
    def file_url_shown(self) -> str:
        return url_without_secrets(self.file_url)

    @property
    def is_settled(self) -> bool:
        return self.status in self.SETTLED

    @property
    def poll_watch(self) -> str:
        """What a polling view watches (console.htmx.poll_round): the status and the bytes
        done, so polling stays fast while an import moves and backs off only when it stalls."""
        return f"{self.status}:{self.progress_done}"

    @property
    def progress_percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(self.progress_done * 100 / self.progress_total))


class TagQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for tag in objs:
            tag.fill_account()
        return super().bulk_create(objs, *args, **kwargs)


class Tag(models.Model):
    """A key/value pair on an image; at most MAX_TAGS per image, keys unique."""

    image = models.ForeignKey(
        Image, on_delete=models.CASCADE, related_name="tags", verbose_name=_("image")
    )
    # The image's account, kept on the tag so that the suggestions of an account walk
    # an index of its own tags instead of joining every tag to its image.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", editable=False)
    key = models.CharField(_("Key"), max_length=TAG_KEY_MAX)
    value = models.CharField(_("Value"), max_length=TAG_VALUE_MAX, blank=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["key"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        indexes = [
            models.Index(fields=["account", "key", "value"], name="tag_account_key_value"),
            models.Index(fields=["account", "value"], name="tag_account_value"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["image", "key"], name="tag_image_key_unique"),
            models.CheckConstraint(condition=~Q(key=""), name="tag_key_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.key}={self.value}"

    def save(self, *args, **kwargs) -> None:
        self.fill_account()
        super().save(*args, **kwargs)

    def fill_account(self) -> None:
        # An image never changes account, so the copy cannot go stale.
        if self.account_id is None and self.image_id is not None:
            self.account_id = self.image.account_id
