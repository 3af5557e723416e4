"""Process-wide event counters (e.g. `media.cache.unavailable`): cheap, thread-safe.

Degradations that are handled (a cache that is down, storage that failed a request) are counted
here as well as logged, so they can be seen as a rate and not only as log lines: in memory for
this process (`value`, what tests read) and as `chatmedia_events_total{event=…}` on /metrics.
"""

from __future__ import annotations

import threading
from collections import Counter

from chatmedia.ops.metrics import EVENTS

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def increment(name: str, amount: int = 1) -> None:
    with _lock:
        _counts[name] += amount
    EVENTS.labels(name).inc(amount)


def value(name: str) -> int:
    with _lock:
        return _counts[name]
