"""What a GPU server's work history says."""

from django.utils.translation import gettext_lazy as _

from console.phrases import phrase

IMAGE_REFUSED = phrase("server.image_refused", _("Create Image {name} refused: {reason}"))
NOT_RUNNING = phrase("server.not_running", _("Start the server to create an image from it."))
DISK_MISSING = phrase(
    "server.disk_missing", _("The server's disk is not available; contact support.")
)
