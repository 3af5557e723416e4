"""`GET /media/<attachment>/<variant>` and `GET /media/avatar/<conversation>`: a lean ASGI app.

It is mounted in `chatmedia.asgi` in front of Django (design §5: a Django view under ASGI manages a
tenth of the requests a plain ASGI handler does). The hot path — a signed URL of a cached thumbnail —
is an HMAC check and a dictionary lookup, with no thread, database or network on the way.

Authorization: a valid signed capability (`chatmedia.media.serving.signing`, no database), or else the
session or `Authorization: Token` of a member of the tenant (an expired link still works for a
logged-in agent). Then: local cache tier → Redis (Django's cache) → database + storage. Bodies over
MEDIA_CACHE_MAX_BYTES are streamed chunk by chunk (constant memory; the client's pace sets ours),
or handed to nginx with X-Accel-Redirect when MEDIA_ACCEL_REDIRECT_PREFIX is set.

Answers: 200/206/304/416 (`chatmedia.media.serving.delivery`); 401 without credentials; 403 for a bad or
expired signature; 404 for an unknown id, another tenant's id (the same body) or a missing variant;
503 + Retry-After when storage does not answer. Never a 500 for any of those.
"""

from __future__ import annotations

import asyncio
import io
import json
import logging
import re
import time
from dataclasses import dataclass
from importlib import import_module
from urllib.parse import unquote_plus, urlsplit

from django.conf import settings
from django.contrib.auth import get_user
from django.core.handlers.asgi import ASGIRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from chatmedia.media.serving import blocking, cache, catalog, delivery, signing
from chatmedia.media.storage import ObjectNotFound, StorageError, media_storage
from chatmedia.ops import counters, metrics
from chatmedia.ops.clients import client_address
from chatmedia.privacy import audit_log
from chatmedia.tenancy.auth import identity_of_request

logger = logging.getLogger(__name__)

_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
ROUTE = re.compile(
    rf"^/media/(?:avatar/(?P<conversation>{_UUID})|(?P<attachment>{_UUID})/(?P<variant>{'|'.join(signing.VARIANTS)}))/?$"
)
STORAGE_FAILURES = "media.serving.storage_unavailable"


# --- answers ------------------------------------------------------------------------------------------
def _encode(headers) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode("latin-1", "replace")) for name, value in headers]


async def _error(send, status: int, code: str, message: str, extra=()) -> None:
    body = json.dumps({"error": {"code": code, "message": message}}).encode()
    headers = [
        ("Content-Type", "application/json"),
        ("Content-Length", str(len(body))),
        ("Cache-Control", "no-store"),
        *delivery.security_headers("application/json"),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": _encode(headers)})
    await send({"type": "http.response.body", "body": body})


async def _unavailable(send) -> None:
    retry = str(settings.MEDIA_RETRY_AFTER_SECONDS)
    await _error(send, 503, "unavailable", "Storage is unavailable; try again.", [("Retry-After", retry)])


# --- authorization --------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Access:
    """Who a request reads as: the tenant, and how it proved it (for the audit log)."""

    tenant_id: str
    via: str  # audit_log.Via: signed_url, session or token
    actor_id: int | None = None
    actor_name: str = ""


def _access_from_credentials(scope) -> Access | None:
    """The tenant and user of the session cookie or API token in the request (blocking; database)."""
    request = ASGIRequest(scope, io.BytesIO())
    engine = import_module(settings.SESSION_ENGINE)
    request.session = engine.SessionStore(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
    request.user = SimpleLazyObject(lambda: get_user(request))
    found = identity_of_request(request)
    if found is None:
        return None
    tenant, user, via = found
    return Access(str(tenant.id), via, user.pk, audit_log.name_of(user))


def _query(raw: bytes) -> dict[str, str]:
    """The first value of each parameter (the hot path: parse_qs costs a third of a cached hit)."""
    found: dict[str, str] = {}
    for pair in raw.decode("latin-1").split("&"):
        name, _, value = pair.partition("=")
        if "%" in pair or "+" in pair:
            name, value = unquote_plus(name), unquote_plus(value)
        found.setdefault(name, value)
    return found


def _has_credentials(headers: dict[bytes, bytes]) -> bool:
    return b"authorization" in headers or settings.SESSION_COOKIE_NAME.encode() in headers.get(b"cookie", b"")


async def _authorize(query, headers, scope, object_id: str, variant: str, send) -> Access | None:
    """Whom the request reads as, or None after answering 401/403."""
    refusal = None
    if "sig" in query:
        tenant_id = query.get("tenant", "")
        verdict = signing.verify(tenant_id, object_id, variant, query.get("exp", ""), query["sig"])
        if verdict is signing.Verdict.VALID:
            return Access(tenant_id, audit_log.Via.SIGNED_URL)
        refusal = (
            ("expired", "This link has expired; reload the conversation for a new one.")
            if verdict is signing.Verdict.EXPIRED
            else ("invalid_signature", "This link is not valid.")
        )
    if _has_credentials(headers):
        access = await blocking.run_db(_access_from_credentials, scope)
        if access is not None:
            return access
    if refusal is not None:
        await _error(send, 403, *refusal)
    else:
        await _error(
            send,
            401,
            "unauthorized",
            "Log in, send an API token, or use a signed link.",
            [("WWW-Authenticate", "Token")],
        )
    return None


# --- the app ----------------------------------------------------------------------------------------------
async def media_app(scope, receive, send) -> None:
    """Serve, then count the response (status, cache hit or miss) and its duration."""
    started = time.perf_counter()
    sent = {"status": 0}
    labels = {"cache": "none"}

    async def tracked(message) -> None:
        if message["type"] == "http.response.start":
            sent["status"] = message["status"]
        await send(message)

    try:
        await _serve(scope, receive, tracked, labels)
    finally:
        metrics.TALLY.count(metrics.DOWNLOADS, labels["cache"], str(sent["status"]))
        metrics.TALLY.observe(metrics.DOWNLOAD_SECONDS, time.perf_counter() - started)
        if "audit" in labels and sent["status"] in (200, 206):
            _audit(scope, *labels["audit"])


async def _serve(scope, receive, send, labels: dict) -> None:
    match = ROUTE.match(scope["path"])
    if match is None:
        return await _error(send, 404, "not_found", "Not found.")
    if scope["method"] not in ("GET", "HEAD"):
        return await _error(send, 405, "method_not_allowed", "Only GET and HEAD.", [("Allow", "GET, HEAD")])
    if match["conversation"]:
        object_id, variant = match["conversation"].lower(), signing.AVATAR
    else:
        object_id, variant = match["attachment"].lower(), match["variant"]
    headers = dict(scope["headers"])
    query = _query(scope.get("query_string", b""))
    access = await _authorize(query, headers, scope, object_id, variant, send)
    if access is None:
        return None
    tenant_id = access.tenant_id
    key = catalog.cache_key(object_id, variant)
    entry = cache.local_get(key) if variant != signing.AVATAR else None
    if entry is None:
        entry = await cache.aget_shared(key)
    hit = entry is not None and entry.tenant == tenant_id
    labels["cache"] = "hit" if hit else "miss"
    metrics.TALLY.count(metrics.CACHE_LOOKUPS, labels["cache"])
    if not hit:
        try:
            found = await blocking.run_db(catalog.resolve, tenant_id, object_id, variant)
        except StorageError as exc:
            return await _storage_failed(send, exc)
        if isinstance(found, catalog.Refused):
            return await _error(send, found.status, found.code, found.message)
        entry = found
        if entry.immutable or variant == signing.AVATAR:
            await blocking.run(cache.put, key, entry)
    download = query.get("download") == "1"
    if variant in AUDITED_VARIANTS and scope["method"] == "GET":
        action = audit_log.served_action(
            entry.category, variant, delivery.is_inline(entry.content_type) and not download, download
        )
        if action is not None:
            labels["audit"] = (access, object_id, variant, action, headers)
    # X-Cache says where the body comes from: a big object's metadata may be cached, its bytes never.
    return await _respond(
        scope, receive, send, headers, entry, "HIT" if hit and entry.body is not None else "MISS", download
    )


# Variants whose serving may be an agent opening a file (audit_log.served_action decides).
AUDITED_VARIANTS = frozenset(signing.VARIANTS) - {"thumb", "poster"}


def _audit(scope, access: Access, object_id: str, variant: str, action: str, headers) -> None:
    """The audit row of a served view or download, buffered (no I/O here)."""
    cookie = headers.get(b"cookie")
    authorization = headers.get(b"authorization")
    credentials = (
        (
            cookie.decode("latin-1") if cookie else None,
            authorization.decode("latin-1") if authorization else None,
        )
        if access.actor_id is None
        else (None, None)
    )
    client = scope.get("client") or ("", 0)
    meta = {"REMOTE_ADDR": client[0] or ""}
    forwarded = headers.get(b"x-forwarded-for")
    if forwarded:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded.decode("latin-1")
    ip = client_address(meta) or None
    row = audit_log.Pending(
        tenant_id=access.tenant_id,
        attachment_id=object_id,
        variant=variant,
        action=action,
        via=access.via,
        at=timezone.now(),
        actor_id=access.actor_id,
        actor_name=access.actor_name,
        ip=ip,
        user_agent=headers.get(b"user-agent", b"").decode("latin-1")[: audit_log.USER_AGENT_MAX],
        credentials=credentials,
    )
    who = access.actor_id or credentials[0] or credentials[1] or ip
    audit_log.note(row, (access.tenant_id, object_id, variant, action, access.via, who))


async def _storage_failed(send, exc: StorageError) -> None:
    if isinstance(exc, ObjectNotFound):
        logger.error("media object missing from storage: %s", exc)
        return await _error(send, 404, "missing", "The stored file is missing.")
    counters.increment(STORAGE_FAILURES)
    logger.warning("storage unavailable while serving media: %s", exc)
    return await _unavailable(send)


async def _respond(
    scope, receive, send, headers, entry: catalog.Entry, cache_status: str, download: bool = False
) -> None:
    def header(name: bytes) -> str | None:
        value = headers.get(name)
        return value.decode("latin-1") if value is not None else None

    etag = delivery.etag_of(entry.sha256)
    plan = delivery.plan(entry.size, etag, header(b"range"), header(b"if-range"), header(b"if-none-match"))
    if plan.status == 200 and entry.body is not None and scope["method"] == "GET":
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": _whole_body_headers(entry, cache_status, download),
        }
        await send(start)
        return await send({"type": "http.response.body", "body": entry.body})
    out = _headers(entry, plan, cache_status, download)
    if plan.status == 416:
        body = json.dumps({"error": {"code": "range_not_satisfiable", "message": "Range not satisfiable."}})
        out.append(("Content-Length", str(len(body))))
        await send({"type": "http.response.start", "status": 416, "headers": _encode(out)})
        return await send({"type": "http.response.body", "body": body.encode()})
    if plan.status == 304 or scope["method"] == "HEAD":
        await send({"type": "http.response.start", "status": plan.status, "headers": _encode(out)})
        return await send({"type": "http.response.body", "body": b""})
    if entry.body is not None:
        await send({"type": "http.response.start", "status": plan.status, "headers": _encode(out)})
        return await send({"type": "http.response.body", "body": entry.body[plan.start : plan.end + 1]})
    if settings.MEDIA_ACCEL_REDIRECT_PREFIX:
        return await _accel_redirect(send, out, entry, plan)
    return await _stream(receive, send, out, entry, plan)


_HEADERS_KEPT = 4096
_whole_body_headers_cache: dict[tuple, list[tuple[bytes, bytes]]] = {}


def _whole_body_headers(entry: catalog.Entry, cache_status: str, download: bool) -> list[tuple[bytes, bytes]]:
    """Encoded headers of a 200 with the whole cached body: the same for every hit of an entry."""
    key = (  # what _headers() reads of the entry (as_tuple() cost a fifth of a hit)
        entry.sha256,
        entry.size,
        entry.content_type,
        entry.file_name,
        entry.max_age,
        entry.immutable,
        cache_status,
        download,
    )
    found = _whole_body_headers_cache.get(key)
    if found is None:
        if len(_whole_body_headers_cache) >= _HEADERS_KEPT:
            _whole_body_headers_cache.clear()
        whole = delivery.Plan(200, 0, entry.size - 1)
        found = _whole_body_headers_cache[key] = _encode(_headers(entry, whole, cache_status, download))
    return found


def _headers(
    entry: catalog.Entry, plan: delivery.Plan, cache_status: str, download: bool = False
) -> list[tuple[str, str]]:
    return delivery.response_headers(
        content_type=entry.content_type,
        size=entry.size,
        sha256=entry.sha256,
        file_name=entry.file_name,
        max_age=entry.max_age,
        immutable=entry.immutable,
        plan=plan,
        cache_status=cache_status,
        download=download,
    )


async def _accel_redirect(send, out, entry: catalog.Entry, plan: delivery.Plan) -> None:
    """Headers only; nginx serves the bytes from the internal location named. The range we settled
    (suffix and open ranges made explicit, If-Range already applied) goes along for S3 to use."""
    try:
        target = await blocking.run(accel_target, entry.storage_key)
    except StorageError as exc:
        return await _storage_failed(send, exc)
    out = [(name, value) for name, value in out if name not in ("Content-Length", "Content-Range")]
    out.append(("X-Accel-Redirect", target))
    if plan.status == 206:
        out.append(("X-Chatmedia-Range", f"bytes={plan.start}-{plan.end}"))
    await send({"type": "http.response.start", "status": 200, "headers": _encode(out)})
    await send({"type": "http.response.body", "body": b""})


def accel_target(storage_key: str) -> str:
    prefix = settings.MEDIA_ACCEL_REDIRECT_PREFIX.rstrip("/")
    storage = media_storage()
    if storage.name == "local":
        return f"{prefix}/files/{storage_key}"
    url = urlsplit(storage.presign_get(storage_key, settings.MEDIA_ACCEL_PRESIGN_SECONDS, public=False))
    return f"{prefix}/s3/{url.netloc}{url.path}?{url.query}"


async def _stream(receive, send, out, entry: catalog.Entry, plan: delivery.Plan) -> None:
    storage = media_storage()
    try:
        if plan.status == 206:
            chunks = await blocking.run(storage.open_range, entry.storage_key, plan.start, plan.end)
        else:
            chunks = iter(storage.iter_chunks(entry.storage_key))
        first = await blocking.next_chunk(chunks)  # storage trouble shows here, before any header
    except StorageError as exc:
        return await _storage_failed(send, exc)
    gone = asyncio.Event()
    watcher = asyncio.ensure_future(_watch_disconnect(receive, gone))
    ahead: asyncio.Future | None = None
    try:
        await send({"type": "http.response.start", "status": plan.status, "headers": _encode(out)})
        chunk = first
        while chunk is not None and not gone.is_set():
            # Read the next chunk while this one goes out: storage and client work at the same time
            # (two chunks in memory per download, never more).
            ahead = asyncio.ensure_future(blocking.next_chunk(chunks))
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
            chunk = await ahead
        if not gone.is_set():
            await send({"type": "http.response.body", "body": b""})
    except StorageError as exc:
        # Headers are out: all we can do is cut the response short (Content-Length tells the client).
        counters.increment(STORAGE_FAILURES)
        logger.warning("storage failed in the middle of %s: %s", entry.storage_key, exc)
    finally:
        watcher.cancel()
        if ahead is not None and not ahead.done():
            await asyncio.wait([ahead])  # its thread must finish before the iterator is closed
        if ahead is not None and not ahead.cancelled():
            ahead.exception()  # seen: a failed read-ahead is not "never retrieved"
        await blocking.run(_close, chunks)


async def _watch_disconnect(receive, gone: asyncio.Event) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


def _close(chunks) -> None:
    close = getattr(chunks, "close", None)
    if close is not None:
        close()
