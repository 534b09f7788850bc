"""API keys: a user's credential for the JSON API in one account."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.models import Account

KEY_ID_PATTERN = r"^gck_[0-9a-f]{12}$"


class ApiKeyQuerySet(models.QuerySet):
    def active(self) -> "ApiKeyQuerySet":
        return self.filter(revoked_at__isnull=True)


class ApiKey(models.Model):
    """One API key. Only a salted SHA-256 of its secret is kept: the key itself is shown
    once, when it is created, and cannot be read back."""

    id = models.CharField(_("Key ID"), primary_key=True, max_length=16, editable=False)
    name = models.CharField(pgettext_lazy("API key", "Name"), max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_keys",
        verbose_name=_("user"),
    )
    account = models.ForeignKey(
        Account, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("Account")
    )
    salt = models.CharField(max_length=32, editable=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(_("Created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("Last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("Revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("Revoked by"),
    )

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "id"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")
        indexes = [models.Index(fields=["user", "-created_at"], name="apikey_user_created")]
        constraints = [
            models.CheckConstraint(condition=Q(id__regex=KEY_ID_PATTERN), name="apikey_id_valid"),
            models.CheckConstraint(condition=~Q(name=""), name="apikey_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def label(self) -> str:
        """How work history names the key."""
        return f"{self.name} ({self.id})"
