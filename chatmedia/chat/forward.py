"""Forwarding messages an agent picked to other conversations of the same tenant, on any of its
numbers: each becomes a new outgoing message there, sent through that chat's provider.

Nothing is uploaded again: a file's stored bytes (content-addressed Blobs) and its renditions are
referred to by the new attachment, which is `ready` at once, so forwarding a video to five chats
adds no stored bytes. The copies are marked `forwarded` (score + 1) in our chat; neither
Evolution's send API nor Meta's has a way to say "forwarded" to WhatsApp, so the customer sees
an ordinary message. A view-once file is never forwarded (WhatsApp does not either), nor a message
deleted for everyone, nor a file that is not ready.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia.chat import ordering
from chatmedia.chat.models import Attachment, Conversation, Message, Rendition
from chatmedia.errors import Refused
from chatmedia.media.storage import blobs
from chatmedia.privacy import audit_log
from chatmedia.realtime import events

logger = logging.getLogger(__name__)


def _sources(tenant, message_ids) -> list[Message]:
    found = {
        m.pk: m
        for m in Message.objects.filter(tenant=tenant, pk__in=message_ids).prefetch_related(
            "attachments__renditions"
        )
    }
    missing = [i for i in message_ids if i not in found]
    if missing:
        raise Refused(404, "message_not_found", "A message to forward is not in this tenant.")
    ordered = sorted(found.values(), key=lambda m: (m.timestamp, m.created_at))
    for message in ordered:
        if message.deleted_at is not None:
            raise Refused(400, "deleted", "A message deleted for everyone cannot be forwarded.")
        if message.is_view_once:
            raise Refused(400, "view_once", "A view-once file cannot be forwarded.")
        attachments = list(message.attachments.all())
        if any(a.status != Attachment.Status.READY or a.original_id is None for a in attachments):
            raise Refused(409, "not_ready", "A file to forward is not ready yet.")
        if not attachments and not message.text:
            raise Refused(400, "empty", "A message to forward has nothing in it.")
    return ordered


def _targets(tenant, conversation_ids) -> list[Conversation]:
    found = {
        c.pk: c
        for c in Conversation.objects.filter(tenant=tenant, pk__in=conversation_ids).select_related(
            "connection"
        )
    }
    if len(found) != len(set(conversation_ids)):
        raise Refused(404, "conversation_not_found", "A conversation to forward to is not in this tenant.")
    targets = [found[i] for i in dict.fromkeys(conversation_ids)]
    for conversation in targets:
        if not conversation.connection.can_send:
            raise Refused(
                409, "whatsapp_not_connected", "A chat's number has no working WhatsApp connection."
            )
    return targets


def forward(tenant, message_ids: list, conversation_ids: list, request=None) -> list[Message]:
    """The new messages, per target chat in the order given, each chat's in the originals' order.
    Each file forwarded is in the audit log, with who (`request.user`) and to which chats."""
    if not message_ids or not conversation_ids:
        raise Refused(400, "nothing_to_forward", "Choose the messages and the chats to forward them to.")
    if len(set(message_ids)) > settings.FORWARD_MAX_MESSAGES:
        raise Refused(413, "too_many_messages", f"At most {settings.FORWARD_MAX_MESSAGES} messages at once.")
    if len(set(conversation_ids)) > settings.FORWARD_MAX_CONVERSATIONS:
        raise Refused(
            413, "too_many_conversations", f"At most {settings.FORWARD_MAX_CONVERSATIONS} chats at once."
        )
    sources = _sources(tenant, list(dict.fromkeys(message_ids)))
    targets = _targets(tenant, conversation_ids)
    made = []
    with transaction.atomic():
        needed = {a.original_id for m in sources for a in m.attachments.all()}
        needed |= {r.blob_id for m in sources for a in m.attachments.all() for r in a.renditions.all()}
        if blobs.hold(needed) != needed:  # deleted meanwhile (a revoke purged it)
            raise Refused(409, "gone", "A file to forward is no longer stored.")
        for conversation in targets:
            batch = [_copy(source, conversation) for source in sources]
            ordering.queue_in_order(batch)  # each chat gets them in the originals' order
            made += batch
            conversation.last_activity_at = timezone.now()
            conversation.save(update_fields=["last_activity_at"])
            events.conversation_updated(conversation)
        if request is not None and (files := [a for m in sources for a in m.attachments.all()]):
            audit_log.record(
                tenant.pk, audit_log.Action.FORWARD, audit_log.Via.API, actor=request.user, request=request,
                attachments=files, detail={"to": [str(c.pk) for c in targets]},
            )  # fmt: skip
    logger.info("%d message(s) forwarded to %d chat(s)", len(sources), len(targets))
    return made


def _copy(source: Message, conversation: Conversation) -> Message:
    message = Message.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        direction=Message.Direction.OUTGOING,
        text=source.text,
        status=Message.Status.PROCESSING,
        forwarded=True,
        forwarding_score=source.forwarding_score + 1,
    )
    for original in source.attachments.all():
        copy = Attachment.objects.create(
            tenant=conversation.tenant,
            conversation=conversation,
            message=message,
            original_id=original.original_id,
            file_name=original.file_name,
            declared_mime_type=original.declared_mime_type,
            mime_type=original.mime_type,
            category=original.category,
            size=original.size,
            status=Attachment.Status.READY,
            metadata=original.metadata,  # a voice note's transcript goes with it
            transcript_status=original.transcript_status if original.transcript_status == "done" else "",
        )
        Rendition.objects.bulk_create(
            Rendition(attachment=copy, variant=r.variant, blob_id=r.blob_id, width=r.width, height=r.height)
            for r in original.renditions.all()
        )
    events.message_created(Message.objects.prefetch_related("attachments__renditions").get(pk=message.pk))
    return message
