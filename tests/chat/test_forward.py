"""Forwarding (chat.forward): messages to other chats of the tenant, on any number, reusing the
stored bytes — no upload, no new Blob — each copy sent through its chat's provider."""

from __future__ import annotations

import io
import uuid

import pytest

from chatmedia.chat import ordering
from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media.models import Blob
from chatmedia.media.storage.blobs import store_blob
from chatmedia.whatsapp import tasks
from tests.connections import configure, new_conversation


@pytest.fixture
def sends(monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.send_outgoing, "delay", lambda attachment_id: queued.append(("file", attachment_id))
    )
    monkeypatch.setattr(tasks.send_text, "delay", lambda message_id: queued.append(("text", message_id)))
    return queued


@pytest.fixture
def video(world_a):
    configure(world_a.tenant, url="http://127.0.0.1:9", instance="loja", token="t")  # can send
    message = Message.objects.create(
        tenant=world_a.tenant,
        conversation=world_a.conversation,
        wa_message_id=uuid.uuid4().hex,
        direction="in",
        status="delivered",
        text="Vídeo da entrega",
        forwarding_score=2,
    )
    original = store_blob(world_a.tenant, io.BytesIO(b"\x00\x00\x00\x18ftypmp42 video"), "video/mp4")
    attachment = Attachment.objects.create(
        tenant=world_a.tenant,
        conversation=world_a.conversation,
        message=message,
        category="video",
        file_name="entrega.mp4",
        mime_type="video/mp4",
        size=original.size,
        status="ready",
        original=original,
        metadata={"duration": 3.0, "width": 320, "height": 240},
    )
    poster = store_blob(world_a.tenant, io.BytesIO(b"RIFF poster"), "image/webp")
    Rendition.objects.create(attachment=attachment, variant="poster", blob=poster, width=320, height=240)
    return message


def test_one_video_to_five_chats_adds_no_stored_bytes_and_each_copy_is_sent(
    world_a, video, sends, django_capture_on_commit_callbacks
):
    world_a.attachment.delete()  # world_a's "olá" becomes a text (its photo has no bytes)
    chats = [
        new_conversation(world_a.tenant, remote_jid=f"551190000{i:04d}@s.whatsapp.net") for i in range(5)
    ]
    blobs_before = Blob.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        answer = world_a.client().post(
            "/api/messages/forward/",
            {
                "messages": [str(video.pk), str(world_a.message.pk)],
                "conversations": [str(c.pk) for c in chats],
            },
            format="json",
        )
    assert answer.status_code == 201, answer.content
    made = answer.json()
    assert len(made) == 10 and Blob.objects.count() == blobs_before
    # Each chat gets both, in the originals' order (world_a's "olá" came first).
    assert [m["conversation"] for m in made] == [str(c.pk) for c in chats for _ in range(2)]
    for copy in made[1::2]:
        assert copy["forwarded"] and copy["forwarding_score"] == 3 and copy["status"] == "processing"
        (file,) = copy["attachments"]
        assert file["status"] == "ready" and set(file["urls"]) == {"original", "poster"}
        stored = Attachment.objects.get(pk=file["id"])
        assert stored.original_id == video.attachments.get().original_id
    # Sent in order: each chat's text first; its video waits until the text is sent (chat.ordering).
    assert sorted(kind for kind, _ in sends) == ["text"] * 5
    for text, copy in zip(made[::2], made[1::2], strict=True):
        assert Message.objects.get(pk=copy["id"]).send_after_id == uuid.UUID(text["id"])
        with django_capture_on_commit_callbacks(execute=True):
            assert ordering.release_next(text["id"]) == 1
    assert sorted(kind for kind, _ in sends) == ["file"] * 5 + ["text"] * 5
    assert not Message.objects.filter(send_after__isnull=False).exists()


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"deleted": True}, 400, "deleted"),
        ({"view_once": True}, 400, "view_once"),
        ({"processing": True}, 409, "not_ready"),
    ],
)
def test_what_cannot_be_forwarded_is_refused_and_nothing_is_made(world_a, video, sends, change, status, code):
    from django.utils import timezone

    if change.get("deleted"):
        Message.objects.filter(pk=video.pk).update(deleted_at=timezone.now())
    if change.get("view_once"):
        Message.objects.filter(pk=video.pk).update(is_view_once=True)
    if change.get("processing"):
        Attachment.objects.filter(message=video).update(status="processing")
    target = new_conversation(world_a.tenant, remote_jid="5511900000099@s.whatsapp.net")
    answer = world_a.client().post(
        "/api/messages/forward/",
        {"messages": [str(video.pk)], "conversations": [str(target.pk)]},
        format="json",
    )
    assert answer.status_code == status and answer.json()["error"]["code"] == code
    assert not Message.objects.filter(conversation=target).exists() and sends == []


def test_another_tenants_messages_and_chats_are_not_there(world_a, world_b, video, sends, settings):
    api = world_a.client()
    mine = new_conversation(world_a.tenant, remote_jid="5511900000098@s.whatsapp.net")
    theirs = api.post(
        "/api/messages/forward/",
        {"messages": [str(world_b.message.pk)], "conversations": [str(mine.pk)]},
        format="json",
    )
    assert theirs.status_code == 404 and theirs.json()["error"]["code"] == "message_not_found"
    into = api.post(
        "/api/messages/forward/",
        {"messages": [str(video.pk)], "conversations": [str(world_b.conversation.pk)]},
        format="json",
    )
    assert into.status_code == 404 and into.json()["error"]["code"] == "conversation_not_found"
    settings.FORWARD_MAX_CONVERSATIONS = 1
    many = api.post(
        "/api/messages/forward/",
        {"messages": [str(video.pk)], "conversations": [str(mine.pk), str(world_a.conversation.pk)]},
        format="json",
    )
    assert many.status_code == 413 and many.json()["error"]["code"] == "too_many_conversations"
    assert sends == []
