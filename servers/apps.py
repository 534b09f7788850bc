from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServersConfig(AppConfig):
    name = "servers"
    verbose_name = _("GPU servers")

    def ready(self) -> None:
        import servers.history  # noqa: F401  (the phrases servers record)
        from console.work_history import register_resource_links
        from servers.models import server_urls

        register_resource_links("GpuServer", server_urls)
