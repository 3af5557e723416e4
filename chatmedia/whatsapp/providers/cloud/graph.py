"""HTTP client for the Graph API calls of the WhatsApp Cloud API (v21.0-style paths, the version a
setting). Every call carries the connection's own access token (`Authorization: Bearer`) to the
connection's Graph URL (set by an operator; GRAPH_API_URL by default), never a global key; the
token is never logged. Errors become `FetchError`: network, 5xx and 429 are `transient`; 401 (or
Meta's OAuth error 190) is `provider_auth`, and the connection is marked as refusing its
credentials; other refusals carry Meta's reason (`payloads.error_of`).

Media: `GET /{media-id}` answers `{url, mime_type, sha256 (hex), file_size, id}`; the URL (valid
about five minutes, on Meta's media hosts, fetched with the bearer token again and through
`whatsapp.outbound`'s allow-list) is streamed with our size cap and its SHA-256 checked. A URL that
expired between the lookup and the download (401/403/404/410) is looked up once more.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any, BinaryIO

import httpx
from django.conf import settings

from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp.outbound import FetchError, fetch_to_spool
from chatmedia.whatsapp.providers.cloud.payloads import error_of, sha256_bytes

logger = logging.getLogger(__name__)

EXPIRED_URL_STATUSES = (401, 403, 404, 410)


def base_url(connection: Connection) -> str:
    return f"{(connection.graph_url or settings.GRAPH_API_URL).rstrip('/')}/{settings.GRAPH_API_VERSION}"


def _headers(connection: Connection) -> dict[str, str]:
    return {"Authorization": f"Bearer {connection.secret('access_token')}"}


def call(
    connection: Connection,
    method: str,
    path: str,
    *,
    json: dict | None = None,
    files: dict | None = None,
    data: dict | None = None,
) -> Any:
    """`method` `<graph>/<version>/<path>`; the decoded JSON answer."""
    url = f"{base_url(connection)}/{path.lstrip('/')}"
    timeout = httpx.Timeout(settings.GRAPH_TIMEOUT_SECONDS, connect=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS)
    try:
        with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
            response = client.request(
                method, url, headers=_headers(connection), json=json, files=files, data=data
            )
    except httpx.TimeoutException:
        raise FetchError(
            "provider_timeout",
            "the WhatsApp Cloud API did not answer in time",
            transient=True,
            ambiguous=True,
        ) from None
    except httpx.TransportError as exc:
        raise FetchError(
            "provider_unavailable", f"cannot reach the Graph API: {exc}", transient=True
        ) from None
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    status = response.status_code
    if 200 <= status < 300:
        connection.mark(Connection.Status.CONNECTED)
        return body
    error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), dict) else {}
    logger.info(
        "graph %s %s for connection %s answered %s", method, path.split("/")[-1], connection.pk, status
    )
    if status == 401 or error.get("code") == 190:
        connection.mark(Connection.Status.AUTH_ERROR, "Meta refused the access token")
        raise FetchError("provider_auth", "the WhatsApp Cloud API refused our access token", status=status)
    if status == 429 or status >= 500:
        raise FetchError(
            "provider_unavailable", f"the Graph API answered {status}", transient=True, status=status
        )
    code, message = error_of(error) if error else ("provider_refused", f"the Graph API answered {status}")
    raise FetchError(code, message, status=status)


def media_info(connection: Connection, media_id: str) -> dict:
    if not media_id.isdigit():
        raise FetchError("no_source", "not a Cloud API media id")
    info = call(connection, "GET", media_id)
    if not isinstance(info, dict) or not isinstance(info.get("url"), str):
        raise FetchError("provider_bad_response", "the Graph API gave no URL for this media")
    return info


def download(connection: Connection, media_id: str, max_bytes: int, expected_sha256: str = "") -> BinaryIO:
    """The file of `media_id`, at most `max_bytes`, its SHA-256 checked (a spooled file at 0)."""
    for attempt in (1, 2):
        info = media_info(connection, media_id)
        size = info.get("file_size")
        if str(size).isdigit() and int(size) > max_bytes:
            raise FetchError("too_large", f"the file is larger than the limit of {max_bytes} bytes")
        try:
            spool = fetch_to_spool(info["url"], max_bytes, _headers(connection))
        except FetchError as exc:
            if exc.status in EXPIRED_URL_STATUSES and attempt == 1:
                logger.info(
                    "cloud media URL of %s expired before the download: looking it up again", media_id
                )
                continue
            if exc.status in EXPIRED_URL_STATUSES:
                raise FetchError(
                    "expired", "the media is no longer on WhatsApp's servers", status=exc.status
                ) from None
            raise
        _check(spool, info.get("sha256") or expected_sha256)
        return spool
    raise FetchError("expired", "the media is no longer on WhatsApp's servers")  # pragma: no cover


def _check(spool: BinaryIO, expected: str) -> None:
    want = sha256_bytes(expected) if expected else None
    if want is None:
        return
    digest = hashlib.sha256()
    while chunk := spool.read(settings.MEDIA_STREAM_CHUNK_BYTES):
        digest.update(chunk)
    spool.seek(0)
    if digest.digest() != want:
        spool.close()
        raise FetchError("integrity", "the downloaded file failed the sha256 check")


def upload(connection: Connection, file: BinaryIO, mime_type: str, file_name: str) -> str:
    """POST the file to `/{phone-number-id}/media` (multipart); Meta's media id."""
    answer = call(
        connection,
        "POST",
        f"{connection.phone_number_id}/media",
        files={"file": (file_name, file, mime_type)},
        data={"messaging_product": "whatsapp", "type": mime_type},
    )
    media_id = answer.get("id") if isinstance(answer, dict) else None
    if not isinstance(media_id, str) or not media_id:
        raise FetchError("provider_bad_response", "the Graph API gave no media id for the upload")
    return media_id


def send_message(connection: Connection, body: dict) -> str:
    """POST `/{phone-number-id}/messages`; WhatsApp's id of the message ("" if not given)."""
    answer = call(
        connection,
        "POST",
        f"{connection.phone_number_id}/messages",
        json={"messaging_product": "whatsapp", "recipient_type": "individual", **body},
    )
    messages = answer.get("messages") if isinstance(answer, dict) else None
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else {}
    wa_id = first.get("id")
    return wa_id if isinstance(wa_id, str) else ""
