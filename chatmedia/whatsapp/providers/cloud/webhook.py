"""`/webhooks/cloud/<connection-id>/` — Meta's WhatsApp Cloud API webhooks.

- `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` (Meta's verification when the URL is
  set in the app): the challenge echoed as text/plain when the verify token is the connection's
  (constant-time compare), else 403.
- `POST`: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app secret>`,
  compared in constant time; anything else 401 and nothing is read further or stored. A body seen
  already (same digest within CLOUD_WEBHOOK_REPLAY_SECONDS: a replay, or Meta delivering again) is
  answered 200 and not stored again. Meta sends every number of an app to the app's one callback
  URL: each change goes to the connection of its `metadata.phone_number_id`, if that connection is
  of the same tenant and signed by the same app secret; other changes are dropped with a log line.
Shapes we do not know get 200 and a log line; a database outage 503 (Meta retries).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, DataError, IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt

from chatmedia.body_limits import read_body
from chatmedia.errors import error_response
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp import ingest
from chatmedia.whatsapp.providers.cloud.payloads import CloudPayloadError, parse

logger = logging.getLogger(__name__)

CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")


def signature_valid(body: bytes, header: str, app_secret: str) -> bool:
    scheme, _, received = header.partition("=")
    if scheme != "sha256" or not received or not app_secret:
        return False
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received.strip().lower())


@csrf_exempt
def cloud_webhook(request: HttpRequest, connection_id) -> HttpResponse:
    connection = (
        Connection.objects.filter(pk=connection_id, provider=Connection.Provider.CLOUD)
        .select_related("tenant")
        .first()
    )
    if request.method == "GET":
        return _verify(request, connection)
    if request.method != "POST":
        return error_response(405, "method_not_allowed", "Webhooks are POSTed.", {"Allow": "GET, POST"})
    started = time.perf_counter()
    with log_context.context(tenant=connection.tenant.slug if connection else "unknown"):
        try:
            response = _receive(request, connection)
        except (DataError, IntegrityError) as exc:
            logger.warning("cloud webhook refused by the database: %s", str(exc)[:300])
            response = JsonResponse({"ok": True, "ignored": ["the database refused its content"]})
        except DatabaseError:
            logger.exception("cloud webhook: database unavailable")
            response = error_response(
                503, "unavailable", "Temporarily unavailable; retry.", {"Retry-After": "5"}
            )
    metrics.WEBHOOKS.labels("cloud", str(response.status_code)).inc()
    metrics.WEBHOOK_SECONDS.observe(time.perf_counter() - started)
    return response


def _verify(request: HttpRequest, connection: Connection | None) -> HttpResponse:
    mode = request.GET.get("hub.mode", "")
    token = request.GET.get("hub.verify_token", "")
    challenge = request.GET.get("hub.challenge", "")
    expected = connection.secret("verify_token") if connection is not None else ""
    if mode != "subscribe" or not expected or not constant_time_compare(token, expected):
        return error_response(403, "forbidden", "Wrong verify token.")
    if not CHALLENGE.match(challenge):
        return error_response(400, "bad_challenge", "hub.challenge is missing or not a plain token.")
    return HttpResponse(challenge, content_type="text/plain; charset=utf-8")


def _receive(request: HttpRequest, connection: Connection | None) -> JsonResponse:
    started = time.monotonic()
    if connection is None:
        return error_response(401, "unauthorized", "Unknown connection or wrong signature.")
    body = read_body(request, settings.CLOUD_WEBHOOK_MAX_BODY_BYTES)
    if body is None:
        return error_response(413, "too_large", "The body is too large.")
    app_secret = connection.secret("app_secret")
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256", ""), app_secret):
        logger.warning("cloud webhook for connection %s with a wrong signature refused", connection.pk)
        return error_response(401, "unauthorized", "Unknown connection or wrong signature.")
    digest = hashlib.sha256(body).hexdigest()
    if not cache.add(f"cloud-webhook:{connection.pk}:{digest}", 1, settings.CLOUD_WEBHOOK_REPLAY_SECONDS):
        logger.info("cloud webhook for connection %s seen already: not stored again", connection.pk)
        return JsonResponse({"ok": True, "duplicate": True})
    try:
        by_number = parse(body)
    except CloudPayloadError as exc:
        logger.info("cloud webhook not understood: %s", exc)
        return JsonResponse({"ok": True, "ignored": [str(exc)[:200]]})
    created = duplicates = 0
    ignored = []
    for number, webhook in by_number.items():
        target = _connection_of(connection, number, app_secret)
        if target is None:
            logger.warning("cloud webhook: phone number id %s is no number of this tenant's app", number[:40])
            ignored.append(f"phone number id {number[:40]} is not connected here")
            continue
        outcome = ingest.handle_and_log(target, webhook, started)
        created, duplicates = created + outcome.created, duplicates + outcome.duplicates
    return JsonResponse({"ok": True, "created": created, "duplicates": duplicates, "ignored": ignored})


def _connection_of(received_by: Connection, number: str, app_secret: str) -> Connection | None:
    if number == received_by.phone_number_id:
        return received_by
    sibling = (
        Connection.objects.filter(
            tenant_id=received_by.tenant_id, provider=Connection.Provider.CLOUD, phone_number_id=number
        )
        .select_related("tenant")
        .first()
    )
    if sibling is None or not constant_time_compare(sibling.secret("app_secret"), app_secret):
        return None
    return sibling
