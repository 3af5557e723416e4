"""The same scenarios through both providers: a number on Evolution API (the fake Evolution + CDN,
payloads from fixtures/evolution*) and one on Meta's WhatsApp Cloud API (the fake Graph API,
Meta's documented shapes). What the customer sends becomes the same rows, bytes and statuses
whichever provider carried it; the agent's send goes out through the number's own provider."""

from __future__ import annotations

import hashlib
import json
import uuid

import pytest
from django.test import Client

from chatmedia.chat import compose
from chatmedia.chat.models import Attachment, Message, Reaction
from chatmedia.whatsapp import sending, tasks
from tests.connections import cloud_on_fake, configure
from tests.whatsapp.fixtures import VECTORS, evolution, plain_bytes
from tests.whatsapp.test_download import MEDIA as EVOLUTION_MEDIA
from tools.fake_whatsapp import traffic

CUSTOMER = "5511988887777"
CATEGORIES = {
    "image-01": "image",
    "ptt-01": "voice",
    "audio-01": "audio",
    "document-01": "document",
    "video-01": "video",
    "sticker-01": "sticker",
}
CLOUD_KIND = {
    "image": "image",
    "voice": "audio",
    "audio": "audio",
    "document": "document",
    "video": "video",
    "sticker": "sticker",
}


class EvolutionNumber:
    def __init__(self, tenant, fake, post_webhook):
        self.tenant, self.fake, self.post_webhook = tenant, fake, post_webhook
        self.connection = configure(
            tenant, url=fake.url, instance=fake.state.instance, token=fake.state.apikey
        )
        self.jid = f"{CUSTOMER}@s.whatsapp.net"

    def _post(self, event: str, data: dict) -> None:
        body = {"event": event, "instance": self.fake.state.instance, "data": data}
        assert self.post_webhook(self.tenant, body).status_code == 200

    def media(self, vector_id: str) -> str:
        wa_id = f"EVO{uuid.uuid4().hex[:14].upper()}"
        payload = self.fake.webhook(EVOLUTION_MEDIA[vector_id], vector_id, id=wa_id, remote_jid=self.jid)
        assert self.post_webhook(self.tenant, payload).status_code == 200
        return wa_id

    def text(self, body: str) -> str:
        payload = evolution("messages-upsert-text.json")
        wa_id = f"EVO{uuid.uuid4().hex[:14].upper()}"
        payload["data"]["key"].update(id=wa_id, remoteJid=self.jid)
        payload["data"]["key"].pop("remoteJidAlt", None)
        payload["data"]["message"] = {"conversation": body}
        assert self.post_webhook(self.tenant, payload).status_code == 200
        return wa_id

    def reply(self, quoted: str, body: str) -> str:
        made, posts = traffic.TRAFFIC_KINDS["reply"](
            self.fake, self.jid, "Maria", {"quote_id": quoted, "text": body}
        )
        for event, data in posts:
            self._post(event, data)
        return made["id"]

    def react(self, target: str, emoji: str) -> None:
        _, posts = traffic.TRAFFIC_KINDS["reaction"](
            self.fake, self.jid, "Maria", {"target_id": target, "emoji": emoji}
        )
        for event, data in posts:
            self._post(event, data)

    def receipt(self, wa_id: str, status: str) -> None:
        raw = {"delivered": "DELIVERY_ACK", "read": "READ"}[status]
        self._post("messages.update", {"keyId": wa_id, "remoteJid": self.jid, "fromMe": True, "status": raw})

    def sent_texts(self) -> list[tuple[str, str]]:
        return [(s.id, s.body.get("text", "")) for s in self.fake.sent()]


class CloudNumber:
    def __init__(self, tenant, graph, capture):
        self.graph, self.capture = graph, capture
        self.connection = cloud_on_fake(tenant, graph)

    def _deliver(self, payload: dict) -> None:
        body = json.dumps(payload).encode()
        headers = {"X-Hub-Signature-256": self.graph.sign(body)}
        with self.capture(execute=True):
            answer = Client().post(
                f"/webhooks/cloud/{self.connection.id}/",
                data=body,
                content_type="application/json",
                headers=headers,
            )
        assert answer.status_code == 200, answer.content

    @staticmethod
    def _id(payload: dict) -> str:
        return payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]

    def media(self, vector_id: str) -> str:
        vector, category = VECTORS[vector_id], CATEGORIES[vector_id]
        extra = {"voice": True} if category == "voice" else {}
        if category == "document":
            extra["filename"] = "documento.pdf"
        payload = self.graph.message(
            CLOUD_KIND[category],
            CUSTOMER,
            "Maria",
            data=plain_bytes(vector),
            mime_type=vector["mimetype"],
            **extra,
        )
        self._deliver(payload)
        return self._id(payload)

    def text(self, body: str) -> str:
        payload = self.graph.message("text", CUSTOMER, "Maria", text=body)
        self._deliver(payload)
        return self._id(payload)

    def reply(self, quoted: str, body: str) -> str:
        payload = self.graph.message(
            "text", CUSTOMER, "Maria", text=body, context={"from": CUSTOMER, "id": quoted}
        )
        self._deliver(payload)
        return self._id(payload)

    def react(self, target: str, emoji: str) -> None:
        self._deliver(self.graph.message("reaction", CUSTOMER, "Maria", message_id=target, emoji=emoji))

    def receipt(self, wa_id: str, status: str) -> None:
        self._deliver(self.graph.status(wa_id, status, CUSTOMER))

    def sent_texts(self) -> list[tuple[str, str]]:
        return [(s["id"], s.get("text", {}).get("body", "")) for s in self.graph.sent()]


@pytest.fixture(params=["evolution", "cloud"])
def number(
    request,
    tenant,
    fake_whatsapp,
    fake_graph_server,
    settings,
    post_webhook,
    queued,
    django_capture_on_commit_callbacks,
):
    if request.param == "evolution":
        return EvolutionNumber(tenant, fake_whatsapp, post_webhook)
    fake_graph_server.reset()
    settings.WHATSAPP_MEDIA_HOSTS = [*settings.WHATSAPP_MEDIA_HOSTS, fake_graph_server.host]
    return CloudNumber(tenant, fake_graph_server, django_capture_on_commit_callbacks)


@pytest.mark.parametrize("vector_id", list(CATEGORIES))
def test_every_media_kind_to_ready_with_its_exact_bytes(number, run, vector_id):
    wa_id = number.media(vector_id)
    attachment = Attachment.objects.get(message__wa_message_id=wa_id)
    assert attachment.conversation.connection == number.connection
    assert attachment.category == CATEGORIES[vector_id]
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    attachment.refresh_from_db()
    assert attachment.original.sha256 == hashlib.sha256(plain_bytes(VECTORS[vector_id])).hexdigest()


def test_a_reply_and_a_reaction_taken_back(number):
    asked = number.text("Tem na cor azul?")
    answer = number.reply(asked, "E no tamanho M?")
    assert Message.objects.get(wa_message_id=answer).reply_to_wa_id == asked
    number.react(asked, "❤️")
    assert Reaction.objects.get(message__wa_message_id=asked).emoji == "❤️"
    number.react(asked, "")
    assert Reaction.objects.get(message__wa_message_id=asked).emoji == ""


def test_the_agents_text_goes_out_through_the_numbers_provider_and_moves_forward(number, tenant):
    number.text("Oi")
    conversation = Message.objects.get().conversation
    message = compose.send_text(tenant, conversation.id, "Seu pedido saiu")
    assert sending.send(message.pk).state == "sent"
    message.refresh_from_db()
    (sent,) = number.sent_texts()
    assert sent == (message.wa_message_id, "Seu pedido saiu")
    for status in ("delivered", "read"):
        number.receipt(message.wa_message_id, status)
    message.refresh_from_db()
    assert message.status == "read"
