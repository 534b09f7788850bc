"""GPU servers of an account. Staff create them in the admin site (or the demo data);
the console lists them and makes images of their disks."""

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from console.models import Account


class GpuServer(models.Model):
    class Status(models.TextChoices):
        # Status values stay in English in every language, like the image's.
        RUNNING = "Running", pgettext_lazy("server status", "Running")
        STOPPED = "Stopped", pgettext_lazy("server status", "Stopped")

    id = models.UUIDField(_("Server ID"), primary_key=True, default=uuid.uuid4, editable=False)
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="gpu_servers", verbose_name=_("Account")
    )
    name = models.CharField(_("Server name"), max_length=255)
    status = models.CharField(
        _("Status"), max_length=8, choices=Status.choices, default=Status.RUNNING
    )
    gpu_type = models.CharField(_("GPU type"), max_length=32, default="H100")
    gpu_count = models.PositiveSmallIntegerField(_("GPU count"), default=1)
    flavor = models.CharField(_("Flavor"), max_length=64, blank=True)
    image = models.ForeignKey(
        "images.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="servers",
        verbose_name=_("image"),
        help_text=_("The image the server was created from."),
    )
    # Storage name of the server's root disk (a qcow2 file in the image storage).
    root_disk = models.CharField(_("Root disk"), max_length=255)
    created_at = models.DateTimeField(_("Created at"), auto_now_add=True)

    class Meta:
        # The table keeps the name it had when servers were part of the console app.
        db_table = "console_gpuserver"
        ordering = ["name", "id"]
        verbose_name = _("GPU server")
        verbose_name_plural = _("GPU servers")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["Running", "Stopped"]), name="gpuserver_status_valid"
            ),
            models.CheckConstraint(condition=Q(gpu_count__gte=1), name="gpuserver_gpu_count"),
        ]

    def __str__(self) -> str:
        return self.name
