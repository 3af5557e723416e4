"""Outgoing media end to end on separate processes, as a browser and Evolution see it: upload
(presigned PUT or multipart straight to storage) → complete → worker on `media_upload` → the fake
Evolution downloads the file and sends it → WebSocket events up to delivered/read. On the real stack
storage is the S3 server, the queue RabbitMQ (a real worker process), the database PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import threading
import time
import uuid
from datetime import timedelta

import av
import httpx
import pytest
from django.utils import timezone

from chatmedia.chat.models import Conversation, Message
from chatmedia.media.models import Upload
from chatmedia.whatsapp.models import OutgoingSend
from tests.connections import new_conversation
from tests.media.upload_client import MiB, UploadClient, jpeg_bytes, pdf_bytes, recording


@pytest.fixture
def chat(member_a) -> Conversation:
    return new_conversation(
        member_a.tenant,
        remote_jid=f"55119{uuid.uuid4().int % 10**8:08d}@s.whatsapp.net",
        display_name="Cliente",
    )


@pytest.fixture
def browser(live, member_a):
    with httpx.Client(
        base_url=live.url, headers={"Authorization": f"Token {member_a.token}"}, timeout=60
    ) as client:
        yield UploadClient(client)


@pytest.fixture
def evolution(fake_whatsapp_server, live, member_a):
    """The fake posts send.message and receipts to our webhook, as Evolution does."""
    fake_whatsapp_server.state.webhook_url = member_a.webhook_url(live)
    return fake_whatsapp_server


def status_event(stream, message_id: str, status: str, timeout: float = 60) -> dict:
    return stream.wait_for(
        lambda e: (
            e["type"] == "message.status" and e["data"]["id"] == message_id and e["data"]["status"] == status
        ),
        timeout,
    )


def message_of(attachment_id: str) -> str:
    return str(Message.objects.get(attachments__id=attachment_id).pk)


def test_25_mb_pdf_multipart_to_whatsapp_and_receipts(live, browser, chat, evolution, member_a, open_stream):
    stream = open_stream(live, member_a.token)
    data = pdf_bytes(25 * MiB)
    started = browser.start(chat.id, data, file_name="Contrato assinado.pdf", mime_type="application/pdf")
    assert started.status == 201 and started.upload["multipart"] is True
    created = stream.wait_for(
        lambda e: e["type"] == "message.created" and e["data"]["attachments"][0]["id"] == started.id
    )
    assert (
        created["data"]["status"] == "pending" and created["data"]["attachments"][0]["status"] == "uploading"
    )
    parts = browser.put(started, data)
    status, body = browser.complete(started.id, parts)
    assert status == 202, body
    message_id = message_of(started.id)
    status_event(stream, message_id, "processing")
    ready = stream.wait_for(
        lambda e: e["type"] == "attachment.ready" and e["data"]["attachment"]["id"] == started.id
    )
    assert ready["data"]["attachment"]["metadata"]["pages"] == 1
    sent_event = status_event(stream, message_id, "sent")
    (sent,) = evolution.sent()
    assert sent.sha256 == hashlib.sha256(data).hexdigest() and sent.transport == "url"
    assert sent.file_name == "Contrato assinado.pdf" and sent.mediatype == "document"
    assert sent_event["data"]["wa_message_id"] == sent.id
    assert not Upload.objects.filter(attachment_id=started.id).exists()
    # Receipts, the read one first (Evolution reorders): the message ends read, never back.
    assert evolution.ack(sent.id, "READ") == 200
    assert evolution.ack(sent.id, "DELIVERY_ACK") == 200
    status_event(stream, message_id, "read")
    assert Message.objects.get(pk=message_id).status == "read"
    assert Message.objects.filter(conversation=chat, direction="out").count() == 1


def test_recorded_webm_voice_note_reaches_whatsapp_as_ogg_opus(
    live, browser, chat, evolution, member_a, open_stream
):
    stream = open_stream(live, member_a.token)
    started, status, body = browser.send(
        chat.id,
        recording("webm", seconds=4),
        file_name="audio.webm",
        mime_type="audio/webm;codecs=opus",
        voice=True,
    )
    assert status == 202, body
    status_event(stream, message_of(started.id), "sent")
    (sent,) = evolution.sent()
    assert sent.route == "sendWhatsAppAudio"
    with av.open(io.BytesIO(sent.data)) as container:
        audio = container.streams.audio[0]
        assert container.format.name == "ogg" and audio.codec_context.name == "opus"
        assert (audio.channels, audio.sample_rate) == (1, 48000)
    assert evolution.ack(sent.id, "PLAYED") == 200
    status_event(stream, message_of(started.id), "played")


def test_ten_uploads_at_once(live, browser, chat, evolution, member_a, open_stream):
    stream = open_stream(live, member_a.token)
    files = [jpeg_bytes(400 + i, 300, quality=80) for i in range(10)]
    results: list = [None] * 10

    def upload(i: int) -> None:
        results[i] = browser.send(chat.id, files[i], file_name=f"foto-{i}.jpg", mime_type="image/jpeg")

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert all(result is not None and result[1] == 202 for result in results), results
    for started, _, _ in results:
        status_event(stream, message_of(started.id), "sent", timeout=120)
    sent = evolution.sent()
    assert sorted(s.sha256 for s in sent) == sorted(hashlib.sha256(f).hexdigest() for f in files)
    assert len({s.id for s in sent}) == 10


def test_evolution_5xx_retried_then_400_failed(live, browser, chat, evolution, member_a, open_stream):
    stream = open_stream(live, member_a.token)
    evolution.fail("sendMedia", "5xx", times=2)
    started, _, _ = browser.send(chat.id, pdf_bytes(50_000), file_name="a.pdf", mime_type="application/pdf")
    status_event(stream, message_of(started.id), "sent")
    assert len(evolution.calls("sendMedia")) == 3 and len(evolution.sent()) == 1
    gone = new_conversation(member_a.tenant, remote_jid="5511955550000@s.whatsapp.net")
    started, _, _ = browser.send(gone.id, pdf_bytes(50_000), file_name="b.pdf", mime_type="application/pdf")
    failed = status_event(stream, message_of(started.id), "failed")
    assert failed["data"]["error"]["code"] == "evolution_refused"
    assert "exists" in failed["data"]["error"]["message"]


def test_double_completion_sends_once(live, browser, chat, evolution, member_a, open_stream):
    stream = open_stream(live, member_a.token)
    data = pdf_bytes(50_000)
    started = browser.start(chat.id, data, file_name="a.pdf", mime_type="application/pdf")
    browser.put(started, data)
    answers = []
    threads = [
        threading.Thread(target=lambda: answers.append(browser.complete(started.id))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert [status for status, _ in answers] == [202, 202, 202]
    status_event(stream, message_of(started.id), "sent")
    assert browser.complete(started.id)[0] == 202
    time.sleep(1)
    assert len(evolution.sent()) == 1


def test_cancel_mid_upload_leaves_nothing(live, browser, chat, member_a, open_stream):
    stream = open_stream(live, member_a.token)
    data = pdf_bytes(20 * MiB)
    started = browser.start(chat.id, data, file_name="grande.pdf", mime_type="application/pdf")
    first = started.upload["parts"][0]
    assert httpx.put(first["url"], content=data[: started.upload["part_size"]], timeout=60).status_code == 200
    message_id = message_of(started.id)
    assert browser.post(f"/api/uploads/{started.id}/cancel/") == (
        200,
        {"id": started.id, "status": "cancelled"},
    )
    stream.wait_for(lambda e: e["type"] == "message.deleted" and e["data"]["id"] == message_id)
    assert not Message.objects.filter(pk=message_id).exists()
    assert not Upload.objects.filter(attachment_id=started.id).exists()


@pytest.mark.needs_broker_redelivery
def test_worker_killed_after_evolution_sent_sends_once(live, browser, chat, evolution, member_a, open_stream):
    """The worker dies while Evolution holds the answer of a send it already made. Evolution >= 2.4
    (messageId honoured): the redelivered task repeats the call with the same id after the lease,
    and nothing is sent twice."""
    live.worker.stop()
    live.start_worker(EVOLUTION_IDEMPOTENT_SENDS="1", EVOLUTION_SEND_LEASE_SECONDS="3")
    evolution.state.webhook_url = None  # only the repeated call can tell us
    evolution.state.stall_seconds = 30
    evolution.fail("sendMedia", "send_then_stall")
    stream = open_stream(live, member_a.token)
    started, _, _ = browser.send(chat.id, pdf_bytes(50_000), file_name="a.pdf", mime_type="application/pdf")
    deadline = time.monotonic() + 60
    while not evolution.sent() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert evolution.sent(), "the send never reached Evolution"
    live.worker.kill()
    record = OutgoingSend.objects.get(message__attachments__id=started.id)
    assert record.state == "calling"
    live.start_worker(EVOLUTION_IDEMPOTENT_SENDS="1", EVOLUTION_SEND_LEASE_SECONDS="3")
    try:
        event = status_event(stream, message_of(started.id), "sent", timeout=90)
        (sent,) = evolution.sent()
        assert event["data"]["wa_message_id"] == sent.id == record.client_message_id
        assert len(evolution.calls("sendMedia")) == 2  # the killed call and its repeat
    finally:
        live.worker.stop()
        live.start_worker()


@pytest.mark.needs_broker_redelivery
def test_worker_killed_with_evolution_2_3_is_confirmed_by_its_webhook(
    live, browser, chat, evolution, member_a, open_stream
):
    """Evolution 2.3 (no messageId): the call is never repeated; the send.message webhook Evolution
    emitted names the message, so it ends sent, once."""
    evolution.state.honour_message_id = False
    evolution.state.stall_seconds = 30
    evolution.fail("sendMedia", "send_then_stall")
    stream = open_stream(live, member_a.token)
    started, _, _ = browser.send(chat.id, pdf_bytes(50_000), file_name="a.pdf", mime_type="application/pdf")
    event = status_event(stream, message_of(started.id), "sent", timeout=60)
    live.worker.kill()
    live.start_worker()
    (sent,) = evolution.sent()
    assert event["data"]["wa_message_id"] == sent.id
    time.sleep(2)  # the redelivered task finds the message sent and stops
    assert len(evolution.calls("sendMedia")) == 1
    assert Message.objects.get(pk=message_of(started.id)).status == "sent"


def test_beat_expires_an_abandoned_upload(live, browser, chat, member_a, open_stream):
    """Celery beat (its own process on the real stack, a thread of the web process embedded) runs
    housekeeping, which deletes an upload nobody completed in time, and tells the browsers."""
    stream = open_stream(live, member_a.token)
    started = browser.start(chat.id, pdf_bytes(10_000), file_name="a.pdf", mime_type="application/pdf")
    message_id = message_of(started.id)
    Upload.objects.filter(attachment_id=started.id).update(created_at=timezone.now() - timedelta(days=1))
    stream.wait_for(lambda e: e["type"] == "message.deleted" and e["data"]["id"] == message_id, timeout=60)
    assert not Message.objects.filter(pk=message_id).exists()
