"""Celery tasks of the WhatsApp side: fetch incoming media, refresh profile pictures, send media.

Tasks take ids, are idempotent (a redelivered task finds the attachment ready and stops), retry
only transient errors (network, 5xx, storage hiccups) with exponential backoff and jitter, and
record a machine code and a human reason when they give up. The number of retries is ours
(MEDIA_TASK_MAX_RETRIES, `jobs.retry_while_left`): the tasks set Celery's own cap to none, whose
default of 3 re-raised the error after the third retry and left the attachment unfinished (found by
the fault suite).
"""

from __future__ import annotations

import logging
import random
import time
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, DataError, IntegrityError, transaction
from django.utils import timezone

from chatmedia.celery import app
from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.jobs import backoff_seconds, retry_while_left
from chatmedia.media.processing import pipeline
from chatmedia.media.processing.sniff import detect_file_mime_type
from chatmedia.media.serving import cache as media_cache
from chatmedia.media.storage import StorageError
from chatmedia.media.storage.blobs import release_blob, settle, store_blob
from chatmedia.ops import fairness
from chatmedia.ops import logging as log_context
from chatmedia.realtime import events
from chatmedia.whatsapp import providers
from chatmedia.whatsapp.outbound import FetchError, fetch_to_spool
from chatmedia.whatsapp.values import picture_source_hash

logger = logging.getLogger(__name__)

AVATAR_TYPES = ("image/jpeg", "image/png", "image/webp")


def _storage_failure(exc: StorageError) -> tuple[str, str]:
    """The reason recorded when storage (or the virus scanner) stayed down through every retry."""
    return getattr(exc, "code", "storage"), getattr(
        exc, "reason", "the file could not be stored; try again later"
    )


@app.task(bind=True, max_retries=None, name="whatsapp.fetch_incoming_media")
def fetch_incoming_media(self, attachment_id: str) -> str:
    attachment = Attachment.objects.select_related("tenant", "original", "conversation__connection")
    attachment = attachment.filter(pk=attachment_id).first()
    if attachment is None:
        return "gone"
    log_context.bind(tenant=attachment.tenant.slug)
    if attachment.status in (Attachment.Status.READY, Attachment.Status.FAILED):
        return attachment.status
    if Message.objects.filter(pk=attachment.message_id, deleted_at__isnull=False).exists():
        return "deleted"  # revoked before we got its bytes: the customer asked for them gone
    limit = settings.MEDIA_TENANT_MAX_CONCURRENT_DOWNLOADS
    with fairness.tenant_slot("media_download", attachment.tenant_id, limit) as slot:
        if not slot:  # this tenant has its share of the workers busy: its turn comes again soon
            delay = settings.MEDIA_TENANT_BUSY_RETRY_SECONDS * random.uniform(0.5, 1.0)  # noqa: S311
            fetch_incoming_media.apply_async(args=[attachment_id], countdown=delay)
            logger.info("tenant busy: attachment queued again in %.1f s", delay)
            return "deferred"
        return _fetch_incoming_media(self, attachment)


def _fetch_incoming_media(task, attachment: Attachment) -> str:
    started = time.monotonic()
    attachment_id = str(attachment.pk)
    Attachment.objects.filter(pk=attachment.pk, status=Attachment.Status.PENDING).update(
        status=Attachment.Status.PROCESSING
    )
    try:
        if attachment.original is not None:  # the webhook stored inline bytes already
            finished = pipeline.process(attachment.pk)
        else:
            limit = settings.MEDIA_MAX_BYTES[attachment.category]
            connection = attachment.conversation.connection
            with providers.of(connection).fetch_media(connection, attachment.source, limit) as plain:
                logger.info("fetched in %.0f ms", (time.monotonic() - started) * 1000)
                finished = pipeline.process(attachment.pk, plain)
    except FetchError as exc:
        if exc.transient:
            retry_while_left(task, exc)
        pipeline.fail(attachment.pk, exc.code, str(exc))
        return "failed"
    except StorageError as exc:
        logger.warning("storing attachment %s failed: %s", attachment_id, exc)
        retry_while_left(task, exc)
        pipeline.fail(attachment.pk, *_storage_failure(exc))
        return "failed"
    return finished.status if finished is not None else "gone"


@app.task(bind=True, max_retries=None, name="whatsapp.refresh_avatar")
def refresh_avatar(self, conversation_id: str, url: str | None = None) -> str:
    """Copy a contact's profile picture into our storage. `url` None: ask Evolution for it;
    "": the contact has no (visible) picture."""
    conversation = (
        Conversation.objects.select_related("tenant", "connection").filter(pk=conversation_id).first()
    )
    if conversation is None:
        return "gone"
    log_context.bind(tenant=conversation.tenant.slug)
    now = timezone.now()
    only_if_unchecked_since = None
    if url is None:
        only_if_unchecked_since = conversation.avatar_checked_at or now
        recently = now - timedelta(seconds=settings.AVATAR_REFRESH_MIN_SECONDS)
        if conversation.avatar_checked_at and conversation.avatar_checked_at > recently:
            return "rate-limited"
        provider = providers.of(conversation.connection)
        if not provider.capabilities.avatars or not provider.can_send(conversation.connection):
            return "not-supported"
        try:
            url = provider.profile_picture_url(conversation.connection, conversation.remote_jid)
        except FetchError as exc:
            if exc.transient:
                retry_while_left(self, exc)
            logger.info("profile picture URL of %s unavailable: %s", conversation_id, exc)
            Conversation.objects.filter(pk=conversation.pk).update(avatar_checked_at=now)
            return "unavailable"
    if not url:
        _set_avatar(conversation.pk, None, "", only_if_unchecked_since)
        return "none"
    source_hash = picture_source_hash(url)
    if conversation.avatar_id and conversation.avatar_source_hash == source_hash:
        Conversation.objects.filter(pk=conversation.pk).update(avatar_checked_at=now)
        return "unchanged"
    # At most one download per contact and picture per interval, whatever the webhook traffic.
    if not cache.add(f"avatar-fetch:{conversation.pk}:{source_hash}", 1, settings.AVATAR_REFRESH_MIN_SECONDS):
        return "rate-limited"
    try:
        with fetch_to_spool(url, settings.AVATAR_MAX_BYTES) as picture:
            mime_type = detect_file_mime_type(picture)
            if mime_type not in AVATAR_TYPES:
                logger.warning(
                    "profile picture of %s is %s, not an image we show", conversation_id, mime_type
                )
                return "not-an-image"
            blob = store_blob(conversation.tenant, picture, mime_type, max_bytes=settings.AVATAR_MAX_BYTES)
    except FetchError as exc:
        if exc.transient:
            cache.delete(f"avatar-fetch:{conversation.pk}:{source_hash}")
            retry_while_left(self, exc)
        logger.info("profile picture of %s not fetched: %s", conversation_id, exc)
        return "unavailable"
    _set_avatar(conversation.pk, blob, source_hash, only_if_unchecked_since)
    return "stored"


def _set_avatar(conversation_id, blob, source_hash: str, only_if_unchecked_since=None) -> None:
    """`only_if_unchecked_since`: for a lookup we started ourselves, give way to a picture a
    contacts webhook stored meanwhile (that one is at least as fresh)."""
    with transaction.atomic():
        conversation = Conversation.objects.select_for_update().get(pk=conversation_id)
        checked = conversation.avatar_checked_at
        if only_if_unchecked_since is not None and checked and checked > only_if_unchecked_since:
            if blob is not None:  # stored for nothing: drop it unless it is somebody's picture
                transaction.on_commit(lambda: release_blob(blob))
            return
        previous = conversation.avatar
        now = timezone.now()
        conversation.avatar_checked_at = now
        if previous == blob and conversation.avatar_source_hash == source_hash:
            conversation.save(update_fields=["avatar_checked_at"])
            return
        conversation.avatar = blob
        conversation.avatar_source_hash = source_hash
        conversation.avatar_updated_at = now
        conversation.save(
            update_fields=["avatar", "avatar_source_hash", "avatar_updated_at", "avatar_checked_at"]
        )
        settle(blob)
        transaction.on_commit(lambda: media_cache.invalidate_avatar(conversation_id))
        if previous is not None and previous != blob:
            transaction.on_commit(lambda: release_blob(previous))
        events.conversation_updated(conversation)


def _video_limit(attachment: Attachment) -> int | None:
    """The largest video the chat's number takes (its provider's capabilities), if it says."""
    connection = (
        Conversation.objects.select_related("connection").get(pk=attachment.conversation_id).connection
    )
    return providers.of(connection).capabilities.max_bytes.get("video")


@app.task(bind=True, max_retries=None, name="whatsapp.send_outgoing")
def send_outgoing(self, attachment_id: str) -> str:
    """An agent's verified upload → prepared for WhatsApp (media.processing.outgoing) → sent
    (whatsapp.sending)."""
    from chatmedia.media.processing import outgoing
    from chatmedia.whatsapp import sending

    attachment = Attachment.objects.filter(pk=attachment_id).only(
        "id", "message_id", "conversation_id", "tenant__slug"
    )
    attachment = attachment.select_related("tenant").first()
    if attachment is None or attachment.message_id is None:
        return "gone"
    log_context.bind(tenant=attachment.tenant.slug, message=attachment.message_id)
    try:
        attachment = outgoing.prepare(attachment.pk, video_max_bytes=_video_limit(attachment))
    except StorageError as exc:
        logger.warning("preparing attachment %s failed: %s", attachment_id, exc)
        retry_while_left(self, exc)
        attachment = pipeline.fail(attachment.pk, *_storage_failure(exc))
    if attachment is None:
        return "gone"
    if attachment.status == Attachment.Status.FAILED:
        sending.fail(attachment.message_id, attachment.error_code, attachment.error_message)
        return "failed"
    try:
        outcome = sending.send(attachment.message_id)
    except sending.InFlight as exc:
        raise self.retry(countdown=exc.retry_after + 1, exc=exc, max_retries=None) from None
    except (FetchError, StorageError) as exc:
        retry_while_left(self, exc)
        code = exc.code if isinstance(exc, FetchError) else "storage"
        sending.fail(attachment.message_id, code, f"gave up after {self.request.retries} retries: {exc}")
        return "failed"
    return outcome.state


@app.task(bind=True, max_retries=None, name="whatsapp.send_text")
def send_text(self, message_id: str) -> str:
    """An agent's text message (chat.compose) → Evolution `sendText`, exactly once (whatsapp.sending)."""
    from chatmedia.whatsapp import sending

    try:
        return sending.send(message_id).state
    except sending.InFlight as exc:
        raise self.retry(countdown=exc.retry_after + 1, exc=exc, max_retries=None) from None
    except FetchError as exc:
        retry_while_left(self, exc)
        sending.fail(message_id, exc.code, f"gave up after {self.request.retries} retries: {exc}")
        return "failed"


@app.task(bind=True, max_retries=None, name="whatsapp.refresh_group")
def refresh_group(self, conversation_id: str) -> str:
    """A group's subject from Evolution's findGroupInfos (its name never comes from a member's
    push name). Run when a group conversation appears."""
    from chatmedia.whatsapp import ingest
    from chatmedia.whatsapp.items import GroupUpdate

    conversation = (
        Conversation.objects.select_related("tenant", "connection").filter(pk=conversation_id).first()
    )
    if conversation is None or not conversation.is_group:
        return "gone"
    provider = providers.of(conversation.connection)
    if not provider.capabilities.group_subjects or not provider.can_send(conversation.connection):
        return "not-supported"
    log_context.bind(tenant=conversation.tenant.slug)
    try:
        subject = provider.group_subject(conversation.connection, conversation.remote_jid)
    except FetchError as exc:
        if exc.transient:
            retry_while_left(self, exc)
        logger.info("group %s: no subject from Evolution: %s", conversation_id, exc)
        return "unavailable"
    if not subject:
        return "no-subject"
    with transaction.atomic():
        ingest.update_group(conversation.connection, GroupUpdate(conversation.remote_jid, subject))
    return "stored"


@app.task(bind=True, max_retries=None, name="whatsapp.send_reaction")
def send_reaction(self, message_id: str, emoji: str) -> str:
    """An agent's reaction (chat.compose.react) → Evolution `sendReaction`. A repeat sends the same
    reaction again, which WhatsApp takes as the same. Given up: our reaction is taken back."""
    from chatmedia.chat import history

    message = (
        Message.objects.filter(pk=message_id).select_related("tenant", "conversation__connection").first()
    )
    if message is None or not message.wa_message_id:
        return "gone"
    log_context.bind(tenant=message.tenant.slug, message=message.pk)
    connection = message.conversation.connection
    try:
        providers.of(connection).react(connection, message, emoji)
    except FetchError as exc:
        retry_while_left(self, exc)
        logger.warning("reaction on %s not sent: %s", message_id, exc)
        history.set_reaction(
            message, author_jid="", author_name="", from_me=True, emoji="", at=timezone.now()
        )
        return "failed"
    return "sent"


@app.task(bind=True, max_retries=None, name="whatsapp.ingest_webhook")
def ingest_webhook(self, connection_id: str, body: str, received_at: float | None = None) -> str:
    """A webhook the web process accepted and queued (providers.evolution.webhook_app): stored here. The
    queued copy is the only one, so a database outage is retried for as long as it lasts; what the
    database refuses for its content (DataError, IntegrityError) is not. (Queued before
    connections, the id is a tenant's: its first Evolution connection takes it.)"""
    from chatmedia.tenancy.models import Connection
    from chatmedia.whatsapp import ingest, providers

    try:
        connections = Connection.objects.select_related("tenant")
        connection = (
            connections.filter(pk=connection_id).first()
            or connections.filter(tenant_id=connection_id, provider=Connection.Provider.EVOLUTION).first()
        )
        if connection is None:
            return "gone"
        log_context.bind(tenant=connection.tenant.slug)
        try:
            webhook = providers.of(connection).parse_queued(body)
        except ValueError as exc:
            logger.info("queued webhook not understood: %s", exc)
            return "ignored"
        started = time.monotonic() - (time.time() - received_at if received_at else 0)
        arrived = datetime.fromtimestamp(received_at, tz=UTC) if received_at else None
        outcome = ingest.handle_and_log(connection, webhook, started, arrived)
    except (DataError, IntegrityError) as exc:
        # The same rows would be refused again: a permanent error is never retried (parsing should
        # have caught it; this is the net under it).
        logger.warning("queued webhook refused by the database, not retried: %s", str(exc)[:300])
        return "refused"
    except DatabaseError as exc:
        logger.warning("queued webhook not stored yet (database): %s", exc)
        raise self.retry(countdown=backoff_seconds(self.request.retries), exc=exc, max_retries=None) from None
    return f"{outcome.created} new, {outcome.duplicates} duplicate"


@app.task(name="whatsapp.recover")
def recover() -> dict:
    """Beat job: lost incoming downloads and sends queued again, stale receipts dropped."""
    from chatmedia.whatsapp import recovery

    return recovery.recover()
