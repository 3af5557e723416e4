"""Process-wide event counters (e.g. `media.cache.unavailable`): cheap, thread-safe, in memory.

Degradations that are handled (a cache that is down, storage that failed a request) are counted
here as well as logged, so they can be seen as a rate and not only as log lines.
"""

from __future__ import annotations

import threading
from collections import Counter

_counts: Counter[str] = Counter()
_lock = threading.Lock()


def increment(name: str, amount: int = 1) -> None:
    with _lock:
        _counts[name] += amount


def value(name: str) -> int:
    with _lock:
        return _counts[name]
