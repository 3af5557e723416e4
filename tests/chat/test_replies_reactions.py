"""An agent replies to and reacts on any message, media included: Evolution's `quoted` option and
`sendReaction`, through the fake Evolution API (which checks both bodies as Evolution 2.3.7's
message.schema.ts does)."""

from __future__ import annotations

import pytest

from chatmedia.chat.models import Message, Reaction
from chatmedia.whatsapp import tasks


@pytest.fixture
def client(agent, monkeypatch):
    queued = {"texts": [], "reactions": []}
    monkeypatch.setattr(tasks.send_text, "delay", lambda message_id: queued["texts"].append(message_id))
    monkeypatch.setattr(tasks.send_reaction, "delay", lambda *args: queued["reactions"].append(args))
    api = agent.client()
    api.queued = queued
    return api


def test_a_text_reply_quotes_the_photo_it_answers(client, agent, fake_whatsapp):
    photo = agent.message  # the customer's message with a picture (make_world)
    response = client.post(
        f"/api/conversations/{agent.conversation.id}/messages/",
        {"text": "Temos sim!", "reply_to": str(photo.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reply_to"]["id"] == str(photo.pk) and body["reply_to"]["category"] == "image"
    assert tasks.send_text.apply(args=[body["id"]]).get() == "sent"
    (sent,) = fake_whatsapp.sent()
    assert sent.body["quoted"]["key"] == {
        "id": photo.wa_message_id,
        "remoteJid": agent.conversation.remote_jid,
        "fromMe": False,
    }
    assert sent.body["quoted"]["message"] == {"conversation": "olá"}


@pytest.mark.parametrize(
    ("make_target", "status", "code"),
    [
        (lambda agent: None, 404, "reply_to_not_found"),
        (
            lambda agent: Message.objects.create(
                tenant=agent.tenant, conversation=agent.conversation, direction="out", status="processing"
            ),
            409,
            "reply_to_not_sent",
        ),
    ],
)
def test_a_reply_needs_a_message_whatsapp_knows(client, agent, make_target, status, code):
    target = make_target(agent)
    reply_to = str(target.pk) if target else "00000000-0000-0000-0000-000000000000"
    response = client.post(
        f"/api/conversations/{agent.conversation.id}/messages/",
        {"text": "oi", "reply_to": reply_to},
        format="json",
    )
    assert response.status_code == status and response.json()["error"]["code"] == code
    assert not client.queued["texts"]


def test_a_reaction_shows_at_once_goes_to_whatsapp_and_can_be_taken_back(client, agent, fake_whatsapp):
    url = f"/api/messages/{agent.message.pk}/reactions/"
    response = client.post(url, {"emoji": "👍"}, format="json")
    assert response.status_code == 202, response.content
    (shown,) = response.json()["reactions"]
    assert (shown["emoji"], shown["from_me"]) == ("👍", True)
    ((message_id, emoji),) = client.queued["reactions"]
    assert tasks.send_reaction.apply(args=[message_id, emoji]).get() == "sent"
    (call,) = fake_whatsapp.reactions()
    assert (call["target"], call["emoji"], call["remote_jid"]) == (
        agent.message.wa_message_id,
        "👍",
        agent.conversation.remote_jid,
    )
    response = client.post(url, {"emoji": ""}, format="json")
    assert response.status_code == 202 and response.json()["reactions"] == []
    assert tasks.send_reaction.apply(args=[message_id, ""]).get() == "sent"
    assert [c["emoji"] for c in fake_whatsapp.reactions()] == ["👍", ""]


def test_a_reaction_evolution_refuses_is_taken_back(client, agent, fake_whatsapp, settings):
    settings.MEDIA_TASK_MAX_RETRIES = 0
    client.post(f"/api/messages/{agent.message.pk}/reactions/", {"emoji": "❤️"}, format="json")
    fake_whatsapp.fail("sendReaction", "401")
    assert tasks.send_reaction.apply(args=[str(agent.message.pk), "❤️"]).get() == "failed"
    assert Reaction.objects.get(message=agent.message).emoji == ""


@pytest.mark.parametrize("emoji", ["ok", "👍" * 20])
def test_a_reaction_is_one_emoji(client, agent, emoji):
    response = client.post(f"/api/messages/{agent.message.pk}/reactions/", {"emoji": emoji}, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "not_an_emoji"


def test_our_reaction_echoed_back_by_evolution_stays_one(client, agent, fake_whatsapp, webhook_to_us):
    client.post(f"/api/messages/{agent.message.pk}/reactions/", {"emoji": "🙏"}, format="json")
    assert tasks.send_reaction.apply(args=[str(agent.message.pk), "🙏"]).get() == "sent"
    # the fake posted send.message with our reactionMessage to the webhook
    reactions = list(Reaction.objects.filter(message=agent.message))
    assert [(r.emoji, r.from_me) for r in reactions] == [("🙏", True)]


def test_a_view_once_file_is_handed_out_only_after_a_tap_that_records_who(client, agent):
    message = agent.message
    message.is_view_once = True
    message.save()
    agent.attachment.original = None
    import io

    from chatmedia.media.storage.blobs import store_blob

    agent.attachment.original = store_blob(
        agent.tenant, io.BytesIO(b"\xff\xd8\xff" + b"0" * 100), "image/jpeg"
    )
    agent.attachment.metadata = {"placeholder": "data:image/jpeg;base64,AAAA", "blurhash": "LEHV6nWB2yk8"}
    agent.attachment.save()
    listed = client.get(f"/api/conversations/{agent.conversation.id}/messages/").json()["results"]
    (shown,) = [m for m in listed if m["id"] == str(message.pk)]
    assert shown["is_view_once"] and shown["view_once_opened_at"] is None
    assert shown["attachments"][0]["urls"] == {} and "placeholder" not in shown["attachments"][0]["metadata"]
    assert shown["attachments"][0]["metadata"]["blurhash"]
    opened = client.post(f"/api/messages/{message.pk}/view-once/")
    assert opened.status_code == 200, opened.content
    body = opened.json()
    assert body["view_once_opened_by"] == agent.user.username and body["view_once_opened_at"]
    assert "original" in body["attachments"][0]["urls"]
    first = body["view_once_opened_at"]
    assert client.post(f"/api/messages/{message.pk}/view-once/").json()["view_once_opened_at"] == first


def test_only_view_once_messages_open(client, agent):
    response = client.post(f"/api/messages/{agent.message.pk}/view-once/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_view_once"
