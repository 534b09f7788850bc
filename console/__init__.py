"""The console shell: settings, tenancy, work history and the Celery app."""

from console.celery import app as celery_app

__all__ = ["celery_app"]
