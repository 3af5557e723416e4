"""Sending agents' uploads to WhatsApp through the fake Evolution API, on both storage backends:
what arrives there (bytes, route, transport), conversions (voice notes → Ogg/Opus, big pictures),
status and receipts, errors and retries, and the no-duplicate-send guarantees."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

import av
import httpx
import pytest
from django.utils import timezone
from PIL import Image

from chatmedia.chat.models import Attachment, Message
from chatmedia.media.models import Upload
from chatmedia.media.storage import UploadedPart
from chatmedia.whatsapp import sending, tasks
from chatmedia.whatsapp.models import OutgoingSend
from tests.media.upload_client import MiB, jpeg_bytes, pdf_bytes, recording


@pytest.fixture
def send(uploads, agent):
    """Upload as the browser does, then run the queued_sends send task here; the attachment afterwards."""

    def upload_and_send(data: bytes, **fields) -> Attachment:
        started, status, body = uploads.send(agent.conversation.id, data, **fields)
        assert status == 202, body
        tasks.send_outgoing.apply(args=[started.id])
        return Attachment.objects.select_related("message", "original").get(pk=started.id)

    return upload_and_send


@pytest.fixture
def webhook_to_us(fake_whatsapp, agent, live_server):
    """The fake posts send.message and receipts to our webhook, like Evolution does."""
    tenant = agent.tenant
    fake_whatsapp.state.webhook_url = (
        f"{live_server.url}/webhooks/evolution/{tenant.slug}/{tenant.webhook_secret}/"
    )
    return fake_whatsapp


def opus_of(data: bytes) -> tuple[str, str, int, int, float]:
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        duration = float(container.duration / av.time_base)
        return container.format.name, stream.codec_context.name, stream.channels, stream.sample_rate, duration


def test_document_sent_by_url_with_its_name_and_caption(send, fake_whatsapp, storage, settings):
    data = pdf_bytes(1 * MiB)
    attachment = send(data, file_name="Proposta comercial.pdf", mime_type="application/pdf", caption="Segue")
    message = attachment.message
    (sent,) = fake_whatsapp.sent()
    assert sent.route == "sendMedia" and sent.mediatype == "document" and sent.transport == "url"
    assert sent.sha256 == hashlib.sha256(data).hexdigest()
    assert sent.file_name == "Proposta comercial.pdf" and sent.mimetype == "application/pdf"
    assert sent.caption == "Segue"
    assert message.status == "sent" and message.wa_message_id == sent.id
    assert attachment.status == "ready" and attachment.original.sha256 == sent.sha256
    assert attachment.metadata["pages"] == 1 and "preview" in {r.variant for r in attachment.renditions.all()}
    assert not Upload.objects.exists()  # the upload object is gone; the content-addressed copy stays
    assert list(storage.list_keys(f"t/{attachment.tenant_id}/incoming/")) == []
    assert OutgoingSend.objects.get(message=message).transport == "url"


@pytest.mark.parametrize("container", ["webm", "mp4", "ogg", "wav"])
def test_voice_note_arrives_as_ogg_opus_mono_48k(send, fake_whatsapp, storage, container):
    mime = {"webm": "audio/webm", "mp4": "audio/mp4", "ogg": "audio/ogg", "wav": "audio/wav"}[container]
    attachment = send(
        recording(container, seconds=3), file_name=f"gravacao.{container}", mime_type=mime, voice=True
    )
    (sent,) = fake_whatsapp.sent()
    assert sent.route == "sendWhatsAppAudio" and sent.transport == "base64"
    assert sent.body["encoding"] is False  # already Opus: Evolution must not encode it again
    name, codec, channels, rate, duration = opus_of(sent.data)
    assert (name, codec, channels, rate) == ("ogg", "opus", 1, 48000)
    assert duration == pytest.approx(3, abs=0.1)
    assert attachment.mime_type == "audio/ogg" and attachment.file_name == "gravacao.ogg"
    assert attachment.original.sha256 == sent.sha256  # what the agent hears is what the customer got
    assert attachment.category == "voice" and attachment.metadata["ptt"] is True
    assert len(attachment.metadata["waveform"]) == 64
    assert "playback" in {r.variant for r in attachment.renditions.all()}  # for Safari
    assert attachment.message.status == "sent"


def test_long_voice_note_goes_by_a_url_that_survives_evolutions_timestamp(
    send, fake_whatsapp, storage, settings, live_server
):
    """Over the base64 limit a voice note goes by URL; Evolution appends `?timestamp=` to audio URLs,
    which breaks a SigV4-presigned S3 URL, so it is our own signed URL (PUBLIC_BASE_URL), which
    streams from either backend."""
    settings.PUBLIC_BASE_URL = live_server.url
    settings.EVOLUTION_VOICE_BASE64_MAX_BYTES = 0  # as if it were over the base64 limit
    attachment = send(
        recording("webm", seconds=2), file_name="audio.webm", mime_type="audio/webm", voice=True
    )
    (sent,) = fake_whatsapp.sent()
    assert sent.transport == "url" and sent.data[:4] == b"OggS"
    assert attachment.message.status == "sent" and sent.sha256 == attachment.original.sha256
    if storage.name == "s3":  # the reason: the same object by presigned URL, decorated like Evolution does
        url = storage.presign_get(attachment.original.storage_key, 60)
        assert httpx.get(url, timeout=10).status_code == 200
        assert httpx.get(url + "&timestamp=1764000000000", timeout=10).status_code == 403


def test_picture_over_whatsapps_limits_is_recompressed(send, fake_whatsapp, storage, settings):
    settings.WHATSAPP_IMAGE_MAX_PX = 1000
    data = jpeg_bytes(1600, 1200)
    attachment = send(data, file_name="foto.png", mime_type="image/jpeg")
    (sent,) = fake_whatsapp.sent()
    picture = Image.open(io.BytesIO(sent.data))
    assert picture.format == "JPEG" and picture.size == (1000, 750)
    assert "fileName" not in sent.body and sent.mimetype == "image/jpeg"  # a name would mislabel it
    assert attachment.metadata["width"] == 1000 and attachment.file_name == "foto.jpg"


def test_small_picture_is_sent_unchanged(send, fake_whatsapp, storage):
    data = jpeg_bytes(640, 480)
    send(data, file_name="foto.jpg", mime_type="image/jpeg")
    assert fake_whatsapp.sent()[0].data == data


def test_base64_for_small_files_when_the_setting_asks(send, fake_whatsapp, storage, settings):
    settings.EVOLUTION_BASE64_MAX_BYTES = 1 * MiB
    send(pdf_bytes(10_000), file_name="a.pdf", mime_type="application/pdf")
    assert fake_whatsapp.sent()[0].transport == "base64"


def test_evolution_5xx_is_retried_then_sent(send, fake_whatsapp, storage, settings):
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 0.01
    fake_whatsapp.fail("sendMedia", "5xx", times=2)
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert len(fake_whatsapp.calls("sendMedia")) == 3 and len(fake_whatsapp.sent()) == 1
    assert attachment.message.status == "sent"


def test_evolution_400_fails_with_the_reason(send, fake_whatsapp, storage, agent, published):
    agent.conversation.remote_jid = "5511955550000@s.whatsapp.net"  # not on WhatsApp (fake's rule)
    agent.conversation.save()
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    message = attachment.message
    assert message.status == "failed" and message.error_code == "evolution_refused"
    assert "400" in message.error_message and "exists" in message.error_message
    assert attachment.status == "ready"  # the file is fine: the send can be retried
    assert published[-1][0] == "message.status" and published[-1][1]["error"]["code"] == "evolution_refused"
    assert len(fake_whatsapp.calls("sendMedia")) == 1  # a 400 is not retried


def test_retry_after_a_failure_sends_once(send, fake_whatsapp, storage, uploads, queued_sends):
    fake_whatsapp.fail("sendMedia", "401")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert attachment.message.status == "failed" and attachment.message.error_code == "evolution_auth"
    status, body = uploads.post(f"/api/attachments/{attachment.id}/retry/")
    assert (status, body) == (202, {"id": str(attachment.id), "status": "processing"})
    assert queued_sends[-1] == str(attachment.id)
    tasks.send_outgoing.apply(args=[str(attachment.id)])
    attachment.message.refresh_from_db()
    assert attachment.message.status == "sent" and len(fake_whatsapp.sent()) == 1
    status, body = uploads.post(f"/api/attachments/{attachment.id}/retry/")
    assert (status, body["error"]["code"]) == (409, "not_retryable")


def test_a_file_the_worker_cannot_decode_fails_with_the_reason(uploads, agent, fake_whatsapp, storage):
    broken = recording("webm")[:200] + b"\x00" * 5000  # a WebM header, then nothing decodable
    started, status, _ = uploads.send(
        agent.conversation.id, broken, file_name="v.webm", mime_type="audio/webm", voice=True
    )
    assert status == 202
    tasks.send_outgoing.apply(args=[started.id])
    attachment = Attachment.objects.select_related("message").get(pk=started.id)
    assert attachment.status == "failed" and attachment.message.status == "failed"
    assert attachment.message.error_code == attachment.error_code == "unsendable"
    assert fake_whatsapp.sent() == [] and not Upload.objects.exists()


def test_running_the_task_twice_sends_once(send, fake_whatsapp, storage):
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    tasks.send_outgoing.apply(args=[str(attachment.id)])
    assert len(fake_whatsapp.sent()) == 1


def test_a_send_in_flight_is_not_repeated_by_another_attempt(send, fake_whatsapp, storage, uploads, agent):
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    attachment = Attachment.objects.get(pk=started.id)
    OutgoingSend.objects.create(
        message_id=attachment.message_id,
        tenant=attachment.tenant,
        client_message_id=sending.new_client_message_id(),
        state=OutgoingSend.State.CALLING,
        started_at=timezone.now(),
    )
    from chatmedia.media import outgoing

    outgoing.prepare(attachment.pk)
    with pytest.raises(sending.InFlight) as waiting:
        sending.send(attachment.message_id)
    assert 0 < waiting.value.retry_after <= 150
    assert fake_whatsapp.sent() == []


def test_lost_answer_with_idempotent_evolution_repeats_with_the_same_id(
    send, fake_whatsapp, storage, settings
):
    """Evolution >= 2.4: the answer is lost (the worker died or timed out after Evolution sent);
    the send is repeated with the same messageId and Evolution sends nothing twice."""
    settings.EVOLUTION_IDEMPOTENT_SENDS = True
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 0.01
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    calls = fake_whatsapp.calls("sendMedia")
    assert len(calls) == 2 and calls[0]["body"]["messageId"] == calls[1]["body"]["messageId"]
    (sent,) = fake_whatsapp.sent()
    assert attachment.message.status == "sent" and attachment.message.wa_message_id == sent.id
    assert sent.id == calls[0]["body"]["messageId"]


def test_lost_answer_with_evolution_2_3_is_not_repeated(send, fake_whatsapp, storage, settings):
    """Evolution 2.3 (messageId ignored), no webhook: a repeat could send twice, so the message ends
    failed/send_unconfirmed for a person to check, after exactly one send."""
    fake_whatsapp.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert len(fake_whatsapp.sent()) == 1 and len(fake_whatsapp.calls("sendMedia")) == 1
    message = attachment.message
    assert message.status == "failed" and message.error_code == "send_unconfirmed"
    assert "Check the phone" in message.error_message


def test_lost_answer_with_evolution_2_3_is_confirmed_by_the_send_message_webhook(
    send, webhook_to_us, storage, settings
):
    fake = webhook_to_us
    fake.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake.state.stall_seconds = 2
    fake.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    (sent,) = fake.sent()
    message = attachment.message
    assert message.status == "sent" and message.wa_message_id == sent.id  # Evolution's own id
    assert Message.objects.filter(conversation=message.conversation, direction="out").count() == 1


def test_send_message_webhook_after_the_answer_records_nothing_new(send, webhook_to_us, storage):
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert attachment.message.status == "sent"
    assert Message.objects.filter(direction="out").count() == 1


def test_receipts_move_forward_only_even_out_of_order(send, webhook_to_us, storage):
    fake = webhook_to_us
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    message = attachment.message
    assert fake.ack(message.wa_message_id, "READ") == 200
    assert fake.ack(message.wa_message_id, "DELIVERY_ACK") == 200  # late: must not go back
    assert fake.ack(message.wa_message_id, "SERVER_ACK") == 200
    message.refresh_from_db()
    assert message.status == "read"


def test_played_voice_note(send, webhook_to_us, storage):
    attachment = send(recording("webm"), file_name="v.webm", mime_type="audio/webm", voice=True)
    for status in ("DELIVERY_ACK", "PLAYED", "READ"):
        webhook_to_us.ack(attachment.message.wa_message_id, status)
    attachment.message.refresh_from_db()
    assert attachment.message.status == "played"


def test_receipt_that_comes_before_the_answer_is_applied(uploads, agent, webhook_to_us, storage):
    """Evolution 2.3: a receipt for Evolution's id can arrive before its HTTP answer named the id."""
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    from chatmedia.media import outgoing

    message_id = outgoing.prepare(started.id).message_id
    early_id = "3EB0AAAAAAAAAAAAAAAAAA"
    webhook_to_us.state.answers[early_id] = {"key": {"remoteJid": agent.conversation.remote_jid}}
    assert webhook_to_us.ack(early_id, "DELIVERY_ACK") == 200  # no message has this id yet
    assert sending.confirm(message_id, early_id)  # the answer comes: sent, then the receipt applies
    message = Message.objects.get(pk=message_id)
    assert message.status == "delivered" and message.wa_message_id == early_id


def test_unconfirmed_then_late_webhook_marks_it_sent(send, fake_whatsapp, storage, settings):
    fake_whatsapp.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert attachment.message.status == "failed"
    (sent,) = fake_whatsapp.sent()
    assert sending.confirm(attachment.message_id, sent.id)
    attachment.message.refresh_from_db()
    assert attachment.message.status == "sent" and attachment.message.error_code == ""


def test_stale_call_without_idempotency_becomes_unconfirmed(uploads, agent, fake_whatsapp, storage, settings):
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    from chatmedia.media import outgoing

    attachment = outgoing.prepare(started.id)
    OutgoingSend.objects.create(
        message_id=attachment.message_id,
        tenant=attachment.tenant,
        client_message_id=sending.new_client_message_id(),
        state=OutgoingSend.State.CALLING,
        started_at=timezone.now() - timedelta(seconds=settings.EVOLUTION_SEND_LEASE_SECONDS + 1),
    )
    assert sending.send(attachment.message_id).state == "unconfirmed"
    assert fake_whatsapp.sent() == []


def test_a_send_whose_task_was_lost_is_queued_again(uploads, agent, storage, queued_sends):
    from chatmedia.whatsapp import recovery

    started, status, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    assert status == 202 and queued_sends == [started.id]  # …and say the broker lost it
    assert recovery.requeue_unfinished_sends() == 0  # too recent: its task is probably still queued
    Message.objects.filter(attachments__id=started.id).update(updated_at=timezone.now() - timedelta(hours=1))
    report = tasks.recover.apply().get()
    assert report["sends"] == 1 and queued_sends == [started.id, started.id]
    tasks.send_outgoing.apply(args=[started.id])
    assert Message.objects.get(attachments__id=started.id).status == "sent"
    assert recovery.requeue_unfinished_sends(older_than_seconds=0) == 0


@pytest.mark.parametrize(
    ("name", "mime", "mediatype", "arrives_as"),
    [
        ("clip.mp4", "video/mp4", "video", "video/mp4"),
        ("clip.webm", "video/webm", "document", "video/webm"),  # WhatsApp would not play it as video
        ("song.mp3", "audio/mpeg", "audio", "audio/mpeg"),
        ("memo.wav", "audio/wav", "document", "audio/x-wav"),
        ("photo.heic", "image/heic", "image", "image/jpeg"),  # Evolution's sharp cannot read HEIC
    ],
)
def test_each_kind_goes_as_whatsapp_plays_it(send, fake_whatsapp, storage, name, mime, mediatype, arrives_as):
    from tests.media import corpus

    data = {
        "clip.mp4": lambda: corpus.clip("mp4"),
        "clip.webm": lambda: corpus.clip("webm", "libvpx"),
        "song.mp3": lambda: corpus.tone("mp3", "libmp3lame", rate=44100, layout="stereo"),
        "memo.wav": lambda: corpus.tone("wav", "pcm_s16le", rate=16000),
        "photo.heic": corpus.heic,
    }[name]()
    attachment = send(data, file_name=name, mime_type=mime)
    (sent,) = fake_whatsapp.sent()
    assert sent.mediatype == mediatype and attachment.message.status == "sent"
    assert sent.mimetype == arrives_as  # what Evolution derives from the file name we give
    if mediatype == "image":
        assert sent.data[:3] == b"\xff\xd8\xff" and attachment.file_name == "photo.jpg"
    else:
        assert sent.sha256 == hashlib.sha256(data).hexdigest()


def test_empty_answer_is_sent_and_its_webhook_names_it_later(send, webhook_to_us, storage):
    from tools.fake_whatsapp import sends

    url, webhook_to_us.state.webhook_url = webhook_to_us.state.webhook_url, None
    webhook_to_us.fail("sendMedia", "empty_body")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    message = attachment.message
    assert message.status == "sent" and message.wa_message_id is None  # sent, id unknown yet
    (sent,) = webhook_to_us.sent()
    webhook_to_us.state.webhook_url = url
    assert (
        sends.post_webhook(webhook_to_us.state, "send.message", webhook_to_us.state.answers[sent.id]) == 200
    )
    message.refresh_from_db()
    assert message.wa_message_id == sent.id
    assert Message.objects.filter(direction="out").count() == 1


def test_completing_again_after_storage_finished_the_multipart(
    uploads, agent, storage, settings, queued_sends
):
    """The first complete joined the parts, then failed before recording it: a retry still works."""
    settings.UPLOAD_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    settings.UPLOAD_PART_BYTES = 5 * MiB
    data = pdf_bytes(6 * MiB)
    started = uploads.start(agent.conversation.id, data, mime_type="application/pdf")
    parts = uploads.put(started, data)
    upload = Upload.objects.get(attachment_id=started.id)
    storage.complete_multipart(
        upload.storage_key,
        upload.multipart_id,
        [UploadedPart(p["number"], p["etag"].strip('"')) for p in parts],
    )
    status, body = uploads.complete(started.id, parts)
    assert status == 202, body
    assert queued_sends == [started.id]
