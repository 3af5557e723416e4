"""`POST /webhooks/evolution/<tenant-slug>/<secret>/[<event-name>/]` — Evolution API webhooks.

Authentication (per tenant; anything else is 401 and nothing is read or stored):
- the tenant's webhook secret as the path segment after the slug (constant-time compare), or
- `Authorization: Bearer <JWT>`, HS256 with the tenant's `jwt_key` (Evolution >= 2.3.0 sends it
  when `jwt_key` is in the webhook headers), claims `app: evolution`, `action: webhook`, `exp`.
The payload's `instance` must be the tenant's instance when one is configured, and a request that
proved itself with a JWT must name it (Evolution's JWT carries no instance claim, so the body is what
binds it). Each tenant's `jwt_key` is unique (a database constraint), so one tenant's token never
verifies as another's whatever the body says.

Most webhooks never reach this view: the ASGI fast path (`webhook_app.py`) applies the same rules
(`admitted`, `valid_event_path`, `foreign_instance`, here) and queues them for `ingest_and_log`.
This view takes the rest — bodies over WEBHOOK_QUEUE_MAX_BODY_BYTES, which carry a whole file as
base64 — and stores them in the request, the inline file going straight to storage, not through
the broker. Such a body is read from the stream with our own limit (WEBHOOK_MAX_BODY_BYTES; 413
beyond it, which Evolution retries) instead of Django's 2.5 MB `request.body` limit (400, never
retried: media lost). Shapes we do not know get 200 and a log line (a 4xx would only make Evolution
drop or retry an event we cannot use anyway), and so does content the database refuses. A database
outage gets 503: retried.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from chatmedia.errors import error_response
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.tenancy.models import Tenant
from chatmedia.whatsapp import ingest
from chatmedia.whatsapp.payloads import HANDLED_EVENTS, PayloadError, parse_webhook_body

logger = logging.getLogger(__name__)

EVENT_SEGMENT = re.compile(r"^[a-z0-9]+(?:[-._][a-z0-9]+)*$")


def bearer_token(authorization: str) -> str | None:
    kind, _, token = authorization.partition(" ")
    return token.strip() if kind.lower() == "bearer" and token.strip() else None


def valid_jwt(token: str, key: str) -> bool:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=["HS256"],
            leeway=settings.WEBHOOK_JWT_LEEWAY_SECONDS,
            options={"require": ["exp"]},
        )
    except jwt.PyJWTError:
        return False
    return claims.get("app") == "evolution" and claims.get("action") == "webhook"


@dataclass(frozen=True)
class Admission:
    rest: list[str]  # the path segments after the secret (an event name, or nothing)
    by_token: bool  # proved by a JWT, not by the secret in the path


def admitted(tenant, segments: list[str], bearer: str | None) -> Admission | None:
    """How the request proves to be `tenant`'s (its secret, or a valid JWT), or None.
    `tenant`: a Tenant, or anything with its webhook_secret and jwt_key."""
    if segments and constant_time_compare(segments[0], tenant.webhook_secret):
        return Admission(segments[1:], by_token=False)
    if bearer and tenant.jwt_key and valid_jwt(bearer, tenant.jwt_key):
        return Admission(segments, by_token=True)
    return None


def valid_event_path(segments: list[str]) -> bool:
    """At most one segment left, an event name (`/messages-upsert`, Evolution's "by events")."""
    return len(segments) <= 1 and all(EVENT_SEGMENT.match(segment) for segment in segments)


def foreign_instance(tenant, webhook, admission: Admission) -> bool:
    """The body names another instance than the tenant's, or (JWT) does not name the tenant's."""
    if not tenant.evolution_instance:
        return False
    if not webhook.instance:
        return admission.by_token
    return webhook.instance != tenant.evolution_instance


def authenticate(request: HttpRequest, slug: str, segments: list[str]) -> tuple[Tenant, Admission] | None:
    """The tenant and how it was proved, or None when not authenticated."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        return None
    admission = admitted(tenant, segments, bearer_token(request.headers.get("Authorization", "")))
    return None if admission is None else (tenant, admission)


def _read_body(request: HttpRequest, limit: int) -> bytearray | None:
    """The body, or None when it is larger than `limit` (read from the stream, not request.body).

    Memory: about three times the body at the peak (these bytes, the decoded text, the parsed
    base64 string). Evolution's inline base64 is optional; `base64: false` keeps webhooks small.
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    while chunk := request.read(settings.MEDIA_STREAM_CHUNK_BYTES):
        if len(body) + len(chunk) > limit:
            return None
        body += chunk
    return body


@csrf_exempt
def evolution_webhook(request: HttpRequest, slug: str, rest: str = "") -> JsonResponse:
    if request.method != "POST":
        return error_response(405, "method_not_allowed", "Webhooks are POSTed.", {"Allow": "POST"})
    started = time.perf_counter()
    event = "unknown"
    with log_context.context(tenant=slug):
        try:
            response, event = _receive(request, slug, rest)
        except (DataError, IntegrityError) as exc:  # its content, not an outage: retrying cannot help
            logger.warning("webhook for %s refused by the database: %s", slug, str(exc)[:300])
            response = JsonResponse({"ok": True, "ignored": ["the database refused its content"]})
        except DatabaseError:
            logger.exception("webhook for %s: database unavailable", slug)
            response = error_response(
                503, "unavailable", "Temporarily unavailable; retry.", {"Retry-After": "5"}
            )
    metrics.WEBHOOKS.labels(event if event in HANDLED_EVENTS else "other", str(response.status_code)).inc()
    metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)
    return response


def _receive(request: HttpRequest, slug: str, rest: str) -> tuple[JsonResponse, str]:
    """The answer and the event it carried (for metrics; `unknown` before it is known)."""
    started = time.monotonic()
    authenticated = authenticate(request, slug, [s for s in rest.split("/") if s])
    if authenticated is None:
        return error_response(
            401, "unauthorized", "Unknown tenant, wrong secret or invalid token."
        ), "unknown"
    tenant, admission = authenticated
    if not valid_event_path(admission.rest):
        return error_response(404, "not_found", "Not found."), "unknown"
    body = _read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        logger.warning("webhook for %s over %s bytes refused", tenant.slug, settings.WEBHOOK_MAX_BODY_BYTES)
        too_large = f"The body is larger than {settings.WEBHOOK_MAX_BODY_BYTES} bytes."
        return error_response(413, "too_large", too_large), "unknown"
    try:
        webhook = parse_webhook_body(bytes(body))
    except PayloadError as exc:
        logger.info("webhook for %s not understood: %s", tenant.slug, exc)
        return JsonResponse({"ok": True, "ignored": [str(exc)[:200]]}), "unknown"
    del body
    if foreign_instance(tenant, webhook, admission):
        logger.warning("webhook for %s from instance %r refused", tenant.slug, webhook.instance[:100])
        return error_response(
            401, "unauthorized", "This instance does not belong to this tenant."
        ), webhook.event
    outcome = ingest_and_log(tenant, webhook, started)
    answer = {"ok": True, "created": outcome.created, "duplicates": outcome.duplicates}
    return JsonResponse(answer), webhook.event


def ingest_and_log(tenant: Tenant, webhook, started: float, received_at=None) -> ingest.Outcome:
    """Store what the webhook says (here, or in the `whatsapp.ingest_webhook` task) and log it."""
    outcome = ingest.handle(tenant, webhook, received_at)
    logger.info(
        "webhook %s for %s: %d new, %d duplicate, %d status, %d action, %d contact, %d ignored in %.1f ms",
        webhook.event,
        tenant.slug,
        outcome.created,
        outcome.duplicates,
        outcome.statuses,
        outcome.actions,
        outcome.contacts,
        len(outcome.ignored),
        (time.monotonic() - started) * 1000,
    )
    return outcome
