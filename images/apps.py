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
        from console.work_history import links_to_detail_pages, register_resource_links
        from images.models import Image

        register_resource_links("Image", links_to_detail_pages(Image, "images:detail"))
