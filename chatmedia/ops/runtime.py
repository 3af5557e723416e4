"""The web process's garbage collector, tuned for answer times.

What a process builds while it starts (modules, Django's, Channels' and Celery's set-up: a few
hundred thousand objects) lives as long as the process. CPython's full collection walks all of
them each time it runs: on two shared cores that stopped the event loop, and every request in
flight, for 80 to 100 ms (the worst webhook answers under load; bench/README.md). `gc.freeze()` moves
them out of the collector's reach once start-up is done; what requests allocate later is
collected as before.
"""

from __future__ import annotations

import gc
import importlib

# Imported by a first request otherwise (so they would not be frozen).
REQUEST_TIME_MODULES = ("chatmedia.whatsapp.tasks", "kombu.transport.pyamqp")


def freeze_startup_objects() -> None:
    for name in REQUEST_TIME_MODULES:
        importlib.import_module(name)
    gc.collect()
    gc.freeze()
