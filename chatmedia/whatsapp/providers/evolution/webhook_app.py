"""The webhook's fast path: authenticate, check, queue, answer — outside Django's request cycle.

Evolution posts every event of an instance one after another and waits for each answer, and a
busy instance sends hundreds a second; storing a message (conversation upsert, dedup, events)
costs tens of milliseconds of database work. So for a `POST /webhooks/evolution/…` whose body is
at most WEBHOOK_QUEUE_MAX_BODY_BYTES (every event but inline base64 media), this ASGI app:

1. finds the connection by id (or a tenant's by slug: the route of before connections), cached
   per process for WEBHOOK_TENANT_CACHE_SECONDS, and checks the secret path segment or the JWT,
   the event segment, and the payload's instance — the same rules, answers and code
   (`webhook`) as the Django view;
2. reads the body with its limit and parses it (shapes we do not know: 200 and ignored, as there);
3. publishes it to the broker as the `whatsapp.ingest_webhook` task (publisher confirms on
   RabbitMQ: the answer waits until the broker has it) and answers 200 `{"ok": true, "queued": true}`.
   A broker that does not take it gets 503 with Retry-After: Evolution retries, nothing is lost.

Anything else (no Content-Length, a bigger body with a whole file in it, other methods) goes to
the Django view, which stores inline media straight to storage instead of through the broker.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import time
from concurrent.futures import Future

from django.conf import settings
from django.db import DatabaseError

from chatmedia import jobs
from chatmedia.media.serving import blocking
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.whatsapp.providers.evolution.payloads import HANDLED_EVENTS, PayloadError, parse_webhook_body
from chatmedia.whatsapp.providers.evolution.webhook import (
    ConnectionAuth,
    admitted,
    bearer_token,
    foreign_instance,
    load_auths,
    valid_event_path,
)

logger = logging.getLogger(__name__)

ROUTE = re.compile(r"^/webhooks/evolution/(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)$")


# route key (connection id or tenant slug) -> (when it was loaded, what was loaded); key -> the
# load in flight.
_tenants: dict[str, tuple[float, tuple[ConnectionAuth, ...]]] = {}
_loading: dict[str, Future] = {}
_tenants_lock = threading.Lock()


async def _tenant(slug: str) -> tuple[ConnectionAuth, ...]:
    """The route key's connections' auth from this process's cache. Past half of
    WEBHOOK_TENANT_CACHE_SECONDS it is loaded again in the background, so steady traffic never
    waits for the database; past all of it (or when it is not cached) the request waits. However
    many requests want a key at once, it is loaded once."""
    with _tenants_lock:
        cached = _tenants.get(slug)
    ttl = settings.WEBHOOK_TENANT_CACHE_SECONDS
    age = time.monotonic() - cached[0] if cached is not None else ttl
    if age < ttl / 2:
        return cached[1]
    loading = _start_loading(slug)
    if age < ttl:
        return cached[1]
    return await asyncio.wrap_future(loading)


def _start_loading(slug: str) -> Future:
    # The lock is held until the future is recorded: the load's own `finally` (which takes the
    # lock) cannot run before, so a finished load never stays recorded as in flight.
    with _tenants_lock:
        loading = _loading.get(slug)
        if loading is None:
            loading = _loading[slug] = blocking.submit_db(_load_tenant, slug)
        return loading


def _load_tenant(slug: str) -> tuple[ConnectionAuth, ...]:
    try:
        loaded_at = time.monotonic()
        auth = load_auths(slug)
        with _tenants_lock:
            if not auth:
                _tenants.pop(slug, None)  # gone; and a key that never existed must not fill memory
            else:
                _tenants[slug] = (loaded_at, auth)
        return auth
    except DatabaseError as exc:
        logger.warning("tenant %s not loaded: %s", slug, exc)
        raise
    finally:
        with _tenants_lock:
            _loading.pop(slug, None)


def forget_tenants() -> None:
    """Drop the cache (tests; a changed secret is otherwise picked up within the TTL)."""
    with _tenants_lock:
        _tenants.clear()


def warm_up() -> None:
    """Open the broker connections that webhooks publish on before the first webhook needs them.
    A cold publish connects, opens a channel and declares its queue (tens of milliseconds under
    load, with every request behind it waiting): measured as the worst answers of a run. Runs in
    a background thread, best effort: a broker that is down is found by the first webhook (503)."""
    if not settings.QUEUE_IS_EMBEDDED:
        threading.Thread(target=_open_publishers, name="webhook-warm-up", daemon=True).start()


def _open_publishers() -> None:
    from chatmedia.celery import app

    queue = app.amqp.router.route({}, "whatsapp.ingest_webhook")["queue"]
    producers = []
    try:
        # As many as can publish at once: one per thread of the pool that runs `_queue`.
        for _ in range(min(settings.MEDIA_SERVING_THREADS, app.conf.broker_pool_limit or 1)):
            producer = app.producer_pool.acquire(block=False)
            producers.append(producer)
            producer.maybe_declare(queue)  # connects, opens the channel, declares once per connection
    except Exception as exc:
        logger.warning("broker connections for webhooks not opened ahead: %s", exc)
    finally:
        for producer in producers:
            producer.release()


def wants(scope) -> bool:
    """True for a request this app answers; everything else goes to Django."""
    if scope["method"] != "POST" or not ROUTE.match(scope["path"]):
        return False
    length = dict(scope["headers"]).get(b"content-length", b"")
    return length.isdigit() and int(length) <= settings.WEBHOOK_QUEUE_MAX_BODY_BYTES


async def webhook_app(scope, receive, send) -> None:
    started = time.perf_counter()
    match = ROUTE.match(scope["path"])
    with log_context.context(tenant=match["slug"]):
        try:
            status, body, event = await _accept(scope, receive, match["slug"], match["rest"])
        except DatabaseError:
            logger.exception("webhook for %s: database unavailable", match["slug"])
            status, body, event = 503, _error("unavailable", "Temporarily unavailable; retry."), "unknown"
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 503:
        headers.append((b"retry-after", b"5"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    metrics.WEBHOOKS.labels(event if event in HANDLED_EVENTS else "other", str(status)).inc()
    metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)


def _error(code: str, message: str) -> bytes:
    return json.dumps({"error": {"code": code, "message": message}}).encode()


async def _accept(scope, receive, slug: str, rest: str) -> tuple[int, bytes, str]:
    auths = await _tenant(slug)
    authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    segments = [s for s in rest.split("/") if s]
    admission = admitted(auths, segments, bearer_token(authorization)) if auths else None
    if admission is None:
        return 401, _error("unauthorized", "Unknown connection, wrong secret or invalid token."), "unknown"
    if not valid_event_path(admission.rest):
        return 404, _error("not_found", "Not found."), "unknown"
    raw = await _read(receive, settings.WEBHOOK_QUEUE_MAX_BODY_BYTES)
    if raw is None:
        return 413, _error("too_large", "The body is larger than its Content-Length."), "unknown"
    try:
        webhook = parse_webhook_body(raw)
    except PayloadError as exc:
        logger.info("webhook for %s not understood: %s", slug, exc)
        return 200, json.dumps({"ok": True, "ignored": [str(exc)[:200]]}).encode(), "unknown"
    if foreign_instance(webhook, admission):
        logger.warning("webhook for %s from instance %r refused", slug, webhook.instance[:100])
        return 401, _error("unauthorized", "This instance does not belong to this connection."), webhook.event
    try:
        await blocking.run(_queue, admission.connection.id, raw.decode("utf-8", "replace"))
    except Exception as exc:  # the broker did not take it: Evolution retries a 5xx
        logger.warning("webhook for %s not queued: %s", slug, exc)
        return 503, _error("unavailable", "The queue is unavailable; retry."), webhook.event
    return 200, b'{"ok": true, "queued": true}', webhook.event


async def _read(receive, limit: int) -> bytes | None:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        body += message.get("body", b"")
        if len(body) > limit:
            return None
        if not message.get("more_body"):
            return bytes(body)


def _queue(connection_id: str, body: str) -> None:
    # No retry loop here: the answer must come quickly, and Evolution retries a 503 for us.
    jobs.submit("whatsapp.ingest_webhook", connection_id, body, time.time(), retry=False)
