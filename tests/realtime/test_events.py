"""What the realtime events carry (chatmedia.realtime.events)."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone

from chatmedia.chat.models import Message
from chatmedia.realtime import events
from tests.connections import new_conversation

pytestmark = pytest.mark.django_db(transaction=True)


def test_conversation_updated_carries_what_is_committed_not_what_was_seen_before(world_a, published):
    """Two messages of one chat stored at once: each one's conversation.updated is taken after its
    commit, so the last one announced never names an older message as the chat's newest."""
    tenant = world_a.tenant
    conversation = new_conversation(tenant, remote_jid="5511900001111@s.whatsapp.net")
    now = timezone.now()
    same_second = {"tenant": tenant, "conversation": conversation, "direction": "in", "timestamp": now}
    with transaction.atomic():
        Message.objects.create(text="vídeo", **same_second)
        events.conversation_updated(conversation)
        # stored by another worker before this transaction commits (same second, arrived later)
        Message.objects.create(text="figurinha", **same_second)
        assert published == []  # nothing leaves before the commit
    ((event, data),) = published
    assert event == "conversation.updated"
    assert data["last_message"]["text"] == "figurinha"
    assert data["last_message"]["created_at"]
