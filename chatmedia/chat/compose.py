"""An agent writes a text message (maybe a reply): validate, record it (`processing`), queue the send.

The send itself is `whatsapp.sending` (the same exactly-once path as media: a text is an outgoing
message without attachments, sent through Evolution's `sendText`). Files go through `media.uploads.direct`.
"""

from __future__ import annotations

import logging

import emoji as emoji_data
from django.conf import settings
from django.db import transaction

from chatmedia import jobs
from chatmedia.chat.models import Conversation, Message
from chatmedia.errors import Refused
from chatmedia.realtime import events
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def quoted_fields(conversation: Conversation, reply_to_id) -> dict:
    """The fields of a reply to message `reply_to_id` of this conversation (none when None): its
    WhatsApp id and a snapshot of what it says (Evolution's `quoted`, and our own reply_to)."""
    if reply_to_id is None:
        return {}
    target = (
        Message.objects.filter(conversation=conversation, pk=reply_to_id)
        .prefetch_related("attachments")
        .first()
    )
    if target is None:
        raise Refused(404, "reply_to_not_found", "The message to reply to is not in this conversation.")
    if not target.wa_message_id:
        raise Refused(
            409, "reply_to_not_sent", "That message has not reached WhatsApp yet; it cannot be quoted."
        )
    if target.deleted_at is not None:
        raise Refused(409, "reply_to_deleted", "That message was deleted; it cannot be quoted.")
    first = next(iter(target.attachments.all()), None)
    return {
        "reply_to_wa_id": target.wa_message_id,
        "quoted": {
            "author_jid": target.author_jid,
            "text": target.text[:1024],
            "category": first.category if first is not None else "",
            "placeholder": "",
            "direction": target.direction,
        },
    }


def send_text(tenant: Tenant, conversation_id, text: str, reply_to=None) -> Message:
    """`reply_to`: the id of one of this conversation's messages, quoted by the new one."""
    conversation = Conversation.objects.filter(tenant=tenant, pk=conversation_id).select_related("connection")
    conversation = conversation.first()
    if conversation is None:
        raise Refused(404, "conversation_not_found", "No such conversation.")
    if not conversation.connection.can_send:
        raise Refused(409, "whatsapp_not_connected", "This number has no working WhatsApp connection.")
    text = text.strip()
    if not text:
        raise Refused(400, "empty", "The message is empty.")
    if len(text) > settings.MESSAGE_TEXT_MAX_CHARS:
        raise Refused(
            400, "text_too_long", f"A message has at most {settings.MESSAGE_TEXT_MAX_CHARS} characters."
        )
    reply = quoted_fields(conversation, reply_to)

    with transaction.atomic():
        message = Message.objects.create(
            tenant=tenant,
            conversation=conversation,
            direction=Message.Direction.OUTGOING,
            text=text,
            status=Message.Status.PROCESSING,
            **reply,
        )
        conversation.last_activity_at = message.timestamp
        conversation.save(update_fields=["last_activity_at"])
        events.message_created(Message.objects.prefetch_related("attachments").get(pk=message.pk))
        events.conversation_updated(conversation)
        message_id = str(message.pk)
        jobs.after_commit("whatsapp.send_text", message_id)
    logger.info("text message %s queued (%d characters)", message.pk, len(text))
    return message


REACTION_MAX_CHARS = 32  # one emoji, with skin tone and joiners (WhatsApp sends a single one)


def react(tenant: Tenant, message_id, emoji: str) -> Message:
    """An agent reacts to a message (media included) with one emoji; '' takes our reaction back.
    Shown at once; sent through Evolution's sendReaction by a worker (taken back if it fails)."""
    from chatmedia.chat import history

    message = Message.objects.filter(tenant=tenant, pk=message_id).select_related("conversation__connection")
    message = message.first()
    if message is None:
        raise Refused(404, "not_found", "No such message.")
    emoji = emoji.strip()
    if emoji and (len(emoji) > REACTION_MAX_CHARS or not emoji_data.is_emoji(emoji)):
        raise Refused(400, "not_an_emoji", "A reaction is one emoji.")
    if not message.wa_message_id:
        raise Refused(409, "not_sent", "That message has not reached WhatsApp yet.")
    if message.deleted_at is not None:
        raise Refused(409, "deleted", "That message was deleted.")
    if not message.conversation.connection.can_send:
        raise Refused(409, "whatsapp_not_connected", "This number has no working WhatsApp connection.")
    from django.utils import timezone

    with transaction.atomic():
        history.set_reaction(
            message, author_jid="", author_name="", from_me=True, emoji=emoji, at=timezone.now()
        )
        message_pk = str(message.pk)
        jobs.after_commit("whatsapp.send_reaction", message_pk, emoji)
    return message


def open_view_once(tenant: Tenant, message_id, user) -> Message:
    """Record the first agent who opened a view-once file (audit), once."""
    from django.utils import timezone

    message = Message.objects.filter(tenant=tenant, pk=message_id).first()
    if message is None:
        raise Refused(404, "not_found", "No such message.")
    if not message.is_view_once:
        raise Refused(409, "not_view_once", "This message is not a view-once file.")
    if message.deleted_at is not None:
        raise Refused(409, "deleted", "That message was deleted.")
    opened = Message.objects.filter(pk=message.pk, view_once_opened_at=None).update(
        view_once_opened_at=timezone.now(), view_once_opened_by=user if user.is_authenticated else None
    )
    if opened:
        logger.info("view-once message %s opened by %s", message.pk, user.get_username())
        from chatmedia.realtime import events as realtime

        realtime.message_changed(realtime.MESSAGE_UPDATED, message.pk)
    return message
