"""Prometheus metrics: what every process counts, and what `/metrics` reads at scrape time.

Counted where it happens (web, workers, beat — each process writes its own file under
PROMETHEUS_MULTIPROC_DIR, set by settings.py before this module is imported, and `/metrics` adds
them up; prometheus_client's multiprocess mode):
- `chatmedia_uploads_total{direction,outcome}`: files that became ready (`succeeded`) or failed,
  incoming (from WhatsApp) and outgoing (agents' uploads);
- `chatmedia_upload_duration_seconds{direction}`: attachment created → ready;
- `chatmedia_downloads_total{cache,status}` and `chatmedia_download_duration_seconds`: `/media/`
  responses; `chatmedia_media_cache_lookups_total{result}` (hit rate = hit / (hit + miss));
- `chatmedia_task_phase_duration_seconds{phase,outcome}`: fetch, decrypt, process, store, scan,
  send (see `phase`);
- `chatmedia_sends_total{kind,outcome}`, `chatmedia_webhooks_total{event}`,
  `chatmedia_webhook_duration_seconds`, `chatmedia_events_total{event}` (handled degradations,
  `ops.counters`).
Read at scrape time by `/metrics` (`SnapshotCollector`): storage used and quota per tenant, the
shared cache's size and limit (Redis INFO), and each Celery queue's depth.
"""

from __future__ import annotations

import atexit
import bisect
import collections
import contextlib
import logging
import os
import threading
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.core import GaugeMetricFamily

logger = logging.getLogger(__name__)

_SECONDS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
_FAST_SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10)
PHASES = ("fetch", "decrypt", "process", "scan", "store", "send")

UPLOADS = Counter(
    "chatmedia_uploads", "Files stored for good (succeeded) or refused (failed).", ["direction", "outcome"]
)
UPLOAD_SECONDS = Histogram(
    "chatmedia_upload_duration_seconds", "Attachment created → ready.", ["direction"], buckets=_SECONDS
)
DOWNLOADS = Counter("chatmedia_downloads", "Responses of /media/.", ["cache", "status"])
DOWNLOAD_SECONDS = Histogram(
    "chatmedia_download_duration_seconds",
    "A /media/ response, first byte of the request to the last sent.",
    buckets=_FAST_SECONDS,
)
CACHE_LOOKUPS = Counter("chatmedia_media_cache_lookups", "Media cache lookups of /media/.", ["result"])
PHASE_SECONDS = Histogram(
    "chatmedia_task_phase_duration_seconds",
    "Time of one phase of a media task.",
    ["phase", "outcome"],
    buckets=_SECONDS,
)
SENDS = Counter("chatmedia_sends", "Messages sent to WhatsApp, or given up.", ["kind", "outcome"])
WEBHOOKS = Counter("chatmedia_webhooks", "Evolution webhooks answered.", ["event", "status"])
WEBHOOK_SECONDS = Histogram(
    "chatmedia_webhook_duration_seconds", "Time to answer an Evolution webhook.", buckets=_FAST_SECONDS
)
EVENTS = Counter("chatmedia_events", "Handled degradations (cache down, storage failures).", ["event"])
LOCAL_CACHE_BYTES = Gauge(
    "chatmedia_local_cache_bytes", "Bytes in the per-process media cache tier.", multiprocess_mode="livesum"
)


class Tally:
    """Counts and durations of a hot path, added up in this process's memory and folded into the
    Prometheus metrics above at most METRICS_FOLD_SECONDS later by a timer thread (and before this
    process answers `/metrics`, and at exit).

    Why: in multiprocess mode every Prometheus increment writes to an mmap'd file, about 3 µs; a
    cached `/media/` hit made four, most of its time in the process (bench/README.md, P1). Here a
    count is a dictionary update, and a fold is one increment per label set and histogram bucket.
    What a fold has not reached yet is lost if the process is killed (at most one interval)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: collections.Counter = collections.Counter()  # (counter, labels) → n
        self._observed: dict = {}  # histogram → [count per bucket…, sum]
        self._running = False  # this process's timer thread (a forked child starts its own)
        os.register_at_fork(after_in_child=self._forked)

    def count(self, counter: Counter, *labels: str) -> None:
        with self._lock:
            self._counts[(counter, labels)] += 1
        self._start()

    def observe(self, histogram: Histogram, seconds: float) -> None:
        index = bisect.bisect_left(histogram._upper_bounds, seconds)  # the bucket observe() picks
        with self._lock:
            found = self._observed.get(histogram)
            if found is None:
                found = self._observed[histogram] = [0] * (len(histogram._upper_bounds) + 1)
            found[index] += 1
            found[-1] += seconds
        self._start()

    def fold(self) -> None:
        with self._lock:
            counts, self._counts = self._counts, collections.Counter()
            observed, self._observed = self._observed, {}
        for (counter, labels), n in counts.items():
            (counter.labels(*labels) if labels else counter).inc(n)
        for histogram, found in observed.items():
            # Histogram.observe() adds to `_sum` and to one of `_buckets` (stored per bucket, made
            # cumulative when read): the same two writes, n at a time (tests/ops/test_metrics_tally.py).
            histogram._sum.inc(found[-1])
            for index, n in enumerate(found[:-1]):
                if n:
                    histogram._buckets[index].inc(n)

    def _forked(self) -> None:
        self._lock = threading.Lock()
        self._counts, self._observed, self._running = collections.Counter(), {}, False

    def _start(self) -> None:
        if self._running:
            return
        with self._lock:
            if self._running:
                return
            self._running = True
        threading.Thread(target=self._fold_forever, name="metrics-fold", daemon=True).start()

    def _fold_forever(self) -> None:
        from django.conf import settings

        while True:
            time.sleep(settings.METRICS_FOLD_SECONDS)
            try:
                self.fold()
            except Exception:  # a metrics failure never stops serving; the next fold tries again
                logger.exception("metrics: fold failed")


TALLY = Tally()
atexit.register(TALLY.fold)


def upload_finished(direction: str, succeeded: bool, seconds: float | None = None) -> None:
    UPLOADS.labels(direction, "succeeded" if succeeded else "failed").inc()
    if succeeded and seconds is not None:
        UPLOAD_SECONDS.labels(direction).observe(max(0.0, seconds))


@contextlib.contextmanager
def phase(name: str, **fields):
    """Time one phase of a task: a histogram sample and one log line with the bound context
    (tenant, attachment), the phase, its duration and outcome. Exceptions pass through."""
    started = time.perf_counter()
    outcome = "error"
    try:
        yield
        outcome = "ok"
    finally:
        seconds = time.perf_counter() - started
        PHASE_SECONDS.labels(name, outcome).observe(seconds)
        logger.info(
            "%s %s in %.0f ms",
            name,
            outcome,
            seconds * 1000,
            extra={"phase": name, "outcome": outcome, "duration_ms": round(seconds * 1000, 1), **fields},
        )


class SnapshotCollector:
    """Figures that are state, not events: read when Prometheus scrapes, never an error."""

    def collect(self):
        yield from self._guarded("storage", _storage)
        yield from self._guarded("cache", _shared_cache)
        yield from self._guarded("queues", _queues)

    @staticmethod
    def _guarded(source: str, read):
        up = GaugeMetricFamily(
            f"chatmedia_metrics_source_up_{source}", f"1 when the {source} figures could be read."
        )
        try:
            families = list(read())
            up.add_metric([], 1)
        except Exception as exc:  # a scrape must answer even when a part is down
            logger.warning("metrics: %s unavailable: %s", source, exc)
            families = []
            up.add_metric([], 0)
        yield from families
        yield up


def _storage():
    """As housekeeping last counted it (every HOUSEKEEPING_INTERVAL_SECONDS): a scrape reads one row
    per tenant instead of summing every stored object."""
    from chatmedia.tenancy.models import Tenant

    used_family = GaugeMetricFamily(
        "chatmedia_storage_used_bytes", "Bytes stored per tenant (each object once).", labels=["tenant"]
    )
    quota_family = GaugeMetricFamily(
        "chatmedia_storage_quota_bytes", "Storage quota per tenant.", labels=["tenant"]
    )
    for tenant in Tenant.objects.only("id", "slug", "storage_quota_bytes", "storage_used_bytes"):
        used_family.add_metric([tenant.slug], tenant.storage_used_bytes)
        quota_family.add_metric([tenant.slug], tenant.effective_storage_quota_bytes)
    yield used_family
    yield quota_family


def _shared_cache():
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]
    if not isinstance(cache, RedisCache):
        return  # the embedded default (per-process memory) has no shared size to report
    client = cache._cache.get_client(write=False)
    info = client.info("memory")
    used = GaugeMetricFamily("chatmedia_cache_used_bytes", "Memory used by the shared cache (Redis).")
    used.add_metric([], info.get("used_memory", 0))
    yield used
    limit = GaugeMetricFamily(
        "chatmedia_cache_max_bytes", "The shared cache's memory limit (Redis maxmemory; 0 = none)."
    )
    limit.add_metric([], info.get("maxmemory", 0))
    yield limit


def _queues():
    from django.conf import settings

    from chatmedia.celery import MEDIA_QUEUES, app

    depth = GaugeMetricFamily("chatmedia_queue_depth", "Tasks waiting in each queue.", labels=["queue"])
    consumers = GaugeMetricFamily(
        "chatmedia_queue_consumers", "Workers consuming each queue.", labels=["queue"]
    )
    with app.connection_for_read() as connection:
        connection.ensure_connection(max_retries=1, timeout=settings.BROKER_CONNECT_TIMEOUT_SECONDS)
        channel = connection.default_channel
        for name in MEDIA_QUEUES:
            # Declared as Celery declares them (durable): a passive declare of a queue no worker
            # made yet would close the channel; this one is a no-op for an existing queue.
            _, messages, workers = channel.queue_declare(name, durable=True, auto_delete=False)
            depth.add_metric([name], messages)
            consumers.add_metric([name], workers)
    yield depth
    yield consumers


def exposition() -> bytes:
    TALLY.fold()  # this process's own counts up to now
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(SnapshotCollector())
    return generate_latest(registry)
