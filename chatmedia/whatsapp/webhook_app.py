"""The webhook's fast path: authenticate, check, queue, answer — outside Django's request cycle.

Evolution posts every event of an instance one after another and waits for each answer, and a
busy instance sends hundreds a second; storing a message (conversation upsert, dedup, events)
costs tens of milliseconds of database work. So for a `POST /webhooks/evolution/…` whose body is
at most WEBHOOK_QUEUE_MAX_BODY_BYTES (every event but inline base64 media), this ASGI app:

1. finds the tenant by slug (cached per process for WEBHOOK_TENANT_CACHE_SECONDS) and checks the
   secret path segment or the JWT, the event segment, and the payload's instance — the same rules,
   answers and code (`whatsapp.webhook`) as the Django view;
2. reads the body with its limit and parses it (shapes we do not know: 200 and ignored, as there);
3. publishes it to the broker as the `whatsapp.ingest_webhook` task (publisher confirms on
   RabbitMQ: the answer waits until the broker has it) and answers 200 `{"ok": true, "queued": true}`.
   A broker that does not take it gets 503 with Retry-After: Evolution retries, nothing is lost.

Anything else (no Content-Length, a bigger body with a whole file in it, other methods) goes to
the Django view, which stores inline media straight to storage instead of through the broker.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import DatabaseError

from chatmedia.media import blocking
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.whatsapp.payloads import HANDLED_EVENTS, PayloadError, parse_webhook
from chatmedia.whatsapp.webhook import admitted, bearer_token, foreign_instance, valid_event_path

logger = logging.getLogger(__name__)

ROUTE = re.compile(r"^/webhooks/evolution/(?P<slug>[-a-zA-Z0-9_]+)/(?P<rest>.*)$")


@dataclass(frozen=True)
class TenantAuth:
    """What authenticating a webhook needs of a tenant (the Tenant row, minus everything else)."""

    id: str
    slug: str
    webhook_secret: str
    jwt_key: str
    evolution_instance: str


_tenants: dict[str, tuple[float, TenantAuth]] = {}
_tenants_lock = threading.Lock()


def _cached_tenant(slug: str) -> TenantAuth | None:
    with _tenants_lock:
        cached = _tenants.get(slug)
    return cached[1] if cached is not None and cached[0] > time.monotonic() else None


def _load_tenant(slug: str) -> TenantAuth | None:
    from chatmedia.tenancy.models import Tenant

    now = time.monotonic()
    row = (
        Tenant.objects.filter(slug=slug)
        .values_list("id", "slug", "webhook_secret", "jwt_key", "evolution_instance")
        .first()
    )
    if row is None:
        return None  # not cached: a slug that does not exist must not fill memory
    auth = TenantAuth(str(row[0]), *row[1:])
    with _tenants_lock:
        _tenants[slug] = (now + settings.WEBHOOK_TENANT_CACHE_SECONDS, auth)
    return auth


def forget_tenants() -> None:
    """Drop the cache (tests; a changed secret is otherwise picked up within the TTL)."""
    with _tenants_lock:
        _tenants.clear()


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
    tenant = _cached_tenant(slug) or await blocking.run_db(_load_tenant, slug)
    authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    segments = [s for s in rest.split("/") if s]
    left = None if tenant is None else admitted(tenant, segments, bearer_token(authorization))
    if left is None:
        return 401, _error("unauthorized", "Unknown tenant, wrong secret or invalid token."), "unknown"
    if not valid_event_path(left):
        return 404, _error("not_found", "Not found."), "unknown"
    raw = await _read(receive, settings.WEBHOOK_QUEUE_MAX_BODY_BYTES)
    if raw is None:
        return 413, _error("too_large", "The body is larger than its Content-Length."), "unknown"
    try:
        webhook = parse_webhook(json.loads(raw))
    except (ValueError, PayloadError) as exc:
        logger.info("webhook for %s not understood: %s", slug, exc)
        return 200, json.dumps({"ok": True, "ignored": [str(exc)[:200]]}).encode(), "unknown"
    if foreign_instance(tenant, webhook):
        logger.warning("webhook for %s from instance %r refused", slug, webhook.instance[:100])
        return 401, _error("unauthorized", "This instance does not belong to this tenant."), webhook.event
    try:
        await blocking.run(_queue, tenant.id, raw.decode("utf-8", "replace"))
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


def _queue(tenant_id: str, body: str) -> None:
    from chatmedia.whatsapp.tasks import ingest_webhook

    # No retry loop here: the answer must come quickly, and Evolution retries a 503 for us.
    ingest_webhook.apply_async(args=[tenant_id, body, time.time()], retry=False)
