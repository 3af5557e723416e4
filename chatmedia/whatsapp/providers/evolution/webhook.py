"""`POST /webhooks/evolution/<connection-id>/<secret>/[<event-name>/]` — Evolution API webhooks.

The route of before connections, `/webhooks/evolution/<tenant-slug>/<secret>/…`, keeps working:
it reaches the tenant's Evolution connection whose secret (or JWT key) the request proves.

Authentication (per connection; anything else is 401 and nothing is read or stored):
- the connection's webhook secret as the path segment after the id (constant-time compare), or
- `Authorization: Bearer <JWT>`, HS256 with the connection's JWT key (Evolution >= 2.3.0 sends it
  when `jwt_key` is in the webhook headers), claims `app: evolution`, `action: webhook`, `exp`.
The payload's `instance` must be the connection's instance when one is configured, and a request
that proved itself with a JWT must name it (Evolution's JWT carries no instance claim, so the body
is what binds it). Each connection's JWT key is unique (a database constraint on its digest), so
one connection's token never verifies as another's whatever the body says.

Most webhooks never reach this view: the ASGI fast path (`webhook_app.py`) applies the same rules
(`admitted`, `valid_event_path`, `foreign_instance`, here) and queues them for `ingest.handle_and_log`.
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
import uuid
from dataclasses import dataclass

import jwt
from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError
from django.http import HttpRequest, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from chatmedia.body_limits import read_body
from chatmedia.errors import error_response
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp import ingest
from chatmedia.whatsapp.providers.evolution.payloads import HANDLED_EVENTS, PayloadError, parse_webhook_body

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
class ConnectionAuth:
    """What authenticating a webhook needs of an Evolution connection (decrypted; never logged)."""

    id: str
    tenant_slug: str
    webhook_secret: str
    jwt_key: str
    evolution_instance: str


@dataclass(frozen=True)
class Admission:
    connection: ConnectionAuth
    rest: list[str]  # the path segments after the secret (an event name, or nothing)
    by_token: bool  # proved by a JWT, not by the secret in the path


def load_auths(key: str) -> tuple[ConnectionAuth, ...]:
    """The Evolution connections a route key names: a connection id (one), or a tenant slug (the
    route of before connections: each of its Evolution connections may be the one proved)."""
    connections = Connection.objects.filter(provider=Connection.Provider.EVOLUTION).select_related("tenant")
    if _is_uuid(key):
        found = list(connections.filter(pk=key)) or list(connections.filter(tenant__slug=key))
    else:
        found = list(connections.filter(tenant__slug=key))
    return tuple(
        ConnectionAuth(
            str(c.pk), c.tenant.slug, c.secret("webhook_secret"), c.secret("jwt_key"), c.evolution_instance
        )
        for c in found
    )


def _is_uuid(key: str) -> bool:
    try:
        uuid.UUID(key)
    except ValueError:
        return False
    return True


def admitted(auths, segments: list[str], bearer: str | None) -> Admission | None:
    """Which connection the request proves to be (its secret, or a valid JWT), and how; or None."""
    for auth in auths:
        if segments and auth.webhook_secret and constant_time_compare(segments[0], auth.webhook_secret):
            return Admission(auth, segments[1:], by_token=False)
    if bearer:
        for auth in auths:
            if auth.jwt_key and valid_jwt(bearer, auth.jwt_key):
                return Admission(auth, segments, by_token=True)
    return None


def valid_event_path(segments: list[str]) -> bool:
    """At most one segment left, an event name (`/messages-upsert`, Evolution's "by events")."""
    return len(segments) <= 1 and all(EVENT_SEGMENT.match(segment) for segment in segments)


def foreign_instance(webhook, admission: Admission) -> bool:
    """The body names another instance than the connection's, or (JWT) does not name it."""
    instance = admission.connection.evolution_instance
    if not instance:
        return False
    if not webhook.instance:
        return admission.by_token
    return webhook.instance != instance


def authenticate(request: HttpRequest, key: str, segments: list[str]) -> Admission | None:
    """Which connection it is and how it was proved, or None when not authenticated."""
    return admitted(load_auths(key), segments, bearer_token(request.headers.get("Authorization", "")))


@csrf_exempt
def evolution_webhook(request: HttpRequest, slug: str, rest: str = "") -> JsonResponse:
    """`slug`: a connection id, or a tenant slug (the route of before connections)."""
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
    admission = authenticate(request, slug, [s for s in rest.split("/") if s])
    if admission is None:
        return error_response(
            401, "unauthorized", "Unknown connection, wrong secret or invalid token."
        ), "unknown"
    slug = admission.connection.tenant_slug
    if not valid_event_path(admission.rest):
        return error_response(404, "not_found", "Not found."), "unknown"
    body = read_body(request, settings.WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        logger.warning("webhook for %s over %s bytes refused", slug, settings.WEBHOOK_MAX_BODY_BYTES)
        too_large = f"The body is larger than {settings.WEBHOOK_MAX_BODY_BYTES} bytes."
        return error_response(413, "too_large", too_large), "unknown"
    try:
        webhook = parse_webhook_body(body)
    except PayloadError as exc:
        logger.info("webhook for %s not understood: %s", slug, exc)
        return JsonResponse({"ok": True, "ignored": [str(exc)[:200]]}), "unknown"
    del body
    if foreign_instance(webhook, admission):
        logger.warning("webhook for %s from instance %r refused", slug, webhook.instance[:100])
        return error_response(
            401, "unauthorized", "This instance does not belong to this connection."
        ), webhook.event
    connection = Connection.objects.select_related("tenant").get(pk=admission.connection.id)
    outcome = ingest.handle_and_log(connection, webhook, started)
    answer = {"ok": True, "created": outcome.created, "duplicates": outcome.duplicates}
    return JsonResponse(answer), webhook.event
