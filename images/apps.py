from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = _("Images")

    def ready(self) -> None:
        # The phrases images record (work history, import failures) must be known
        # wherever history is shown, whichever module a process imported first.
        import images.history
        import images.pipeline.errors  # noqa: F401
        from console.work_history import register_resource_links
        from images.models import image_urls

        register_resource_links("Image", image_urls)
