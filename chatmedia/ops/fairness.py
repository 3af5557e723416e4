"""Fair shares of the workers between tenants: at most N jobs of one kind per tenant at a time.

`tenant_slot(kind, tenant_id, limit)` is a context manager that yields True when one of the tenant's
`limit` slots for `kind` was free (it is held until the block ends), False when all are taken: the
caller then queues the job again a little later instead of taking a worker from everyone else. So a
tenant sending fifty hour-long recordings occupies at most `limit` of the workers, and the other
tenants' media keeps flowing through the rest.

Slots are keys in Django's cache (Redis in production: shared by every worker) with a short lease
(MEDIA_TENANT_SLOT_LEASE_SECONDS), renewed every third of it while the job runs: a worker killed
mid-job frees its slot within the lease. A cache that is
down grants every slot (fairness is lost for a while; work is never stopped for it).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import uuid

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def _lease() -> float:
    return settings.MEDIA_TENANT_SLOT_LEASE_SECONDS


def _key(kind: str, tenant_id, index: int) -> str:
    return f"chatmedia:slot:{kind}:{tenant_id}:{index}"


def _acquire(kind: str, tenant_id, limit: int, token: str) -> str | None:
    for index in range(limit):
        key = _key(kind, tenant_id, index)
        if cache.add(key, token, _lease()):
            return key
    return None


class _Renewal(threading.Thread):
    def __init__(self, key: str) -> None:
        super().__init__(name="tenant-slot-lease", daemon=True)
        self.key, self.stopped = key, threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(_lease() / 3):
            with contextlib.suppress(Exception):
                cache.touch(self.key, _lease())


@contextlib.contextmanager
def tenant_slot(kind: str, tenant_id, limit: int):
    if limit <= 0:
        yield True
        return
    token = uuid.uuid4().hex
    try:
        key = _acquire(kind, tenant_id, limit, token)
    except Exception as exc:
        logger.warning("tenant slots unavailable (cache); %s runs unthrottled: %s", kind, exc)
        yield True
        return
    if key is None:
        yield False
        return
    renewal = _Renewal(key)
    renewal.start()
    try:
        yield True
    finally:
        renewal.stopped.set()
        with contextlib.suppress(Exception):
            if cache.get(key) == token:  # a lease that ran out may be someone else's now
                cache.delete(key)
