from django.apps import AppConfig


class ServersConfig(AppConfig):
    name = "servers"
    verbose_name = "GPU servers"

    def ready(self) -> None:
        import servers.history  # noqa: F401  (the phrases servers record)
        from console.work_history import links_to_detail_pages, register_resource_links
        from servers.models import GpuServer

        register_resource_links("GpuServer", links_to_detail_pages(GpuServer, "servers:detail"))
