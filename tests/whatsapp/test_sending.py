"""Sending agents' uploads to WhatsApp through the fake Evolution API, on both storage backends:
what arrives there (bytes, route, transport), conversions (voice notes → Ogg/Opus, big pictures,
HEIC), errors and retries. Exactly-once and receipts: test_send_once."""

from __future__ import annotations

import hashlib
import io
import tempfile

import av
import httpx
import pytest
from PIL import Image

from chatmedia.chat.models import Attachment
from chatmedia.media.models import Upload
from chatmedia.media.serving import catalog, delivery
from chatmedia.whatsapp import tasks
from chatmedia.whatsapp.models import OutgoingSend
from tests.media import corpus
from tests.media.corpus import video_of
from tests.media.upload_client import MiB, jpeg_bytes, pdf_bytes, recording


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


def test_more_retries_than_celerys_default_of_three(send, fake_whatsapp, storage, settings):
    # Celery's own cap (3) used to re-raise after the third retry, leaving the message unfinished.
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 0.01
    assert settings.MEDIA_TASK_MAX_RETRIES > 5
    fake_whatsapp.fail("sendMedia", "5xx", times=5)
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert len(fake_whatsapp.calls("sendMedia")) == 6 and len(fake_whatsapp.sent()) == 1
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


@pytest.mark.parametrize(
    ("name", "mime", "mediatype", "arrives_as"),
    [
        ("clip.mp4", "video/mp4", "video", "video/mp4"),
        ("clip.webm", "video/webm", "video", "video/mp4"),  # converted: WhatsApp would not play VP8
        ("song.mp3", "audio/mpeg", "audio", "audio/mpeg"),
        ("memo.wav", "audio/wav", "audio", "audio/mp4"),  # converted: WhatsApp plays AAC, not WAV
        ("photo.heic", "image/heic", "image", "image/jpeg"),  # Evolution's sharp cannot read HEIC
        ("photo.avif", "image/avif", "image", "image/jpeg"),  # WhatsApp takes JPEG and PNG only
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
        "photo.avif": corpus.avif,
    }[name]()
    attachment = send(data, file_name=name, mime_type=mime)
    (sent,) = fake_whatsapp.sent()
    assert sent.mediatype == mediatype and attachment.message.status == "sent"
    assert sent.mimetype == arrives_as  # what Evolution derives from the file name we give
    if mediatype == "image":
        assert sent.data[:3] == b"\xff\xd8\xff" and attachment.file_name == "photo.jpg"
    elif mediatype == "video":  # neither clip is WhatsApp-ready (VP8; the MP4's index is at its end)
        assert video_of(sent.data)["video"] == "h264" and video_of(sent.data)["faststart"]
    elif name == "memo.wav":
        assert opus_of(sent.data)[1] == "aac" and attachment.file_name == "memo.m4a"
    else:
        assert sent.sha256 == hashlib.sha256(data).hexdigest()


def test_a_file_can_answer_a_message(send, agent, fake_whatsapp):
    attachment = send(
        jpeg_bytes(), file_name="foto.jpg", mime_type="image/jpeg", reply_to=str(agent.message.pk)
    )
    (sent,) = fake_whatsapp.sent()
    assert sent.body["quoted"]["key"]["id"] == agent.message.wa_message_id
    assert attachment.message.reply_to_wa_id == agent.message.wa_message_id


@pytest.mark.parametrize(
    ("made", "mime", "name"),
    [
        (lambda: corpus.movie("mov", "libx265", "aac", rotation=90), "video/quicktime", "IMG_0001.MOV"),
        (lambda: corpus.movie("webm", "libvpx-vp9", "libopus"), "video/webm", "tela.webm"),
    ],
    ids=["iphone-hevc-mov", "screen-recorder-vp9-webm"],
)
def test_a_video_whatsapp_would_refuse_is_converted_to_h264_aac_mp4(
    send, fake_whatsapp, storage, published, made, mime, name, monkeypatch
):
    from chatmedia.media.processing import outgoing

    monkeypatch.setattr(outgoing, "PROGRESS_EVERY_SECONDS", 0.01)
    agents_file = made()
    attachment = send(agents_file, file_name=name, mime_type=mime)
    (sent,) = fake_whatsapp.sent()
    assert sent.route == "sendMedia" and sent.mediatype == "video" and sent.mimetype == "video/mp4"
    found = video_of(sent.data)
    assert found["container"].startswith("mov,mp4") and found["video"] == "h264" and found["audio"] == "aac"
    assert found["profile"] == "High" and found["pixels"] == "yuv420p" and found["faststart"]
    # Upright as the phone showed it: the iPhone's portrait clip is 360 by 640 with no rotation left.
    assert found["rotation"] == 0
    assert found["size"] == ((360, 640) if name.endswith(".MOV") else (640, 360))
    assert attachment.mime_type == "video/mp4" and attachment.file_name.endswith(".mp4")
    assert attachment.original.sha256 == sent.sha256  # what the agent sees is what the customer got
    assert {r.variant for r in attachment.renditions.all()} == {"poster", "thumb", "source"}
    # The agent's own file is kept beside the copy, byte for byte, and downloads under its own name.
    source = attachment.renditions.get(variant="source").blob
    assert source.sha256 == hashlib.sha256(agents_file).hexdigest() and source.content_type == mime
    entry = catalog.resolve(attachment.tenant_id, attachment.pk, "source")
    assert entry.file_name == name.rsplit(".", 1)[0] + (".mov" if mime == "video/quicktime" else ".webm")
    assert delivery.content_disposition(entry.content_type, entry.file_name).startswith(
        "attachment" if mime == "video/quicktime" else "inline"
    )
    assert attachment.message.status == "sent"
    # The browsers saw the conversion come along.
    told = [data for event, data in published if event == "attachment.progress"]
    assert told and {d["attachment"] for d in told} == {str(attachment.pk)}
    assert all(d["phase"] == "converting" and 0 <= d["progress"] <= 1 for d in told)


def test_a_whatsapp_ready_video_is_sent_as_it_is(send, fake_whatsapp, storage):
    from chatmedia.media.policy import VideoTarget
    from chatmedia.media.processing import transcode

    source = io.BytesIO(corpus.movie("mp4", "libx264", "aac"))
    # Our own converted copy is WhatsApp-ready by definition: it must go untouched.
    with tempfile.TemporaryDirectory() as scratch:
        path = f"{scratch}/in.mp4"
        with open(path, "wb") as file:
            file.write(source.getvalue())
        planned = transcode.plan(transcode.probe(path), VideoTarget())
        ready = transcode.transcode(path, f"{scratch}/ready.mp4", planned)
        with open(ready.path, "rb") as file:
            data = file.read()
    attachment = send(data, file_name="pronto.mp4", mime_type="video/mp4")
    assert fake_whatsapp.sent()[0].data == data
    assert not attachment.renditions.filter(variant="source").exists()  # nothing converted, nothing kept


def test_a_video_too_long_for_the_limit_is_offered_as_a_document(
    send, fake_whatsapp, storage, settings, agent, django_capture_on_commit_callbacks
):
    settings.WHATSAPP_VIDEO_MAX_BYTES = 40_000  # 2 s at the quality floor needs ~62 KB
    data = corpus.movie("mov", "libx265", "aac")
    attachment = send(data, file_name="longo.mov", mime_type="video/quicktime")
    assert attachment.status == "failed" and attachment.error_code == "video_too_long"
    assert "send it as a document" in attachment.error_message
    assert attachment.message.status == "failed" and fake_whatsapp.sent() == []
    assert Upload.objects.filter(attachment=attachment).exists()  # kept for the agent's choice
    with django_capture_on_commit_callbacks(execute=False):
        answer = agent.client().post(f"/api/attachments/{attachment.pk}/send-as-document/")
    assert answer.status_code == 202, answer.content
    tasks.send_outgoing.apply(args=[str(attachment.pk)])
    (sent,) = fake_whatsapp.sent()
    assert sent.mediatype == "document" and sent.data == data and sent.file_name == "longo.mov"
    attachment.refresh_from_db()
    assert attachment.category == "document" and attachment.status == "ready"
    again = agent.client().post(f"/api/attachments/{attachment.pk}/send-as-document/")
    assert again.status_code == 409


def test_an_animated_gif_goes_as_a_video_and_a_webp_photo_as_a_jpeg(send, fake_whatsapp, storage):
    gif = send(corpus.animated_gif(frames=12), file_name="risada.gif", mime_type="image/gif")
    webp = send(corpus._save(corpus.photo((800, 600)), "WEBP"), file_name="foto.webp", mime_type="image/webp")
    first, second = fake_whatsapp.sent()
    assert first.mediatype == "video" and video_of(first.data)["video"] == "h264"
    assert gif.category == "video" and gif.mime_type == "video/mp4" and gif.file_name == "risada.mp4"
    assert second.mediatype == "image" and second.data[:3] == b"\xff\xd8\xff"
    assert webp.mime_type == "image/jpeg" and webp.file_name == "foto.jpg"
    # Both kept what the agent chose; a file sent as it is has no source.
    assert gif.renditions.get(variant="source").blob.content_type == "image/gif"
    assert webp.renditions.get(variant="source").blob.content_type == "image/webp"
