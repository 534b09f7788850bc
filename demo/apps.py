from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for trying the console (``manage.py seed_demo``): it stands above every
    other app, as it makes accounts, images, shares and servers."""

    name = "demo"
    verbose_name = "Demo data"
