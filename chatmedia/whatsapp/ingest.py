"""Parsed webhook items → conversations, messages, attachments, statuses, avatars. Idempotent.

Evolution retries a webhook for ~20 minutes and reorders them, so every handler is safe to run
twice: a message is keyed by (connection, chat, WhatsApp id); statuses only move forward and may
arrive before their message (kept as an EarlyReceipt); an attachment is created once with its
message. Work that needs the network (downloads, profile pictures) is queued after commit; inline
base64 media is stored here at once, never put in a queue message.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chatmedia import jobs
from chatmedia.chat import merge
from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.media.filenames import safe_file_name
from chatmedia.media.processing import pipeline
from chatmedia.media.storage.blobs import settle
from chatmedia.realtime import events
from chatmedia.tenancy.models import Connection, Tenant
from chatmedia.whatsapp import actions, providers, receipts, tasks
from chatmedia.whatsapp.items import (
    AlbumAnnouncement,
    ConnectionState,
    ContactUpdate,
    Edit,
    GroupUpdate,
    Ignored,
    IncomingMessage,
    Reaction,
    Revoke,
    StatusUpdate,
    Webhook,
)
from chatmedia.whatsapp.outbound import FetchError
from chatmedia.whatsapp.values import is_group_jid, is_phone_jid, picture_source_hash

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    created: int = 0
    duplicates: int = 0
    statuses: int = 0
    contacts: int = 0
    actions: int = 0  # reactions, edits, revokes
    ignored: list[str] = field(default_factory=list)


def handle(connection: Connection, webhook: Webhook, received_at: datetime | None = None) -> Outcome:
    """What one of `connection`'s webhooks says. `received_at`: when the webhook reached us (it may
    be stored later, by a worker). It orders messages within WhatsApp's one-second timestamps;
    items of one webhook keep their order."""
    tenant = connection.tenant
    outcome = Outcome()
    received_at = received_at or timezone.now()
    for index, item in enumerate(webhook.items):
        if isinstance(item, IncomingMessage):
            if record_message(connection, item, received_at + timedelta(microseconds=index)):
                outcome.created += 1
            else:
                outcome.duplicates += 1
        elif isinstance(item, StatusUpdate):
            receipts.receive(
                tenant.pk,
                item.wa_message_id,
                item.from_me,
                item.status,
                either_direction=not item.direction_known,
                error=(item.error_code, item.error_message) if item.error_code else None,
            )
            outcome.statuses += 1
        elif isinstance(item, (Reaction, Edit, Revoke)):
            actions.receive(tenant, item)
            outcome.actions += 1
        elif isinstance(item, AlbumAnnouncement):
            actions.announce_album(tenant, item)
        elif isinstance(item, ContactUpdate):
            update_contact(connection, item)
            outcome.contacts += 1
        elif isinstance(item, GroupUpdate):
            update_group(connection, item)
            outcome.contacts += 1
        elif isinstance(item, ConnectionState):
            record_connection_state(connection, item)
        elif isinstance(item, Ignored):
            logger.info("webhook %s for %s: ignored: %s", webhook.event, tenant.slug, item.reason)
            outcome.ignored.append(item.reason)
    return outcome


def enqueue(task, *args) -> None:
    """Queue `task` once the transaction commits (`jobs.after_commit`: the webhook still answers
    200 when the broker is down; `whatsapp.recover` queues the attachment again later)."""
    jobs.after_commit(task.name, *args)


# --- conversations ----------------------------------------------------------------------------------


def find_conversation(connection: Connection, *jids: str) -> Conversation | None:
    jids = tuple(j for j in jids if j)
    if not jids:
        return None
    matches = Conversation.objects.filter(connection=connection)
    matches = matches.filter(Q(remote_jid__in=jids) | Q(alt_jid__in=jids))
    return matches.order_by("created_at").first()


def _upsert_conversation(connection: Connection, incoming: IncomingMessage) -> tuple[Conversation, bool]:
    conversation = find_conversation(connection, incoming.chat_jid, incoming.chat_alt_jid)
    if conversation is None:
        name = "" if incoming.from_me or incoming.is_group else incoming.author_name
        try:
            with transaction.atomic():
                conversation = Conversation.objects.create(
                    tenant_id=connection.tenant_id,
                    connection=connection,
                    remote_jid=incoming.chat_jid,
                    alt_jid=incoming.chat_alt_jid,
                    display_name=name,
                    is_group=incoming.is_group,
                    last_activity_at=incoming.timestamp,
                )
            return conversation, True
        except IntegrityError:  # a concurrent webhook created it
            conversation = Conversation.objects.get(connection=connection, remote_jid=incoming.chat_jid)
    changed = []
    # A LID-keyed contact whose phone number we now learn is re-keyed by phone (LID kept as alias).
    if is_phone_jid(incoming.chat_jid) and not is_phone_jid(conversation.remote_jid):
        if not Conversation.objects.filter(connection=connection, remote_jid=incoming.chat_jid).exists():
            conversation.alt_jid, conversation.remote_jid = conversation.remote_jid, incoming.chat_jid
            changed += ["alt_jid", "remote_jid"]
    elif (
        incoming.chat_alt_jid
        and not conversation.alt_jid
        and incoming.chat_alt_jid != conversation.remote_jid
    ):
        conversation.alt_jid = incoming.chat_alt_jid
        changed.append("alt_jid")
    if (
        not conversation.display_name
        and incoming.author_name
        and not incoming.from_me
        and not incoming.is_group
    ):
        conversation.display_name = incoming.author_name
        changed.append("display_name")
    if incoming.timestamp > conversation.last_activity_at:
        conversation.last_activity_at = incoming.timestamp
        changed.append("last_activity_at")
    if changed:
        conversation.save(update_fields=changed)
    return conversation, False


def handle_and_log(connection: Connection, webhook: Webhook, started: float, received_at=None) -> Outcome:
    """Store what the webhook says (from a provider's webhook view, or the `whatsapp.ingest_webhook`
    task) and log it."""
    outcome = handle(connection, webhook, received_at)
    logger.info(
        "webhook %s for %s: %d new, %d duplicate, %d status, %d action, %d contact, %d ignored in %.1f ms",
        webhook.event,
        connection.tenant.slug,
        outcome.created,
        outcome.duplicates,
        outcome.statuses,
        outcome.actions,
        outcome.contacts,
        len(outcome.ignored),
        (time.monotonic() - started) * 1000,
    )
    return outcome


# --- messages -----------------------------------------------------------------------------------------


def _store_inline_media(connection: Connection, incoming: IncomingMessage, source: dict):
    """Inline base64 from the webhook → a stored Blob, or None (then a worker downloads it)."""
    tenant = connection.tenant
    try:
        limit = settings.MEDIA_MAX_BYTES[incoming.media.category]
        provider = providers.of(connection)
        spool = provider.inline_media(connection, source, incoming.media.inline_base64, limit)
    except FetchError as exc:
        logger.warning("inline media of %s not used: %s", incoming.wa_message_id, exc)
        return None
    try:
        with spool:
            return pipeline.store_original(tenant, spool)
    except Exception:
        logger.exception(
            "inline media of %s could not be stored; a worker will download it", incoming.wa_message_id
        )
        return None


VIEW_ONCE_NOT_STORED = "view_once_not_stored"


def _stores_media(tenant: Tenant, incoming: IncomingMessage) -> bool:
    """View-once media is stored only where the tenant allows it (README: view-once policy)."""
    return not incoming.is_view_once or tenant.store_view_once_media


def _history_fields(incoming: IncomingMessage) -> dict:
    quote = incoming.reply_to
    return {
        "reply_to_wa_id": quote.wa_message_id if quote else "",
        "quoted": (
            {
                "author_jid": quote.author_jid,
                "text": quote.text,
                "category": quote.category,
                "placeholder": quote.placeholder,
            }
            if quote
            else {}
        ),
        "album_wa_id": incoming.album_parent_id,
        "forwarded": incoming.forwarded,
        "forwarding_score": incoming.forwarding_score,
        "is_view_once": incoming.is_view_once,
    }


def _create_attachment(tenant, conversation, message, incoming: IncomingMessage, source, inline_blob):
    media = incoming.media
    stored = _stores_media(tenant, incoming)
    return Attachment.objects.create(
        tenant=tenant,
        conversation=conversation,
        message=message,
        category=media.category,
        declared_mime_type=media.mime_type,
        file_name=safe_file_name(media.file_name),
        metadata={k: v for k, v in media.hints.items() if stored or k != "placeholder"},
        source=source if stored else {},
        original=inline_blob,
        status=Attachment.Status.PENDING if stored else Attachment.Status.FAILED,
        error_code="" if stored else VIEW_ONCE_NOT_STORED,
        error_message="" if stored else "Visualização única: este arquivo não é guardado nesta conta.",
    )


def record_message(
    connection: Connection, incoming: IncomingMessage, received_at: datetime | None = None
) -> bool:
    """Create the message (and its attachment) once; False when it was already there."""
    tenant = connection.tenant
    if incoming.event == "send.message":
        from chatmedia.whatsapp import sending

        conversation = find_conversation(connection, incoming.chat_jid, incoming.chat_alt_jid)
        if sending.claim_from_webhook(tenant, incoming, conversation):
            return False  # one of our own sends: confirmed, nothing new to record
    source = None
    inline_blob = None
    if incoming.media is not None:
        source = {**incoming.media.source(), "evolution_message": incoming.evolution_message}
        already = Message.objects.filter(
            conversation__connection=connection, wa_message_id=incoming.wa_message_id
        ).filter(Q(conversation__remote_jid=incoming.chat_jid) | Q(conversation__alt_jid=incoming.chat_jid))
        if incoming.media.inline_base64 and not already.exists() and _stores_media(tenant, incoming):
            inline_blob = _store_inline_media(connection, incoming, source)

    with transaction.atomic():
        conversation, conversation_created = _upsert_conversation(connection, incoming)
        direction = Message.Direction.OUTGOING if incoming.from_me else Message.Direction.INCOMING
        try:
            with transaction.atomic():
                message = Message.objects.create(
                    tenant=tenant,
                    conversation=conversation,
                    wa_message_id=incoming.wa_message_id,
                    direction=direction,
                    author_jid=incoming.author_jid,
                    author_name=incoming.author_name,
                    text=incoming.text,
                    status=Message.Status.SENT if incoming.from_me else Message.Status.DELIVERED,
                    # Sent from the phone (or another client): WhatsApp's timestamp says when.
                    sent_at=incoming.timestamp if incoming.from_me else None,
                    timestamp=incoming.timestamp,
                    created_at=received_at or timezone.now(),
                    **_history_fields(incoming),
                )
        except IntegrityError:
            return False
        receipts.apply_early(message)
        attachment = None
        if incoming.media is not None:
            attachment = _create_attachment(tenant, conversation, message, incoming, source, inline_blob)
            settle(inline_blob)
        actions.apply_early(message)
        message = Message.objects.prefetch_related("attachments", "reactions").get(pk=message.pk)
        events.message_created(message)
        events.conversation_updated(conversation)
        wanted = message.deleted_at is None  # a revoke that came first: its bytes are never fetched
        if attachment is not None and attachment.status == Attachment.Status.PENDING and wanted:
            enqueue(tasks.fetch_incoming_media, str(attachment.id))
        # One conversation per person, whatever came first: a webhook naming both addresses, or one
        # whose address another conversation holds as alias (committed by a concurrent webhook).
        # Registered last: the merge runs after this message's own events went out.
        merge.after_commit(connection.pk, incoming.chat_jid, incoming.chat_alt_jid)
        if incoming.author_alt_jid:  # a group author's two addresses: their own chats are one too
            merge.after_commit(connection.pk, incoming.author_jid, incoming.author_alt_jid)
        if conversation_created:  # groups have pictures too (fetchProfilePictureUrl takes group JIDs)
            enqueue(tasks.refresh_avatar, str(conversation.id))
            if conversation.is_group:  # and a subject, from group metadata only
                enqueue(tasks.refresh_group, str(conversation.id))
    return True


# --- contacts and profile pictures ----------------------------------------------------------------------


def update_contact(connection: Connection, update: ContactUpdate) -> None:
    """A contact's name and picture. A group's name never comes from here (after a group message
    Evolution sends the author's push name for the group, spec §6.7): only from group metadata. A
    picture that is null means "not looked up", never "removed"."""
    if update.alt_jid:
        merge.after_commit(connection.pk, update.jid, update.alt_jid)
    conversation = find_conversation(connection, update.jid, update.alt_jid)
    if conversation is None:  # contact sync of people we never talked to: no chat to show them in
        return
    changed = []
    if not conversation.is_group and update.push_name and conversation.display_name != update.push_name:
        conversation.display_name = update.push_name
        changed.append("display_name")
    if changed:
        conversation.save(update_fields=changed)
        events.conversation_updated(conversation)
    if update.picture_url is None:
        return
    if update.picture_url == "":
        if conversation.avatar_id is not None:
            enqueue(tasks.refresh_avatar, str(conversation.id), "")
        return
    if conversation.avatar_id and conversation.avatar_source_hash == picture_source_hash(update.picture_url):
        return
    enqueue(tasks.refresh_avatar, str(conversation.id), update.picture_url)


def record_connection_state(connection: Connection, state: ConnectionState) -> None:
    """The provider says the number connected, dropped or lost its login; the number itself is
    learnt when it was not set."""
    connection.mark(state.status, state.detail)
    if state.phone and not connection.phone:
        Connection.objects.filter(pk=connection.pk, phone="").update(phone=state.phone)


def update_group(connection: Connection, update: GroupUpdate) -> None:
    """`groups.upsert` / `groups.update` / Evolution's findGroupInfos: the group's own subject."""
    if not is_group_jid(update.jid):
        return
    conversation = find_conversation(connection, update.jid)
    if conversation is None or conversation.display_name == update.subject:
        return
    conversation.display_name = update.subject
    conversation.save(update_fields=["display_name"])
    events.conversation_updated(conversation)
