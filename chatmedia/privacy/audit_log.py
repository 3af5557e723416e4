"""Writing and keeping the audit log (`privacy.models.AuditEvent`; LGPD art. 37: a controller keeps a
record of what it does with personal data).

Two ways in:
- `record(tenant, action, via, …)` — for the rare, deliberate acts done through Django views and jobs
  (deleting, forwarding, a zip, an export, reading a deleted message's file): the rows are written at
  once, in the caller's transaction.
- `note(…)` — for the serving path (`/media/`, the lean ASGI app), which must not wait for a database
  write: the row joins an in-process buffer, written in one INSERT by a timer thread within
  AUDIT_LOG_FLUSH_SECONDS (or as soon as AUDIT_LOG_FLUSH_ROWS wait). Who opened a signed link is
  found there, off the request path, from the session or token the browser sent along (a signed link
  opened with neither is recorded with its address and browser only). The same person opening the
  same file the same way again within AUDIT_LOG_REPEAT_SECONDS is one row: a video played is dozens
  of Range requests, one view. At most AUDIT_LOG_BUFFER_MAX rows wait; past that (the database down
  for long) rows are dropped and counted (`privacy.audit_log.dropped`), never the request. A crash
  loses at most the last flush interval.

`served_action(category, variant, inline, download)` says what serving a variant means: a thumbnail,
a poster, an avatar or a document's first-page picture is what the chat itself draws (no row); a
photo's preview (the lightbox), a recording's or a video's playback copy, and the original shown
inline are views; the original or the agent's own file as a file is a download.

`expire_old()` (housekeeping) deletes rows past AUDIT_LOG_RETENTION_DAYS in batches.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http.cookies import SimpleCookie

from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.utils import timezone

from chatmedia.ops import counters
from chatmedia.ops.clients import client_address
from chatmedia.privacy.models import AuditEvent
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)

DROPPED = "privacy.audit_log.dropped"
# Who opened what lately (for AUDIT_LOG_REPEAT_SECONDS): forgotten wholesale past this many entries.
_RECENT_MAX = 50_000
USER_AGENT_MAX = 256

Action = AuditEvent.Action
Via = AuditEvent.Via

# What the chat draws by itself, never asked for: no row.
_DRAWN_BY_THE_CHAT = frozenset({"thumb", "poster", "avatar"})


def served_action(category: str, variant: str, inline: bool, download: bool) -> str | None:
    if variant in _DRAWN_BY_THE_CHAT or (variant == "preview" and category == "document"):
        return None
    if variant in ("original", "source"):
        return Action.DOWNLOAD if download or not inline else Action.VIEW
    return Action.VIEW  # a photo's preview (the lightbox), a playback copy


def name_of(user) -> str:
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    return (user.get_full_name() or user.get_username())[:150]


# --- deliberate acts: written at once ---------------------------------------------------------------------
def _where(request) -> dict:
    if request is None:
        return {}
    meta = request.META
    return {
        "ip": client_address(meta) or None,
        "user_agent": meta.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX],
    }


def record(
    tenant_id,
    action: str,
    via: str,
    *,
    actor=None,
    request=None,
    attachments=None,
    detail=None,
    actor_id: int | None = None,
    actor_name: str = "",
) -> int:
    """One row per attachment (an empty list: none), or one row naming none (`attachments=None`);
    how many were written. The actor is a user (`actor`), or the id and name a job kept of one
    (`actor_id`, `actor_name`)."""
    if actor is not None and actor.is_authenticated:
        actor_id, actor_name = actor.pk, name_of(actor)
    common = {
        "tenant_id": tenant_id,
        "action": action,
        "via": via,
        "actor_id": actor_id,
        "actor_name": actor_name[:150],
        "detail": detail or {},
        **_where(request),
    }
    rows = (
        [
            AuditEvent(
                **common,
                attachment_id=a.pk,
                message_id=a.message_id,
                conversation_id=a.conversation_id,
                category=a.category,
            )
            for a in attachments
        ]
        if attachments is not None
        else [AuditEvent(**common)]
    )
    if rows:
        AuditEvent.objects.bulk_create(rows, batch_size=500)
    return len(rows)


# --- the serving path: buffered -----------------------------------------------------------------------------
@dataclass(slots=True)
class Pending:
    tenant_id: str
    attachment_id: str
    variant: str
    action: str
    via: str
    at: object
    actor_id: int | None = None
    actor_name: str = ""
    ip: str | None = None
    user_agent: str = ""
    # The request's session cookie and Authorization header, kept in memory only until the flush
    # finds whose they are (never written anywhere).
    credentials: tuple = field(default=(None, None), repr=False)


_lock = threading.Lock()
_pending: list[Pending] = []
_timer: threading.Timer | None = None
_recent: dict[tuple, float] = {}


def note(row: Pending, repeat_key: tuple) -> None:
    """Buffer a served request's row (no I/O; safe on the event loop)."""
    global _timer
    now = time.monotonic()
    with _lock:
        last = _recent.get(repeat_key)
        if last is not None and now - last < settings.AUDIT_LOG_REPEAT_SECONDS:
            return
        if len(_recent) >= _RECENT_MAX:
            _recent.clear()
        _recent[repeat_key] = now
        if len(_pending) >= settings.AUDIT_LOG_BUFFER_MAX:
            counters.increment(DROPPED)
            return
        _pending.append(row)
        if len(_pending) >= settings.AUDIT_LOG_FLUSH_ROWS:
            delay = 0.0
        elif _timer is None:
            delay = settings.AUDIT_LOG_FLUSH_SECONDS
        else:
            return
        if _timer is not None:
            _timer.cancel()
        _timer = threading.Timer(delay, _flush_in_thread)
        _timer.daemon = True
        _timer.start()


def _flush_in_thread() -> None:
    try:
        flush_quietly()
    finally:
        connections.close_all()  # this thread's own connection: the next flush is another thread


def flush_quietly() -> None:
    try:
        flush()
    except Exception:
        logger.exception("audit log rows could not be written; kept for the next flush")


def flush() -> int:
    """Write what the serving path buffered; how many rows. On a database error the rows go back
    to the buffer (as far as AUDIT_LOG_BUFFER_MAX allows) and the error is raised."""
    global _timer
    with _lock:
        batch = _pending[:]
        _pending.clear()
        if _timer is not None:
            _timer.cancel()
            _timer = None
    if not batch:
        return 0
    try:
        rows = _rows_of(batch)
        try:
            with transaction.atomic():
                AuditEvent.objects.bulk_create(rows, batch_size=500)
        except IntegrityError:
            # A tenant deleted while its rows waited: those go (with the tenant), the rest are written.
            alive = {
                str(pk)
                for pk in Tenant.objects.filter(pk__in={r.tenant_id for r in rows}).values_list(
                    "pk", flat=True
                )
            }
            rows = [r for r in rows if str(r.tenant_id) in alive]
            AuditEvent.objects.bulk_create(rows, batch_size=500)
    except DatabaseError:
        with _lock:
            room = max(0, settings.AUDIT_LOG_BUFFER_MAX - len(_pending))
            _pending[:0] = batch[:room]
            if len(batch) > room:
                counters.increment(DROPPED, len(batch) - room)
            if _timer is None:
                _timer = threading.Timer(settings.AUDIT_LOG_FLUSH_SECONDS, _flush_in_thread)
                _timer.daemon = True
                _timer.start()
        raise
    return len(rows)


def discard() -> None:
    """Forget everything buffered and recent (tests)."""
    global _timer
    with _lock:
        _pending.clear()
        _recent.clear()
        if _timer is not None:
            _timer.cancel()
            _timer = None


def _rows_of(batch: list[Pending]) -> list[AuditEvent]:
    from chatmedia.chat.models import Attachment

    ids = {p.attachment_id for p in batch}
    known = {
        (str(tenant), str(pk)): (message, conversation, category)
        for pk, tenant, message, conversation, category in Attachment.objects.filter(pk__in=ids).values_list(
            "pk", "tenant_id", "message_id", "conversation_id", "category"
        )
    }
    who: dict[tuple, tuple | None] = {}
    rows = []
    for p in batch:
        actor_id, actor_name = p.actor_id, p.actor_name
        if actor_id is None and any(p.credentials):
            if p.credentials not in who:
                who[p.credentials] = _identity(*p.credentials)
            found = who[p.credentials]
            if found is not None and found[0] == p.tenant_id:  # a session of this tenant only
                actor_id, actor_name = found[1], found[2]
        message, conversation, category = known.get((p.tenant_id, p.attachment_id), (None, None, ""))
        rows.append(
            AuditEvent(
                tenant_id=p.tenant_id,
                at=p.at,
                action=p.action,
                via=p.via,
                actor_id=actor_id,
                actor_name=actor_name,
                attachment_id=p.attachment_id,
                message_id=message,
                conversation_id=conversation,
                variant=p.variant,
                category=category,
                ip=p.ip,
                user_agent=p.user_agent,
            )
        )
    return rows


def _identity(cookie: str | None, authorization: str | None) -> tuple | None:
    """(tenant id, user id, name) of a session cookie or API token header, or None."""
    from importlib import import_module

    from django.contrib.auth import get_user
    from django.http import HttpRequest

    from chatmedia.tenancy.auth import identity_of_request

    request = HttpRequest()
    if authorization:
        request.META["HTTP_AUTHORIZATION"] = authorization
    session_key = None
    if cookie:
        morsel = SimpleCookie()
        try:
            morsel.load(cookie)
        except Exception:
            morsel = SimpleCookie()
        found = morsel.get(settings.SESSION_COOKIE_NAME)
        session_key = found.value if found is not None else None
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    request.user = get_user(request)
    found = identity_of_request(request)
    if found is None:
        return None
    tenant, user, _via = found
    return str(tenant.id), user.pk, name_of(user)


# --- keeping ----------------------------------------------------------------------------------------------
def expire_old(now=None) -> int:
    """Delete rows older than AUDIT_LOG_RETENTION_DAYS, AUDIT_LOG_EXPIRE_BATCH at a time."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.AUDIT_LOG_RETENTION_DAYS)
    deleted = 0
    while True:
        ids = list(
            AuditEvent.objects.filter(at__lt=cutoff).values_list("pk", flat=True)[
                : settings.AUDIT_LOG_EXPIRE_BATCH
            ]
        )
        if not ids:
            break
        deleted += AuditEvent.objects.filter(pk__in=ids).delete()[0]
    if deleted:
        logger.info("audit log rows past their time deleted", extra={"rows": deleted})
    return deleted
