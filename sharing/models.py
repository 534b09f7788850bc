"""Shares (image members): grants of one image to one other account."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.models import Account
from images.models import Image

ACCOUNT_ID_PATTERN = r"^[A-Za-z0-9-]{1,64}$"


class ShareQuerySet(models.QuerySet):
    def for_receiver(self, account: Account) -> "ShareQuerySet":
        """Shares addressed to ``account`` by another account."""
        return self.filter(target_account_id=account.id).exclude(image__account=account)

    def pending_for(self, account: Account) -> "ShareQuerySet":
        """Shares ``account`` may still accept: Pending, of an image that is still Shared
        and uploaded (a share of anything else gives no access and cannot be accepted)."""
        return self.for_receiver(account).filter(
            Image.shareable_q(prefix="image__"), status=Share.Status.PENDING
        )


class Share(models.Model):
    """One image granted to one account. The target is kept as the typed account ID,
    not a foreign key: a share to an ID that matches no account is accepted like any
    other, so the console never reveals which account IDs exist."""

    class Status(models.TextChoices):
        PENDING = "Pending", pgettext_lazy("share status", "Pending")
        ACCEPTED = "Accepted", pgettext_lazy("share status", "Accepted")
        REJECTED = "Rejected", pgettext_lazy("share status", "Rejected")

    image = models.ForeignKey(
        Image, on_delete=models.CASCADE, related_name="shares", verbose_name=_("image")
    )
    target_account_id = models.CharField(_("Approved Account ID"), max_length=64)
    status = models.CharField(
        _("Status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)
    # The request time, updated when the receiver accepts or rejects.
    modified_at = models.DateTimeField(_("Modified at"))

    objects = ShareQuerySet.as_manager()

    class Meta:
        ordering = ["-modified_at", "id"]
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        indexes = [
            models.Index(fields=["target_account_id", "status"], name="share_target_status"),
            # The admin site's changelist, in the model's order.
            models.Index(fields=["-modified_at", "id"], name="share_modified"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["image", "target_account_id"], name="share_image_target_unique"
            ),
            models.CheckConstraint(
                condition=Q(target_account_id__regex=ACCOUNT_ID_PATTERN),
                name="share_target_account_id_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["Pending", "Accepted", "Rejected"]),
                name="share_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.image} -> {self.target_account_id} ({self.status})"
