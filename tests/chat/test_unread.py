"""Unread counts (chat.unread): incoming messages after the team's read marker, shared by the
tenant's agents, moved forward by POST /api/conversations/<id>/read/ and told to every web chat."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatmedia.chat import unread
from chatmedia.chat.models import Conversation, Message
from tests.connections import new_conversation


def _message(conversation, direction="in", minutes_ago=0, **fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    return Message.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        direction=direction,
        text="oi",
        status=Message.Status.DELIVERED,
        created_at=at,
        timestamp=at,
        **fields,
    )


def test_only_incoming_messages_after_the_marker_and_not_deleted_count(world_a):
    chat = world_a.conversation
    chat.agent_read_at = timezone.now() - timedelta(minutes=10)
    chat.save()
    _message(chat, minutes_ago=20)  # before the marker: seen
    _message(chat, minutes_ago=5)
    _message(chat, minutes_ago=4)
    _message(chat, direction="out", minutes_ago=3)  # ours
    _message(chat, minutes_ago=2, deleted_at=timezone.now())  # deleted for everyone
    # The two, and world_a's own "olá" (it arrived just now).
    assert unread.unread_count(Conversation.objects.get(pk=chat.pk)) == 3
    chat.agent_read_at = None
    chat.save()
    # Never read: every incoming message not deleted.
    assert unread.unread_count(Conversation.objects.get(pk=chat.pk)) == 4


def test_reading_zeroes_the_count_for_everyone_and_never_moves_back(
    world_a, published, django_capture_on_commit_callbacks
):
    chat = world_a.conversation
    _message(chat, minutes_ago=1)
    api = world_a.client()
    listed = api.get("/api/conversations/").json()["results"]
    assert [c["unread_count"] for c in listed if c["id"] == str(chat.pk)] == [2]
    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(f"/api/conversations/{chat.pk}/read/")
    assert answer.status_code == 200 and answer.json()["unread_count"] == 0
    event = [data for name, data in published if name == "conversation.updated"][-1]
    assert event["id"] == str(chat.pk) and event["unread_count"] == 0 and event["agent_read_at"]
    marker = Conversation.objects.get(pk=chat.pk).agent_read_at
    unread.mark_read(world_a.tenant, chat.pk, at=marker - timedelta(hours=1))  # an older "read"
    assert Conversation.objects.get(pk=chat.pk).agent_read_at == marker
    _message(chat)  # arrives after the read
    assert api.get(f"/api/conversations/{chat.pk}/").json()["unread_count"] == 1


def test_another_tenants_chat_cannot_be_marked_read(world_a, world_b):
    other = world_b.conversation
    answer = world_a.client().post(f"/api/conversations/{other.pk}/read/")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert Conversation.objects.get(pk=other.pk).agent_read_at is None


def test_a_page_of_conversations_counts_unread_in_a_fixed_number_of_queries(world_a):
    for index in range(3):
        chat = new_conversation(world_a.tenant, remote_jid=f"55119000000{index}@s.whatsapp.net")
        for _ in range(index):
            _message(chat)
    api = world_a.client()
    api.get("/api/conversations/")  # warm: session, tenant
    with CaptureQueriesContext(connection) as few:
        api.get("/api/conversations/")
    for index in range(3, 8):
        chat = new_conversation(world_a.tenant, remote_jid=f"55119000000{index}@s.whatsapp.net")
        _message(chat)
    with CaptureQueriesContext(connection) as many:
        counts = sorted(c["unread_count"] for c in api.get("/api/conversations/").json()["results"])
    assert len(many) == len(few)
    assert counts == [0, 1, 1, 1, 1, 1, 1, 1, 2]
