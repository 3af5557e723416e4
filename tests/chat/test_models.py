"""Database-enforced invariants of the chat model."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from chatmedia.chat.models import Conversation, Message
from chatmedia.tenancy.provisioning import create_evolution_connection
from tests.connections import new_conversation


def test_one_message_per_tenant_chat_and_whatsapp_id(world_a, world_b):
    def add(world, conversation, wa_id):
        return Message.objects.create(
            tenant=world.tenant, conversation=conversation, wa_message_id=wa_id, direction="in"
        )

    with pytest.raises(IntegrityError), transaction.atomic():
        add(world_a, world_a.conversation, world_a.message.wa_message_id)
    # The same id in another chat or another tenant is another message.
    other_chat = new_conversation(world_a.tenant, remote_jid="120363@g.us", is_group=True)
    add(world_a, other_chat, world_a.message.wa_message_id)
    add(world_b, world_b.conversation, world_a.message.wa_message_id)
    # Outgoing messages not yet accepted by WhatsApp have no id and never collide.
    add(world_a, world_a.conversation, None)
    add(world_a, world_a.conversation, None)


def test_one_conversation_per_connection_and_jid(world_a):
    with pytest.raises(IntegrityError), transaction.atomic():
        new_conversation(world_a.tenant, remote_jid=world_a.conversation.remote_jid)
    # The same person writing to another of our numbers is another conversation.
    support = create_evolution_connection(world_a.tenant, name="Suporte")
    Conversation.objects.create(
        tenant=world_a.tenant, connection=support, remote_jid=world_a.conversation.remote_jid
    )
