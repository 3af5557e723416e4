"""Incoming media end to end on separate processes: webhook → queue → worker → storage →
WebSocket event → the stored bytes equal WhatsApp's plaintext. On the real stack the queue is
RabbitMQ, storage is the S3 server, the channel layer is Redis and the database PostgreSQL."""

from __future__ import annotations

import base64
import hashlib
import os
import time

import httpx
import pytest

from chatmedia.chat.models import Attachment, Conversation, Message, Rendition
from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
from tests.connections import connection_of, webhook_path, webhook_secret_of
from tests.integration.conftest import post
from tests.whatsapp.fixtures import VECTORS, plain_bytes

# What processing adds to each kind (renditions, and metadata a bubble needs before the bytes load).
RENDITIONS = {
    "image": ({"thumb", "preview"}, {"width", "height", "blurhash"}),
    "voice": ({"playback"}, {"duration", "waveform"}),
    "audio": ({"playback"}, {"duration", "waveform"}),
    "document": ({"thumb", "preview"}, {"pages"}),
    "video": ({"thumb", "poster"}, {"width", "height", "duration", "blurhash"}),
    "sticker": ({"thumb"}, {"width", "height", "animated"}),
}
MEDIA = [
    ("messages-upsert-image-caption.json", "image-01", "image"),
    ("messages-upsert-ptt-voice-note.json", "ptt-01", "voice"),
    ("messages-upsert-audio-file.json", "audio-01", "audio"),
    ("messages-upsert-document-pdf.json", "document-01", "document"),
    ("messages-upsert-video.json", "video-01", "video"),
    ("messages-upsert-sticker.json", "sticker-01", "sticker"),
    ("messages-upsert-group-image.json", "image-01", "image"),
]


def stored_bytes(attachment: Attachment) -> bytes:
    return b"".join(media_storage().iter_chunks(attachment.original.storage_key))


def created_attachment_id(stream, wa_message_id: str) -> str:
    event = stream.wait_for(
        lambda e: e["type"] == "message.created" and e["data"]["wa_message_id"] == wa_message_id
    )
    return event["data"]["attachments"][0]["id"]


def wait_ready(stream, attachment_id: str, timeout: float = 30) -> dict:
    return stream.wait_for(
        lambda e: (
            e["type"] in ("attachment.ready", "attachment.failed")
            and e["data"]["attachment"]["id"] == attachment_id
        ),
        timeout,
    )


def test_every_media_fixture_end_to_end(live, member_a, member_b, fake_whatsapp_server, open_stream):
    fake = fake_whatsapp_server
    stream_a = open_stream(live, member_a.token)
    stream_b = open_stream(live, member_b.token)
    expected = {}
    for index, (fixture, vector_id, category) in enumerate(MEDIA):
        payload = fake.webhook(fixture, vector_id, id=f"E2E{index}{os.urandom(4).hex().upper()}")
        response = post(member_a.webhook_url(live), payload)
        assert response.status_code == 200, response.text
        expected[payload["data"]["key"]["id"]] = (vector_id, category)
    for wa_id, (vector_id, category) in expected.items():
        attachment_id = created_attachment_id(stream_a, wa_id)
        event = wait_ready(stream_a, attachment_id)
        assert event["type"] == "attachment.ready", event
        data = event["data"]["attachment"]
        assert data["category"] == category and data["status"] == "ready"
        assert data["size"] == VECTORS[vector_id]["file_length"]
        attachment = Attachment.objects.select_related("original").get(pk=attachment_id)
        assert attachment.tenant_id == member_a.tenant.id
        assert stored_bytes(attachment) == plain_bytes(VECTORS[vector_id])
        variants, metadata_keys = RENDITIONS[category]
        assert {r.variant for r in attachment.renditions.all()} == variants
        assert metadata_keys <= set(attachment.metadata), attachment.metadata
        assert "preview_error" not in attachment.metadata
        assert len(attachment.metadata.get("waveform", [0] * 64)) == 64
        # the event carries signed URLs of every variant, served by the running web process
        plain = plain_bytes(VECTORS[vector_id])
        assert set(data["urls"]) == {"original", *variants}
        for variant, link in data["urls"].items():
            served = httpx.get(live.url + link)
            assert served.status_code == 200, (category, variant, served.text)
            assert served.headers["etag"].strip('"') == (
                attachment.original.sha256
                if variant == "original"
                else attachment.renditions.get(variant=variant).blob.sha256
            )
        tail = httpx.get(live.url + data["urls"]["original"], headers={"Range": "bytes=-10"})
        assert (tail.status_code, tail.content) == (206, plain[-10:])
        assert httpx.get(live.url + data["urls"]["original"]).content == plain
    # the same image in the 1:1 chat and in the group is one stored object (and one set of renditions)
    attachments = Attachment.objects.filter(tenant=member_a.tenant)
    assert len({a.original_id for a in attachments}) == 6
    renditions = Rendition.objects.filter(attachment__tenant=member_a.tenant)
    assert Blob.objects.filter(tenant=member_a.tenant).count() == 6 + len({r.blob_id for r in renditions})
    assert stream_a.wait_for(lambda e: e["type"] == "conversation.updated")
    # the other tenant's socket heard nothing at all
    assert stream_b.drain(1.0) == []


def test_duplicate_webhooks_make_one_message_and_one_download(
    live, member_a, fake_whatsapp_server, open_stream
):
    stream = open_stream(live, member_a.token)
    payload = fake_whatsapp_server.webhook("messages-upsert-image-caption.json", "image-01", id="DUP1")
    for _ in range(3):
        assert post(member_a.webhook_url(live), payload).status_code == 200
    assert wait_ready(stream, created_attachment_id(stream, "DUP1"))["type"] == "attachment.ready"
    assert Message.objects.filter(wa_message_id="DUP1").count() == 1
    assert Attachment.objects.filter(tenant=member_a.tenant).count() == 1
    assert len(fake_whatsapp_server.calls("cdn")) == 1
    assert [e["type"] for e in stream.drain()].count("message.created") == 1


def test_evolution_5xx_then_recovery_is_stored(live, member_a, fake_whatsapp_server, open_stream):
    fake = fake_whatsapp_server
    stream = open_stream(live, member_a.token)
    fake.fail("cdn", "404", times=100)  # the CDN copy expired: only Evolution can help
    fake.fail("getBase64FromMediaMessage", "5xx", times=2)
    payload = fake.webhook("messages-upsert-document-pdf.json", "document-01", id="RETRY1")
    assert post(member_a.webhook_url(live), payload).status_code == 200
    event = wait_ready(stream, created_attachment_id(stream, "RETRY1"))
    assert event["type"] == "attachment.ready", event
    assert len(fake.calls("getBase64FromMediaMessage")) == 3  # two 5xx, then the bytes
    attachment = Attachment.objects.get(pk=event["data"]["attachment"]["id"])
    assert stored_bytes(attachment) == plain_bytes(VECTORS["document-01"])


def test_tampered_cdn_bytes_fail_with_integrity_and_store_nothing(
    live, member_b, fake_whatsapp_server, open_stream
):
    stream = open_stream(live, member_b.token)
    fake_whatsapp_server.fail("cdn", "wrong_bytes", times=100)
    payload = fake_whatsapp_server.webhook("messages-upsert-image-caption.json", "image-01", id="TAMPER1")
    assert post(member_b.webhook_url(live), payload).status_code == 200
    event = wait_ready(stream, created_attachment_id(stream, "TAMPER1"))
    assert event["type"] == "attachment.failed"
    assert event["data"]["attachment"]["error"]["code"] == "integrity"
    assert not Blob.objects.filter(tenant=member_b.tenant).exists()
    assert Attachment.objects.get(pk=event["data"]["attachment"]["id"]).original_id is None


def test_wrong_secret_is_401_and_nothing_is_stored(live, member_a, fake_whatsapp_server):
    payload = fake_whatsapp_server.webhook("messages-upsert-image-with-base64.json")
    url = f"{live.url}/webhooks/evolution/{member_a.tenant.slug}/not-the-secret/"
    assert post(url, payload).status_code == 401
    bearer = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.e30.invalid"}
    assert (
        post(f"{live.url}/webhooks/evolution/{member_a.tenant.slug}/", payload, headers=bearer).status_code
        == 401
    )
    assert not Message.objects.exists() and not Blob.objects.exists()
    assert fake_whatsapp_server.calls() == []


def test_a_5_mb_base64_webhook_is_accepted(live, member_a, fake_whatsapp_server, open_stream):
    stream = open_stream(live, member_a.token)
    # a PDF by its bytes (so it is an accepted document); its body is noise, so it has no preview
    document = b"%PDF-1.4\n" + os.urandom(5 * 1024 * 1024)
    payload = fake_whatsapp_server.webhook("messages-upsert-document-pdf.json", id="BIG5MB")
    node = payload["data"]["message"]["documentMessage"]
    node["fileSha256"] = base64.b64encode(hashlib.sha256(document).digest()).decode()
    node["fileLength"] = {"low": len(document), "high": 0, "unsigned": True}
    payload["data"]["message"]["base64"] = base64.b64encode(document).decode()
    started = time.monotonic()
    response = post(member_a.webhook_url(live), payload)
    assert response.status_code == 200, response.text
    assert time.monotonic() - started < 10
    event = wait_ready(stream, created_attachment_id(stream, "BIG5MB"))
    assert event["type"] == "attachment.ready"
    assert stored_bytes(Attachment.objects.get(pk=event["data"]["attachment"]["id"])) == document
    assert fake_whatsapp_server.calls("cdn") == []  # the inline bytes were used


def test_profile_picture_is_copied_and_served(live, member_a, fake_whatsapp_server, open_stream):
    fake = fake_whatsapp_server
    stream = open_stream(live, member_a.token)
    assert (
        post(member_a.webhook_url(live), fake.webhook("messages-upsert-text.json", id="HELLO1")).status_code
        == 200
    )
    conversation_id = stream.wait_for(lambda e: e["type"] == "message.created")["data"]["conversation"]
    contact = fake.webhook("contacts-update-single.json")
    contact["data"]["profilePicUrl"] = fake.add_picture("live-avatar", plain_bytes(VECTORS["image-01"]))
    assert post(member_a.webhook_url(live), contact).status_code == 200
    stream.wait_for(
        lambda e: (
            e["type"] == "conversation.updated"
            and e["data"]["avatar_updated_at"]
            and e["data"]["id"] == conversation_id
        )
    )
    headers = {"Authorization": f"Token {member_a.token}"}
    response = httpx.get(f"{live.url}/media/avatar/{conversation_id}", headers=headers)
    assert response.status_code == 200 and response.content == plain_bytes(VECTORS["image-01"])
    listed = httpx.get(f"{live.url}/api/conversations/{conversation_id}/", headers=headers).json()
    signed = httpx.get(live.url + listed["avatar_url"])  # no credentials: the URL is the capability
    assert signed.status_code == 200 and signed.content == response.content
    assert Conversation.objects.get(pk=conversation_id).display_name == "João Cliente"


@pytest.mark.needs_broker_redelivery
def test_a_worker_killed_mid_task_is_redelivered_and_stores_once(
    live, member_a, fake_whatsapp_server, open_stream
):
    fake = fake_whatsapp_server
    stream = open_stream(live, member_a.token)
    fake.fail("cdn", "timeout", times=1)  # the first download hangs: the worker is busy with it
    payload = fake.webhook("messages-upsert-video.json", "video-01", id="KILL1")
    assert post(member_a.webhook_url(live), payload).status_code == 200
    attachment_id = created_attachment_id(stream, "KILL1")
    deadline = time.monotonic() + 20
    while not fake.calls("cdn") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.calls("cdn"), "the worker never started the download"
    live.worker.kill()
    assert Attachment.objects.get(pk=attachment_id).status in ("pending", "processing")
    live.start_worker()
    event = wait_ready(stream, attachment_id, timeout=60)
    assert event["type"] == "attachment.ready"
    assert Attachment.objects.filter(message__wa_message_id="KILL1").count() == 1
    video_sha256 = VECTORS["video-01"]["plaintext_sha256_hex"]
    assert Blob.objects.filter(tenant=member_a.tenant, sha256=video_sha256).count() == 1
    assert len(fake.calls("cdn")) == 2  # the killed attempt and the redelivered one


def test_oversized_webhooks_are_refused_before_being_read(live, member_a):
    import socket

    # Content-Length over the limit: 413 at once, without sending (or spooling) the body.
    limit = 10**12
    with socket.create_connection(("127.0.0.1", live.port), timeout=10) as connection:
        path = webhook_path(member_a.tenant)
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {limit}\r\n\r\n".encode()
        )
        answer = connection.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 413"), answer


def test_media_whose_task_was_lost_is_picked_up_again(live, member_a, fake_whatsapp_server, monkeypatch):
    import subprocess
    import sys

    from chatmedia.whatsapp import ingest, tasks
    from chatmedia.whatsapp.providers.evolution.payloads import parse_webhook
    from tests.integration.conftest import REAL_BROKER

    # Recorded, but its task never reached a worker (a restart of the in-process queue, a broker blip).
    with monkeypatch.context() as patch:
        patch.setattr(tasks.fetch_incoming_media, "delay", lambda *args: None)
        patch.setattr(tasks.refresh_avatar, "delay", lambda *args: None)
        payload = fake_whatsapp_server.webhook("messages-upsert-audio-file.json", "audio-01", id="LOST1")
        ingest.handle(connection_of(member_a.tenant), parse_webhook(payload))
    attachment = Attachment.objects.get(message__wa_message_id="LOST1")
    assert attachment.status == "pending"
    if REAL_BROKER:  # production: `recover_media` from cron
        command = [sys.executable, "manage.py", "recover_media", "--older-than", "0"]
        subprocess.run(command, env=live.env, check=True, capture_output=True)
    else:  # make run: the embedded worker picks it up when the process starts again
        live.web.stop()
        live.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        attachment.refresh_from_db()
        if attachment.status == "ready":
            break
        time.sleep(0.2)
    assert attachment.status == "ready"
    assert stored_bytes(attachment) == plain_bytes(VECTORS["audio-01"])


def test_simulate_shows_media_arriving(live, member_a, fake_whatsapp_server):
    import io

    from tools.fake_whatsapp import SCENARIO, simulate
    from tools.fake_whatsapp.simulate import AFTER_MEDIA, AFTER_MESSAGES

    out = io.StringIO()
    secret = webhook_secret_of(member_a.tenant)
    code = simulate(fake_whatsapp_server, live.url, member_a.tenant.slug, secret, out)
    assert code == 0, out.getvalue()
    media_count = sum(1 for _, media, _ in SCENARIO if media) + AFTER_MEDIA
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        statuses = list(Attachment.objects.filter(tenant=member_a.tenant).values_list("status", flat=True))
        avatar = Conversation.objects.filter(tenant=member_a.tenant, avatar__isnull=False).exists()
        if len(statuses) == media_count and set(statuses) == {"ready"} and avatar:
            break
        time.sleep(0.2)
    assert sorted(statuses) == ["ready"] * media_count
    assert avatar
    assert Message.objects.filter(tenant=member_a.tenant).count() == len(SCENARIO) + AFTER_MESSAGES
    first = Message.objects.filter(tenant=member_a.tenant).order_by("timestamp", "created_at").first()
    assert first.edited_at is not None and first.text.endswith("e região?")
    photo = Message.objects.get(
        tenant=member_a.tenant,
        attachments__category="image",
        album_wa_id="",
        forwarded=False,
        conversation__is_group=False,
    )
    assert [r.emoji for r in photo.reactions.all()] == ["👍"]
    assert Message.objects.filter(tenant=member_a.tenant, reply_to_wa_id=photo.wa_message_id).count() == 1
