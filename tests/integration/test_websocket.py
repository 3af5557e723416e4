"""/ws/chat/ with a real WebSocket client against the running server (channels-redis on the real
stack): only members connect, each tenant hears only its own events, a conversation socket only
that conversation's."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from websockets.exceptions import InvalidStatus

from tests.integration.conftest import EventStream, post


def test_anonymous_and_bad_tokens_are_refused(live):
    for token in (None, "cm_not-a-token"):
        with pytest.raises(InvalidStatus) as refused:
            EventStream(live, token)
        assert refused.value.response.status_code == 403


def test_a_foreign_origin_is_refused(live, member_a):
    from websockets.sync.client import connect

    with pytest.raises(InvalidStatus):
        connect(
            live.ws_url,
            additional_headers={"Origin": "https://evil.example", "Authorization": f"Token {member_a.token}"},
        )


def test_session_cookie_authenticates_browsers(live, member_a, open_stream, django_user_model):
    user = django_user_model.objects.get(memberships__tenant=member_a.tenant)
    user.set_password("a-long-password-123")
    user.save()
    client = Client()
    assert client.login(username=user.username, password="a-long-password-123")
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    stream = open_stream(live, cookie=cookie)
    assert stream.hello["data"]["tenant"] == str(member_a.tenant.id)


def test_conversation_sockets_hear_only_their_conversation(
    live, member_a, member_b, fake_whatsapp_server, open_stream
):
    fake = fake_whatsapp_server
    url = member_a.webhook_url(live)
    tenant_stream = open_stream(live, member_a.token)
    assert post(url, fake.webhook("messages-upsert-text.json", id="WS1")).status_code == 200
    from chatmedia.chat.models import Conversation

    # a webhook is stored by a worker after it was answered (queued): wait for the row
    deadline = time.monotonic() + 30
    while not Conversation.objects.filter(tenant=member_a.tenant).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    first = Conversation.objects.get(tenant=member_a.tenant)
    # …and for its event, published just after that commit: a chat socket opened before it would
    # rightly hear WS1 too (it is that conversation's message).
    tenant_stream.wait_for(lambda e: e["type"] == "message.created" and e["data"]["wa_message_id"] == "WS1")
    chat_stream = open_stream(live, member_a.token, query=f"?conversation={first.id}")
    other = fake.webhook("messages-upsert-text.json", id="WS2", remote_jid="5511955554444@s.whatsapp.net")
    assert post(url, other).status_code == 200
    mine = fake.webhook("messages-upsert-text.json", id="WS3")
    assert post(url, mine).status_code == 200
    tenant_stream.wait_for(lambda e: e["type"] == "message.created" and e["data"]["wa_message_id"] == "WS3")
    chat_stream.wait_for(lambda e: e["type"] == "message.created" and e["data"]["wa_message_id"] == "WS3")
    heard = {e["data"].get("wa_message_id") for e in chat_stream.drain() if e["type"] == "message.created"}
    assert heard == {"WS3"}
    # another tenant cannot subscribe to this conversation
    with pytest.raises(InvalidStatus):
        EventStream(live, member_b.token, query=f"?conversation={first.id}")


def test_status_events_reach_the_chat(live, member_a, fake_whatsapp_server, open_stream):
    stream = open_stream(live, member_a.token)
    url = member_a.webhook_url(live)
    from tests.whatsapp.fixtures import evolution

    assert (
        post(
            url, evolution("send-message-image.json") | {"instance": fake_whatsapp_server.state.instance}
        ).status_code
        == 200
    )
    assert post(url, evolution("messages-update-delivery-ack.json")).status_code == 200
    event = stream.wait_for(lambda e: e["type"] == "message.status")
    assert (
        event["data"]["status"] == "delivered" and event["data"]["wa_message_id"] == "3EB0C1D2E3F4A5B6C7D8E9"
    )
