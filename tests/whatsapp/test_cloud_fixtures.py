"""Meta's documented Cloud API shapes (fixtures/cloud-api/, source and version in its README) →
our items, and the Graph answers the client reads; one of them end to end through the webhook.
Every fixture is named here, so a shape nobody checks cannot sneak in."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from django.test import Client

from chatmedia.chat.models import Attachment
from chatmedia.whatsapp import tasks
from chatmedia.whatsapp.items import ContactUpdate, IncomingMessage, Reaction, StatusUpdate
from chatmedia.whatsapp.providers.cloud.payloads import error_of, parse, sha256_bytes
from tests.connections import cloud_on_fake
from tests.media.upload_client import jpeg_bytes

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "cloud-api"
CUSTOMER_JID = "5511988887777@s.whatsapp.net"
PHONE_NUMBER_ID = "106540352242922"
MEDIA = {
    "messages-image-caption.json": ("image", "image/jpeg", "Foto do produto com defeito", ""),
    "messages-audio-voice.json": ("voice", "audio/ogg", "", ""),
    "messages-audio-file.json": ("audio", "audio/mpeg", "", ""),
    "messages-video.json": ("video", "video/mp4", "Como ficou a instalação", ""),
    "messages-document.json": ("document", "application/pdf", "Segue o comprovante", "comprovante-pix.pdf"),
    "messages-sticker.json": ("sticker", "image/webp", "", ""),
}
STATUSES = {
    "statuses-sent.json": "sent",
    "statuses-delivered.json": "delivered",
    "statuses-read.json": "read",
}
OTHERS = {
    "messages-text.json",
    "messages-reply-context.json",
    "messages-reaction.json",
    "statuses-failed-131047.json",
    "graph-media-get.json",
    "graph-media-post.json",
    "graph-messages-post.json",
    "graph-error-190.json",
    "graph-error-131047.json",
}
COVERED = set(MEDIA) | set(STATUSES) | OTHERS


def load(name: str) -> dict:
    assert name in COVERED
    return json.loads((FIXTURES / name).read_text())


def items(name: str) -> list:
    by_number = parse(load(name))
    assert list(by_number) == [PHONE_NUMBER_ID]
    return by_number[PHONE_NUMBER_ID].items


def message(name: str) -> IncomingMessage:
    found = items(name)
    contact = next(i for i in found if isinstance(i, ContactUpdate))
    assert contact.jid == CUSTOMER_JID and contact.push_name == "Maria Souza"
    (incoming,) = [i for i in found if isinstance(i, IncomingMessage)]
    assert (
        incoming.chat_jid == CUSTOMER_JID and not incoming.from_me and incoming.author_name == "Maria Souza"
    )
    assert incoming.wa_message_id.startswith("wamid.")
    return incoming


@pytest.mark.parametrize(("name", "expected"), MEDIA.items())
def test_every_media_message_becomes_a_reference_by_media_id(name, expected):
    category, mime_type, caption, file_name = expected
    sent = load(name)["entry"][0]["changes"][0]["value"]["messages"][0]
    node = sent[sent["type"]]
    incoming = message(name)
    media = incoming.media
    assert media.category == category and media.mime_type == mime_type
    assert (media.caption or incoming.text) == caption if caption else not media.caption
    assert media.file_name == file_name
    assert media.provider_source["media_id"] == node["id"]
    assert media.file_sha256 == sha256_bytes(node["sha256"]) and len(media.file_sha256) == 32
    assert not media.url  # Meta's newer `url` is never fetched: the id is resolved with our token


def test_a_text_and_a_reply_with_its_context():
    text = message("messages-text.json")
    assert text.text == "Oi, vocês abrem no sábado?" and text.media is None and text.reply_to is None
    reply = message("messages-reply-context.json")
    assert reply.text == "Pode ser amanhã às 10h?"
    assert reply.reply_to.wa_message_id == "wamid.HBgNNTUxMTk4ODg4Nzc3NxUCABEYEjdBRkM1RjNGMjdEMEQ1QjhBNAA="


def test_a_reaction():
    (reaction,) = [i for i in items("messages-reaction.json") if isinstance(i, Reaction)]
    assert reaction.emoji == "👍"
    assert reaction.target_wa_id == "wamid.HBgNNTUxMTk4ODg4Nzc3NxUCABEYEjdBRkM1RjNGMjdEMEQ1QjhBNAA="


@pytest.mark.parametrize(("name", "status"), STATUSES.items())
def test_statuses_of_our_sends(name, status):
    (update,) = items(name)
    assert isinstance(update, StatusUpdate) and update.status == status and update.from_me
    assert not update.error_code


def test_a_failed_send_outside_the_24_hour_window_says_so():
    (update,) = items("statuses-failed-131047.json")
    assert update.status == "failed" and update.error_code == "window_closed"
    assert update.error_message


def test_graph_answers_the_client_reads():
    media = load("graph-media-get.json")
    assert set(media) == {"messaging_product", "url", "mime_type", "sha256", "file_size", "id"}
    assert len(sha256_bytes(media["sha256"])) == 32  # hex here, base64 in webhooks
    assert load("graph-media-post.json")["id"]
    assert load("graph-messages-post.json")["messages"][0]["id"].startswith("wamid.")
    expired = load("graph-error-190.json")["error"]
    assert expired["code"] == 190 and expired["type"] == "OAuthException"
    window = load("graph-error-131047.json")["error"]
    assert error_of(window)[0] == "window_closed"


@pytest.fixture
def graph(fake_graph_server, settings):
    fake_graph_server.reset()
    settings.WHATSAPP_MEDIA_HOSTS = [fake_graph_server.host]
    return fake_graph_server


def test_the_documented_image_webhook_end_to_end(
    tenant, graph, queued, run, django_capture_on_commit_callbacks
):
    """The fixture as Meta sends it (its number id made the fake's, its media id one the fake
    serves): signed, stored, fetched by id, checked against the webhook's sha256, ready."""
    connection = cloud_on_fake(tenant, graph)
    photo = jpeg_bytes(320, 240)
    media_id = graph.add_media(photo, "image/jpeg")
    body = load("messages-image-caption.json")
    value = body["entry"][0]["changes"][0]["value"]
    value["metadata"]["phone_number_id"] = connection.phone_number_id
    node = value["messages"][0]["image"]
    node["id"], node["sha256"] = media_id, graph.state.media[media_id].sha256_b64
    raw = json.dumps(body).encode()
    with django_capture_on_commit_callbacks(execute=True):
        answer = Client().post(
            f"/webhooks/cloud/{connection.id}/",
            data=raw,
            content_type="application/json",
            headers={"X-Hub-Signature-256": graph.sign(raw)},
        )
    assert answer.status_code == 200 and answer.json()["created"] == 1
    attachment = Attachment.objects.get(conversation__connection=connection)
    assert queued.media == [str(attachment.id)]
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    attachment.refresh_from_db()
    assert attachment.original.sha256 == hashlib.sha256(photo).hexdigest()
    assert attachment.message.text == "Foto do produto com defeito"


def test_every_fixture_is_read_by_a_test_here():
    assert {p.name for p in FIXTURES.glob("*.json")} == COVERED
