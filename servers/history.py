"""What a GPU server's work history says."""

from console.phrases import phrase

IMAGE_REFUSED = phrase("server.image_refused", "Create Image {name} refused: {reason}")
NOT_RUNNING = phrase("server.not_running", "Start the server to create an image from it.")
DISK_MISSING = phrase("server.disk_missing", "The server's disk is not available; contact support.")
