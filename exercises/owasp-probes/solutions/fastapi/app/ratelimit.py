"""Sliding windows in memory: at most ``limit`` hits per key in ``window`` seconds."""

import math
import threading
import time
from collections import defaultdict, deque

from . import config
from .errors import ApiError

_hits: dict[str, deque[float]] = defaultdict(deque)
_lock = threading.Lock()


def hit(key: str, limit: int, window: float = config.RATE_LIMIT_WINDOW) -> None:
    """Count one request for ``key``; a 429 with Retry-After once it is over its limit."""
    now = time.monotonic()
    with _lock:
        seen = _hits[key]
        while seen and seen[0] <= now - window:
            seen.popleft()
        if len(seen) >= limit:
            # free again when the oldest hit of the window leaves it
            wait = max(1, math.ceil(seen[0] + window - now))
            raise ApiError(
                429,
                {"rate_limit": ["too many requests, try again later"]},
                {"Retry-After": str(wait)},
            )
        seen.append(now)
