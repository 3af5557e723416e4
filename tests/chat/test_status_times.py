"""When a message reached each state (sent, delivered, read, played), for its info: stamped as the
status moves forward, the skipped ones by the receipt that implied them, never overwritten, in the
API and in `message.status` events."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chatmedia.chat.models import Message
from chatmedia.whatsapp import receipts
from tests.connections import new_conversation


def _ours(tenant, **fields):
    conversation = new_conversation(tenant, remote_jid="5511977770000@s.whatsapp.net")
    return Message.objects.create(
        tenant=tenant, conversation=conversation, direction="out", wa_message_id="OURS1", **fields
    )


def test_each_state_is_stamped_once_and_a_skipped_one_takes_the_later_receipts_time(
    world_a, published, django_capture_on_commit_callbacks
):
    message = _ours(world_a.tenant, status=Message.Status.PROCESSING)
    sent = timezone.now() - timedelta(minutes=3)
    read = timezone.now() - timedelta(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert receipts.advance(message, Message.Status.SENT, at=sent)
        assert receipts.advance(message, Message.Status.READ, at=read)  # no delivery receipt came
        assert not receipts.advance(message, Message.Status.DELIVERED)  # late: nothing moves
    message.refresh_from_db()
    assert (message.sent_at, message.delivered_at, message.read_at, message.played_at) == (
        sent,
        read,
        read,
        None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert receipts.advance(message, Message.Status.PLAYED)
    message.refresh_from_db()
    assert message.played_at > read and message.read_at == read
    events = [data for name, data in published if name == "message.status"]
    assert [e["status"] for e in events] == ["sent", "read", "played"]
    assert events[1]["delivered_at"] and events[1]["read_at"] and events[1]["played_at"] is None
    assert events[-1]["played_at"]


def test_a_failure_stamps_nothing_and_the_api_shows_the_times(world_a):
    message = _ours(world_a.tenant, status=Message.Status.PROCESSING)
    assert receipts.advance(message, Message.Status.FAILED, error=("cloud_131047", "window"))
    message.refresh_from_db()
    assert message.sent_at is message.delivered_at is None
    assert receipts.advance(message, Message.Status.DELIVERED)  # it did arrive after all
    body = world_a.client().get(f"/api/messages/{message.pk}/").json()
    assert body["status"] == "delivered" and body["sent_at"] and body["delivered_at"]
    assert body["read_at"] is None and body["played_at"] is None
