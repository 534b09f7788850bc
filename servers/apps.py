from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServersConfig(AppConfig):
    name = "servers"
    verbose_name = _("GPU servers")

    def ready(self) -> None:
        import servers.history  # noqa: F401  (the phrases servers record)
        from console.work_history import links_to_detail_pages, register_resource_links
        from servers.models import GpuServer

        register_resource_links("GpuServer", links_to_detail_pages(GpuServer, "servers:detail"))
