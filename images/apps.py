from django.apps import AppConfig


class ImagesConfig(AppConfig):
    name = "images"
    verbose_name = "Images"

    def ready(self) -> None:
        from console.work_history import register_resource_links
        from images.models import image_urls

        register_resource_links("Image", image_urls)
