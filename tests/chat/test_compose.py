"""Text messages an agent writes: POST /api/conversations/<id>/messages/ → Evolution sendText,
through the same exactly-once send path as files; retry; and the conversation list's preview."""

from __future__ import annotations

import pytest

from chatmedia.chat.models import Message
from chatmedia.whatsapp import tasks
from chatmedia.whatsapp.models import OutgoingSend
from tests.connections import configure


@pytest.fixture
def write(agent, monkeypatch):
    queued: list[str] = []
    monkeypatch.setattr(tasks.send_text, "delay", lambda message_id: queued.append(message_id))
    client = agent.client()

    def post(text, conversation=None):
        conversation = conversation or agent.conversation.id
        return client.post(f"/api/conversations/{conversation}/messages/", {"text": text}, format="json")

    post.queued = queued
    return post


def test_a_text_is_recorded_queued_and_sent_once(write, agent, fake_whatsapp):
    response = write("  Olá! Seu pedido saiu.  ")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "processing" and body["direction"] == "out"
    assert body["text"] == "Olá! Seu pedido saiu."
    assert write.queued == [body["id"]]
    assert tasks.send_text.apply(args=[body["id"]]).get() == "sent"
    assert tasks.send_text.apply(args=[body["id"]]).get() == "sent"  # a redelivered task sends nothing more
    (sent,) = fake_whatsapp.sent()
    assert sent.route == "sendText" and sent.caption == "Olá! Seu pedido saiu."
    assert sent.number == agent.conversation.remote_jid
    message = Message.objects.get(pk=body["id"])
    assert message.status == "sent" and message.wa_message_id == sent.id


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [("   ", 400, "empty"), ("x" * 4097, 400, "text_too_long")],
)
def test_bad_texts_are_refused_with_a_reason(write, text, status, code):
    response = write(text)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert not Message.objects.filter(direction="out").exists() and write.queued == []


def test_no_text_to_another_tenants_conversation_or_without_whatsapp(write, agent, django_user_model):
    from tests.conftest import make_world

    other = make_world("other", django_user_model)
    response = write("oi", conversation=other.conversation.id)
    assert response.status_code == 404 and response.json()["error"]["code"] == "conversation_not_found"
    configure(agent.tenant, url="")
    response = write("oi")
    assert response.status_code == 409 and response.json()["error"]["code"] == "whatsapp_not_connected"


def test_a_refused_text_fails_with_evolutions_reason_and_can_be_retried(write, agent, fake_whatsapp):
    fake_whatsapp.fail("sendText", "404")
    body = write("Olá").json()
    assert tasks.send_text.apply(args=[body["id"]]).get() == "failed"
    message = Message.objects.get(pk=body["id"])
    assert message.status == "failed" and message.error_message
    response = agent.client().post(f"/api/messages/{body['id']}/retry/")
    assert response.status_code == 202 and response.json()["status"] == "processing"
    assert write.queued == [body["id"], body["id"]]
    assert tasks.send_text.apply(args=[body["id"]]).get() == "sent"
    assert agent.client().post(f"/api/messages/{body['id']}/retry/").status_code == 409  # not failed now


def test_an_incoming_message_cannot_be_retried(agent):
    response = agent.client().post(f"/api/messages/{agent.message.id}/retry/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_retryable"


def test_the_send_message_echo_of_a_text_from_evolution_2_3_is_not_a_second_message(
    write, webhook_to_us, published
):
    fake = webhook_to_us
    fake.state.honour_message_id = False
    body = write("Bom dia").json()
    assert tasks.send_text.apply(args=[body["id"]]).get() == "sent"
    (sent,) = fake.sent()
    outgoing = Message.objects.filter(direction="out")
    assert [(m.pk, m.wa_message_id) for m in outgoing] == [(Message.objects.get(pk=body["id"]).pk, sent.id)]
    assert OutgoingSend.objects.get(message_id=body["id"]).state == "sent"
    # Never shown twice, not even for a moment: the echo was matched, not recorded and then dropped.
    created = [data["id"] for event, data in published if event == "message.created"]
    assert created == [body["id"]]
    assert not [event for event, _ in published if event == "message.deleted"]


def test_the_conversation_list_shows_each_last_message(write, agent, django_assert_max_num_queries):
    body = write("Última mensagem").json()
    client = agent.client()
    with django_assert_max_num_queries(12):
        listed = client.get("/api/conversations/").json()["results"]
    (conversation,) = listed
    last = conversation["last_message"]
    assert last["id"] == body["id"] and last["text"] == "Última mensagem" and last["attachment"] is None
    assert last["direction"] == "out" and last["status"] == "processing"
