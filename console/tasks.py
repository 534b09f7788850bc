"""Small tasks of the console shell."""

from celery import shared_task


@shared_task(name="console.tasks.ping")
def ping(value: str = "pong") -> str:
    """Echo a value: lets operators and tests check that workers consume the broker."""
    return value
