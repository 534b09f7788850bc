import threading

from celery.signals import task_postrun
from django.conf import settings

from console.celery import app as celery_app
from console.tasks import ping


def test_it_runs_a_task_on_a_real_worker_through_the_configured_broker(celery_worker):
    expected_transport = "redis" if settings.REDIS_URL else "filesystem"
    assert celery_app.connection_for_write().transport_cls == expected_transport
    done = threading.Event()
    results: list[str] = []

    def on_postrun(sender=None, retval=None, **kwargs):
        if sender is not None and sender.name == ping.name:
            results.append(retval)
            done.set()

    task_postrun.connect(on_postrun, weak=False)
    try:
        ping.delay("hello from the suite")
        assert done.wait(30), "the worker did not run the task within 30 s"
    finally:
        task_postrun.disconnect(on_postrun)
    assert results == ["hello from the suite"]
