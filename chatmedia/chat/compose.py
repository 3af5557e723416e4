"""An agent writes a text message: validate, record it (`processing`), queue the send.

The send itself is `whatsapp.sending` (the same exactly-once path as media: a text is an outgoing
message without attachments, sent through Evolution's `sendText`). Files go through `media.uploads`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction

from chatmedia.chat.models import Conversation, Message
from chatmedia.errors import Refused
from chatmedia.realtime import events
from chatmedia.tenancy.models import Tenant
from chatmedia.whatsapp import evolution

logger = logging.getLogger(__name__)


def send_text(tenant: Tenant, conversation_id, text: str) -> Message:
    conversation = Conversation.objects.filter(tenant=tenant, pk=conversation_id).first()
    if conversation is None:
        raise Refused(404, "conversation_not_found", "No such conversation.")
    if not evolution.is_configured(tenant):
        raise Refused(
            409, "whatsapp_not_connected", "This account has no WhatsApp (Evolution API) connection."
        )
    text = text.strip()
    if not text:
        raise Refused(400, "empty", "The message is empty.")
    if len(text) > settings.MESSAGE_TEXT_MAX_CHARS:
        raise Refused(
            400, "text_too_long", f"A message has at most {settings.MESSAGE_TEXT_MAX_CHARS} characters."
        )
    from chatmedia.whatsapp import tasks

    with transaction.atomic():
        message = Message.objects.create(
            tenant=tenant,
            conversation=conversation,
            direction=Message.Direction.OUTGOING,
            text=text,
            status=Message.Status.PROCESSING,
        )
        conversation.last_activity_at = message.timestamp
        conversation.save(update_fields=["last_activity_at"])
        events.message_created(Message.objects.prefetch_related("attachments").get(pk=message.pk))
        events.conversation_updated(conversation)
        message_id = str(message.pk)
        transaction.on_commit(lambda: tasks.send_text.delay(message_id), robust=True)
    logger.info("text message %s queued (%d characters)", message.pk, len(text))
    return message
