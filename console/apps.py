from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "console"
    verbose_name = "Console"

    def ready(self) -> None:
        import console.formats  # noqa: F401  (the phrases of sizes, shown in history)
