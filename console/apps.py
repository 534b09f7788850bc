from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = _("Console")

    def ready(self) -> None:
        import console.formats
        import console.preferences  # noqa: F401  (keeps a language chosen before sign-in)
