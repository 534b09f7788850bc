"""The Celery app. Configuration lives in settings (``CELERY_*``), tasks in each app's
``tasks.py``; the beat schedule is ``CELERY_BEAT_SCHEDULE`` in settings."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "console.settings")

app = Celery("console")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
