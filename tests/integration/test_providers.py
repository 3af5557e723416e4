"""Both providers on the running system (web + worker + the stack under test): one tenant with an
Evolution number and a Cloud API number receiving at once, each file to ready with its exact bytes,
each conversation on its number; a text sent on the Cloud number through the worker, then moved
forward by Meta's statuses."""

from __future__ import annotations

import hashlib
import threading
import uuid

import httpx

from chatmedia.chat.models import Attachment, Conversation, Message
from tests.connections import cloud_on_fake, connection_of
from tests.integration.conftest import post
from tests.integration.test_incoming import created_attachment_id, stored_bytes, wait_ready
from tests.integration.test_outgoing import status_event
from tests.whatsapp.fixtures import VECTORS, plain_bytes


def cloud_number(member, graph):
    graph.reset()
    graph.state.phone_number_id = str(200_000_000_000_000 + uuid.uuid4().int % 10**14)
    return cloud_on_fake(member.tenant, graph)


def test_an_evolution_and_a_cloud_number_receive_at_once(
    live, member_a, fake_whatsapp_server, fake_graph_server, open_stream
):
    graph = fake_graph_server
    cloud = cloud_number(member_a, graph)
    stream = open_stream(live, member_a.token)
    customer = "5511977776666"
    image = plain_bytes(VECTORS["image-01"])
    voice = plain_bytes(VECTORS["ptt-01"])
    evolution_payload = fake_whatsapp_server.webhook(
        "messages-upsert-image-caption.json",
        "image-01",
        id=f"LIVE{uuid.uuid4().hex[:12].upper()}",
        remote_jid=f"{customer}@s.whatsapp.net",
    )
    cloud_payload = graph.message("audio", customer, "Maria", data=voice, mime_type="audio/ogg", voice=True)
    cloud_id = cloud_payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    answers = {}

    def send(name, call):
        answers[name] = call()

    threads = [
        threading.Thread(
            target=send, args=("evolution", lambda: post(member_a.webhook_url(live), evolution_payload))
        ),
        threading.Thread(
            target=send,
            args=("cloud", lambda: graph.post(cloud_payload, f"{live.url}/webhooks/cloud/{cloud.id}/")),
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert answers["evolution"].status_code == 200 and answers["cloud"].status_code == 200, answers
    for wa_id, data in ((evolution_payload["data"]["key"]["id"], image), (cloud_id, voice)):
        attachment_id = created_attachment_id(stream, wa_id)
        assert wait_ready(stream, attachment_id)["type"] == "attachment.ready"
        attachment = Attachment.objects.get(pk=attachment_id)
        assert hashlib.sha256(stored_bytes(attachment)).digest() == hashlib.sha256(data).digest()
    on_evolution = Conversation.objects.get(connection=connection_of(member_a.tenant))
    on_cloud = Conversation.objects.get(connection=cloud)
    assert on_evolution.remote_jid == on_cloud.remote_jid == f"{customer}@s.whatsapp.net"
    assert Attachment.objects.get(message__wa_message_id=cloud_id).category == "voice"


def test_a_text_on_the_cloud_number_is_sent_by_the_worker_and_moves_forward(
    live, member_a, fake_graph_server, open_stream
):
    graph = fake_graph_server
    cloud = cloud_number(member_a, graph)
    graph.state.webhook_url = f"{live.url}/webhooks/cloud/{cloud.id}/"  # Meta's statuses come back
    chat = Conversation.objects.create(
        tenant=member_a.tenant,
        connection=cloud,
        remote_jid="5511966665555@s.whatsapp.net",
        display_name="Ana",
    )
    stream = open_stream(live, member_a.token)
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Token {member_a.token}"}, timeout=30
    ) as client:
        answer = client.post(f"/api/conversations/{chat.id}/messages/", json={"text": "Seu pedido saiu"})
    assert answer.status_code == 201, answer.text
    message_id = answer.json()["id"]
    status_event(stream, message_id, "sent")
    status_event(stream, message_id, "delivered")
    (sent,) = graph.sent()
    assert (
        sent["type"] == "text" and sent["text"]["body"] == "Seu pedido saiu" and sent["to"] == "5511966665555"
    )
    assert Message.objects.get(pk=message_id).wa_message_id == sent["id"]


def test_an_oversized_cloud_webhook_is_refused_before_it_is_read(live, member_a, fake_graph_server):
    import socket

    cloud = cloud_number(member_a, fake_graph_server)
    # Meta's bodies are small (media comes by id): over CLOUD_WEBHOOK_MAX_BODY_BYTES is 413 at
    # once, well below the Evolution limit that inline base64 needs.
    from django.conf import settings

    size = settings.CLOUD_WEBHOOK_MAX_BODY_BYTES + 1  # the web process has the same environment
    assert size < settings.WEBHOOK_MAX_BODY_BYTES
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as connection:
        connection.sendall(
            f"POST /webhooks/cloud/{cloud.id}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Content-Type: application/json\r\nX-Hub-Signature-256: sha256=00\r\n"
            f"Content-Length: {size}\r\n\r\n".encode()
        )
        answer = connection.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer
    assert not Message.objects.filter(conversation__connection=cloud).exists()
