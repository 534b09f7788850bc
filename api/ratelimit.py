"""A per-key request budget shared by every web process: a fixed-window counter in the
cache (Redis in production), incremented atomically."""

import math
import time

from django.conf import settings
from django.core.cache import cache


def spend(key_id: str) -> float | None:
    """Count one request of ``key_id``; None while within the budget, else the seconds
    until the window ends."""
    limit = settings.CONSOLE_API_RATE_LIMIT
    window = settings.CONSOLE_API_RATE_WINDOW
    now = time.time()
    slot = int(now // window)
    counter = f"api-rate:{key_id}:{slot}"
    # add() creates the counter only if missing; incr() is atomic in Redis, so processes
    # on any number of machines share the count.
    cache.add(counter, 0, timeout=window * 2)
    try:
        count = cache.incr(counter)
    except ValueError:  # evicted between add() and incr()
        cache.add(counter, 1, timeout=window * 2)
        count = 1
    if count <= limit:
        return None
    return max(1.0, math.ceil((slot + 1) * window - now))
