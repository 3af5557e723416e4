"""Liveness and readiness probes (contract §11).

`/healthz` answers 200 while the process runs. `/readyz` asks each part the service needs (database,
storage, cache, broker) with a short timeout and answers 503 naming the failing parts, so a load
balancer stops sending traffic to an instance that could only fail. Optional parts (transcription,
Office previews) are reported under `optional` — off, or on and working or not — and never make it
503: the chat works without them, and what they would have done shows as a failed state with its
reason (or, for previews, the file card without one).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from kombu import Connection

from chatmedia.media.processing import office_setup
from chatmedia.media.storage import media_storage
from chatmedia.media.transcription import backends as transcription


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def check_storage() -> None:
    media_storage().ping()


def check_cache() -> None:
    key, value = f"readyz:{uuid.uuid4().hex}", uuid.uuid4().hex
    cache.set(key, value, timeout=10)
    if cache.get(key) != value:
        raise RuntimeError("cache did not return what was just written")
    cache.delete(key)


def check_broker() -> None:
    if settings.QUEUE_IS_EMBEDDED:
        return  # the in-process broker is part of this process
    timeout = settings.BROKER_CONNECT_TIMEOUT_SECONDS
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout) as conn:
        conn.ensure_connection(max_retries=1, timeout=timeout)


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "storage": check_storage,
    "cache": check_cache,
    "broker": check_broker,
}


def run_checks() -> dict[str, dict]:
    results = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # any failure of a dependency means "not ready", reported by name
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
        else:
            results[name] = {"ok": True}
        results[name]["ms"] = round((time.perf_counter() - started) * 1000, 1)
    return results


@never_cache
def healthz(request):
    return JsonResponse({"status": "ok"})


# Parts the service runs without; each says {"state": "off"} or {"state": "on", "ok": …, "error": …}.
OPTIONAL: dict[str, Callable[[], dict]] = {
    "transcription": transcription.status,
    "office_previews": office_setup.status,
}


def optional_parts() -> dict[str, dict]:
    parts = {}
    for name, status in OPTIONAL.items():
        try:
            parts[name] = status()
        except Exception as exc:  # a broken optional part is reported, never a failed probe
            parts[name] = {"state": "on", "ok": False, "error": f"{type(exc).__name__}: {exc}"[:300]}
    return parts


@never_cache
def readyz(request):
    results = run_checks()
    failing = [name for name, result in results.items() if not result["ok"]]
    optional = optional_parts()
    degraded = [name for name, part in optional.items() if not part.get("ok", True)]
    body = {
        "status": "fail" if failing else "degraded" if degraded else "ok",
        "failing": failing,
        "degraded": degraded,
        "checks": results,
        "optional": optional,
    }
    return JsonResponse(body, status=503 if failing else 200)
