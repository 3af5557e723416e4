"""HTTP client for the Evolution API endpoints we call (shared/spec/evolution-api.md §7.2, §8.2, §10).

Each call uses the connection's own instance token (`apikey` header), never a global key, and the
connection's configured base URL (set by an operator, not by a webhook). Errors become `FetchError`
with a machine code; `transient` ones (network, 5xx, 429) are worth a retry, the rest are not.
The token is never logged.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

import httpx
from django.conf import settings

from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp.outbound import FetchError

logger = logging.getLogger(__name__)


def is_configured(connection: Connection | None) -> bool:
    return (
        connection is not None
        and connection.provider == Connection.Provider.EVOLUTION
        and connection.can_send
    )


def _message_of(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    message = (body.get("response") or {}).get("message") if isinstance(body, dict) else None
    if isinstance(message, list):
        return "; ".join(str(item) for item in message)[:300]
    return str(message or body)[:300]


def call(
    connection: Connection,
    route: str,
    payload: dict[str, Any] | None = None,
    *,
    timeout: float | None = None,
    query: dict[str, str] | None = None,
) -> Any:
    """POST `payload` to `<evolution_url>/<route>/<instance>` (GET with `query` when there is no
    payload: Evolution's group lookups); the decoded JSON body (None if empty)."""
    if not is_configured(connection):
        raise FetchError("evolution_not_configured", "this number has no Evolution API connection")
    url = f"{connection.evolution_url.rstrip('/')}/{route}/{quote(connection.evolution_instance, safe='')}"
    seconds = timeout or settings.EVOLUTION_TIMEOUT_SECONDS
    try:
        with httpx.Client(
            timeout=httpx.Timeout(seconds, connect=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS),
            follow_redirects=False,
            trust_env=False,
        ) as client:
            headers = {"apikey": connection.secret("token")}
            if payload is None:
                response = client.get(url, params=query or {}, headers=headers)
            else:
                response = client.post(url, json=payload, headers=headers)
    except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
        # Never connected: the request did not reach Evolution.
        raise FetchError(
            "evolution_unavailable", f"cannot reach Evolution API: {exc}", transient=True
        ) from None
    except httpx.TimeoutException:
        raise FetchError(
            "evolution_timeout", "Evolution API did not answer in time", transient=True, ambiguous=True
        ) from None
    except httpx.TransportError as exc:
        raise FetchError(
            "evolution_unavailable",
            f"the connection to Evolution API failed: {exc}",
            transient=True,
            ambiguous=True,
        ) from None
    status = response.status_code
    if status in (200, 201):
        if not response.content.strip():
            return None
        try:
            return response.json()
        except ValueError:
            raise FetchError(
                "evolution_bad_response", "Evolution API answered something that is not JSON"
            ) from None
    message = _message_of(response)
    logger.info("evolution %s for connection %s answered %s: %s", route, connection.pk, status, message)
    if status == 429 or status >= 500:
        raise FetchError(
            "evolution_unavailable", f"Evolution API answered {status}", transient=True, status=status
        )
    if status in (401, 403):
        raise FetchError(
            "evolution_auth", "Evolution API refused our token (check the instance token)", status=status
        )
    raise FetchError("evolution_refused", f"Evolution API answered {status}: {message}", status=status)


def get_base64_from_media_message(connection: Connection, message: dict) -> tuple[str, str]:
    """(base64 of the decrypted file, mimetype) for a full message `{"key":…, "message":…}`."""
    body = call(connection, "chat/getBase64FromMediaMessage", {"message": message, "convertToMp4": False})
    if not isinstance(body, dict) or not isinstance(body.get("base64"), str) or not body["base64"]:
        raise FetchError("evolution_bad_response", "Evolution API returned no media for this message")
    mimetype = body.get("mimetype") if isinstance(body.get("mimetype"), str) else ""
    return body["base64"], mimetype


def fetch_profile_picture_url(connection: Connection, jid: str) -> str:
    """The current profile picture URL of `jid`, or '' when there is none (or it is hidden)."""
    body = call(connection, "chat/fetchProfilePictureUrl", {"number": jid})
    url = body.get("profilePictureUrl") if isinstance(body, dict) else None
    return url.strip() if isinstance(url, str) else ""


def find_group_subject(connection: Connection, group_jid: str) -> str:
    """`GET /group/findGroupInfos/{instance}?groupJid=…` (2.3.7 group.router.ts): the group's
    subject, '' when it has none."""
    body = call(connection, "group/findGroupInfos", query={"groupJid": group_jid})
    subject = body.get("subject") if isinstance(body, dict) else None
    return subject.strip()[:255] if isinstance(subject, str) else ""


def send_media(connection: Connection, body: dict[str, Any]) -> Any:
    """`POST /message/sendMedia`: image, video, document or audio file (§10.1). The answer is the sent
    message (`key.id` is WhatsApp's id); it comes once the file is on WhatsApp's servers."""
    return call(connection, "message/sendMedia", body)


def send_whatsapp_audio(connection: Connection, body: dict[str, Any]) -> Any:
    """`POST /message/sendWhatsAppAudio`: a voice note (push-to-talk) (§10.2)."""
    return call(connection, "message/sendWhatsAppAudio", body)
