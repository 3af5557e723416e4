"""Meta's WhatsApp Cloud API as a provider, against the fake Graph API (tools/fake_graph, shapes from
Meta's documented webhooks and Graph v21.0 media/messages references): webhook verification and
signatures, every media kind to ready with exact bytes, replies, reactions, statuses and failures,
sends within Meta's limits."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.test import Client

from chatmedia.chat.models import Attachment, Conversation, Message, Reaction
from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp import tasks
from tests.connections import cloud_on_fake
from tests.media import corpus
from tests.media.corpus import video_of
from tests.media.upload_client import MiB, jpeg_bytes, pdf_bytes, recording
from tests.whatsapp.fixtures import VECTORS, plain_bytes

VERIFY_TOKEN = "our-verify-token-0123456789"  # what tests.connections.cloud_on_fake sets
CUSTOMER = "5511988887777"


@pytest.fixture
def graph(fake_graph_server, settings):
    fake_graph_server.reset()
    settings.WHATSAPP_MEDIA_HOSTS = [fake_graph_server.host]
    return fake_graph_server


@pytest.fixture
def cloud(tenant, graph) -> Connection:
    return cloud_on_fake(tenant, graph)


@pytest.fixture
def deliver(graph, django_capture_on_commit_callbacks):
    """POST a webhook body to a connection's route (the first Cloud one), signed like Meta (or
    with `secret`)."""

    def post(payload: dict, *, secret: str | None = None, raw: bytes | None = None, connection=None):
        body = raw if raw is not None else json.dumps(payload).encode()
        connection = connection or Connection.objects.filter(provider="cloud").order_by("created_at").first()
        path = f"/webhooks/cloud/{connection.id}/"
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(
                path,
                data=body,
                content_type="application/json",
                headers={"X-Hub-Signature-256": graph.sign(body, secret)},
            )

    return post


# --- verification and authentication ----------------------------------------------------------------


def test_meta_verifies_the_url_with_our_verify_token(cloud):
    url = f"/webhooks/cloud/{cloud.id}/"
    ok = Client().get(
        url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"}
    )
    assert (
        ok.status_code == 200 and ok.content == b"1158201444" and ok["Content-Type"].startswith("text/plain")
    )
    for query in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
    ):
        assert Client().get(url, query).status_code == 403
    script = {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "<script>"}
    assert Client().get(url, script).status_code == 400  # never reflected
    other = "/webhooks/cloud/00000000-0000-4000-8000-000000000000/"
    assert Client().get(other, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN}).status_code == 403


def test_a_wrong_signature_a_replay_and_an_unknown_connection_store_nothing_twice(
    graph, cloud, deliver, queued
):
    payload = graph.message("text", CUSTOMER, "Maria", text="Bom dia")
    assert deliver(payload, secret="not-the-app-secret").status_code == 401
    unsigned = Client().post(
        f"/webhooks/cloud/{cloud.id}/", data=json.dumps(payload), content_type="application/json"
    )
    assert unsigned.status_code == 401
    assert not Message.objects.exists()
    first = deliver(payload)
    assert first.status_code == 200 and first.json()["created"] == 1
    replay = deliver(payload)
    assert replay.status_code == 200 and replay.json() == {"ok": True, "duplicate": True}
    assert Message.objects.count() == 1
    stranger = Client().post(
        "/webhooks/cloud/00000000-0000-4000-8000-000000000000/",
        data=json.dumps(payload),
        content_type="application/json",
        headers={"X-Hub-Signature-256": graph.sign(json.dumps(payload).encode())},
    )
    assert stranger.status_code == 401
    ignored = deliver({}, raw=b'{"object": "page", "entry": []}')
    assert ignored.status_code == 200 and ignored.json()["ignored"]


# --- receiving --------------------------------------------------------------------------------------------

MEDIA = [
    ("image", "image-01", "image", {"caption": "Nota fiscal"}),
    ("audio", "ptt-01", "voice", {"voice": True}),
    ("audio", "audio-01", "audio", {}),
    ("video", "video-01", "video", {"caption": "Vídeo"}),
    ("document", "document-01", "document", {"filename": "Boleto outubro.pdf", "caption": "Segue"}),
    ("sticker", "sticker-01", "sticker", {}),
]


@pytest.mark.parametrize(("kind", "vector_id", "category", "extra"), MEDIA, ids=[m[1] for m in MEDIA])
def test_every_media_kind_arrives_with_its_exact_bytes(
    graph, cloud, deliver, queued, run, kind, vector_id, category, extra
):
    vector = VECTORS[vector_id]
    data = plain_bytes(vector)
    mime = vector["mimetype"]
    assert (
        deliver(graph.message(kind, CUSTOMER, "Maria", data=data, mime_type=mime, **extra)).status_code == 200
    )
    attachment = Attachment.objects.get()
    assert attachment.conversation.connection == cloud and attachment.category == category
    assert attachment.source["kind"] == "cloud" and "access_token" not in json.dumps(attachment.source)
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    attachment.refresh_from_db()
    assert attachment.original.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.conversation.display_name == "Maria"
    if "filename" in extra:
        assert attachment.file_name == "Boleto outubro.pdf"
    if "caption" in extra:
        assert attachment.message.text == extra["caption"]


def test_a_media_url_that_expired_before_the_download_is_looked_up_again(graph, cloud, deliver, queued, run):
    data = plain_bytes(VECTORS["image-01"])
    deliver(graph.message("image", CUSTOMER, data=data, mime_type="image/jpeg"))
    graph.fail("media_download", "expire")
    attachment = Attachment.objects.get()
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    assert len(graph.calls("media_info")) == 2 and len(graph.calls("media_download")) == 2


def test_a_refused_token_fails_the_media_and_marks_the_number_never_retrying(
    graph, cloud, deliver, queued, run
):
    deliver(graph.message("image", CUSTOMER, data=plain_bytes(VECTORS["image-01"]), mime_type="image/jpeg"))
    graph.fail("media_info", "401", times=5)
    attachment = Attachment.objects.get()
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "failed"
    attachment.refresh_from_db()
    assert attachment.status == "failed" and attachment.error_code == "provider_auth"
    assert len(graph.calls("media_info")) == 1  # not retried
    cloud.refresh_from_db()
    assert cloud.status == Connection.Status.AUTH_ERROR


def test_a_tampered_download_fails_its_sha256_check(graph, cloud, deliver, queued, run):
    deliver(graph.message("image", CUSTOMER, data=plain_bytes(VECTORS["image-01"]), mime_type="image/jpeg"))
    media_id = Attachment.objects.get().source["media_id"]
    graph.tamper(media_id)
    attachment = Attachment.objects.get()
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "failed"
    attachment.refresh_from_db()
    assert attachment.error_code == "integrity"


def test_replies_reactions_and_names(graph, cloud, deliver, queued):
    first = graph.message("text", CUSTOMER, "Maria Souza", text="Quanto custa?")
    deliver(first)
    asked = first["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    reply = graph.message(
        "text", CUSTOMER, "Maria Souza", text="E o frete?", context={"from": CUSTOMER, "id": asked}
    )
    deliver(reply)
    answer = Message.objects.get(text="E o frete?")
    assert answer.reply_to_wa_id == asked
    deliver(graph.message("reaction", CUSTOMER, "Maria Souza", message_id=asked, emoji="👍"))
    assert Reaction.objects.get(message__wa_message_id=asked).emoji == "👍"
    deliver(graph.message("reaction", CUSTOMER, "Maria Souza", message_id=asked))
    assert Reaction.objects.get(message__wa_message_id=asked).emoji == ""  # taken back
    forwarded = graph.message("text", CUSTOMER, "Maria Souza", text="Promoção!", context={"forwarded": True})
    deliver(forwarded)
    assert Message.objects.get(text="Promoção!").forwarded
    conversation = Conversation.objects.get()
    assert (
        conversation.display_name == "Maria Souza" and conversation.remote_jid == f"{CUSTOMER}@s.whatsapp.net"
    )


def test_two_numbers_of_one_meta_app_share_one_callback_url(tenant, graph, cloud, deliver, queued):
    """Meta posts every number of an app to the app's one URL: each change reaches its number."""
    billing = cloud_on_fake(tenant, graph, name="Cobrança", phone_number_id="209876543210987")
    to_billing = graph.message("text", CUSTOMER, text="Paguei o boleto")
    to_billing["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = billing.phone_number_id
    assert deliver(to_billing).status_code == 200  # to the first number's URL
    deliver(graph.message("text", CUSTOMER, text="Quero comprar"))
    assert Conversation.objects.get(connection=billing).messages.get().text == "Paguei o boleto"
    assert Conversation.objects.get(connection=cloud).messages.get().text == "Quero comprar"
    stranger = graph.message("text", CUSTOMER, text="de outro app")
    stranger["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999999999999999"
    assert deliver(stranger).json()["ignored"]
    assert not Message.objects.filter(text="de outro app").exists()


# --- sending ------------------------------------------------------------------------------------------------


@pytest.fixture
def cloud_agent(agent, graph):
    """The uploads agent's conversation is on a Cloud API number."""
    connection = cloud_on_fake(agent.tenant, graph)
    Conversation.objects.filter(pk=agent.conversation.pk).update(connection=connection)
    return agent


@pytest.fixture
def cloud_send(uploads, cloud_agent):
    def upload_and_send(data: bytes, **fields) -> Attachment:
        started, status, body = uploads.send(cloud_agent.conversation.id, data, **fields)
        assert status == 202, body
        tasks.send_outgoing.apply(args=[started.id])
        return Attachment.objects.select_related("message", "original").get(pk=started.id)

    return upload_and_send


def test_files_go_up_to_meta_then_as_messages_of_their_kind(cloud_send, graph, storage):
    photo = jpeg_bytes(800, 600)
    attachment = cloud_send(photo, file_name="foto.jpg", mime_type="image/jpeg", caption="Olha")
    (sent,) = graph.sent()
    assert sent["type"] == "image" and sent["image"]["caption"] == "Olha" and sent["to"].isdigit()
    assert graph.state.media[sent["image"]["id"]].sha256_hex == attachment.original.sha256
    assert attachment.message.status == "sent" and attachment.message.wa_message_id == sent["id"]
    document = cloud_send(pdf_bytes(2 * MiB), file_name="Contrato.pdf", mime_type="application/pdf")
    sent = graph.sent()[-1]
    assert sent["type"] == "document" and sent["document"]["filename"] == "Contrato.pdf"
    assert document.message.status == "sent"
    voice = cloud_send(
        recording("webm", seconds=2), file_name="gravacao.webm", mime_type="audio/webm", voice=True
    )
    sent = graph.sent()[-1]
    assert sent["type"] == "audio" and graph.state.media[sent["audio"]["id"]].mime_type == "audio/ogg"
    assert voice.message.status == "sent"


def test_an_iphone_video_goes_to_meta_as_h264_aac_mp4_within_metas_video_limit(
    cloud_send, graph, storage, monkeypatch
):
    """Meta takes H.264 + AAC MP4 only, up to its video limit (the provider's capabilities): a HEVC
    MOV is converted to fit that limit — here lowered below ours — and goes up as a video."""
    from chatmedia.whatsapp.providers.cloud import provider

    monkeypatch.setitem(provider.MAX_BYTES, "video", 200 * 1024)
    attachment = cloud_send(
        corpus.movie("mov", "libx265", "aac"), file_name="IMG_0002.MOV", mime_type="video/quicktime"
    )
    sent = graph.sent()[-1]
    assert sent["type"] == "video", sent
    uploaded = graph.state.media[sent["video"]["id"]]
    assert uploaded.mime_type == "video/mp4" and len(uploaded.data) <= 200 * 1024
    found = video_of(uploaded.data)
    assert (found["video"], found["audio"], found["pixels"], found["faststart"]) == (
        "h264",
        "aac",
        "yuv420p",
        True,
    )
    assert uploaded.sha256_hex == attachment.original.sha256  # what the agent sees is what went
    assert attachment.renditions.filter(variant="source").exists()  # the agent's MOV is kept
    assert attachment.message.status == "sent"


def test_meta_limits_decide_the_kind_and_refuse_before_anything_is_uploaded(
    cloud_send, graph, storage, monkeypatch
):
    from chatmedia.whatsapp.providers.cloud import provider

    monkeypatch.setitem(provider.MAX_BYTES, "image", 100 * 1024)  # a photo over Meta's image limit…
    photo = jpeg_bytes(1600, 1200)
    assert len(photo) > 100 * 1024
    cloud_send(photo, file_name="foto.jpg", mime_type="image/jpeg")
    assert graph.sent()[-1]["type"] == "document"  # …goes as a document, still openable
    monkeypatch.setitem(provider.MAX_BYTES, "document", 1 * MiB)
    uploads_before = len(graph.calls("upload"))
    refused = cloud_send(pdf_bytes(2 * MiB), file_name="grande.pdf", mime_type="application/pdf")
    assert refused.message.status == "failed" and refused.message.error_code == "too_large_for_whatsapp"
    assert len(graph.calls("upload")) == uploads_before  # nothing went to Meta


def test_a_send_outside_the_24_hour_window_fails_with_that_reason(cloud_agent, graph, deliver, queued):
    """Meta takes the send (200, a wamid) and then posts a failed status with error 131047."""
    from chatmedia.chat import compose
    from chatmedia.whatsapp import sending

    graph.close_window(cloud_agent.conversation.remote_jid.split("@")[0])
    message = compose.send_text(cloud_agent.tenant, cloud_agent.conversation.id, "Oi, tudo bem?")
    assert sending.send(message.pk).state == "sent"
    message.refresh_from_db()
    (sent,) = graph.sent()
    assert sent["type"] == "text" and message.wa_message_id == sent["id"]
    failed = graph.status(
        sent["id"], "failed", sent["to"], [{"code": 131047, "title": "Re-engagement message"}]
    )
    assert deliver(failed).status_code == 200
    message.refresh_from_db()
    assert message.status == "failed" and message.error_code == "window_closed"
    assert "24 hours" in message.error_message


def test_statuses_move_a_send_forward(cloud_agent, graph, deliver, queued):
    from chatmedia.chat import compose
    from chatmedia.whatsapp import sending

    message = compose.send_text(cloud_agent.tenant, cloud_agent.conversation.id, "Pedido enviado")
    sending.send(message.pk)
    (sent,) = graph.sent()
    for status in ("sent", "delivered", "read"):
        assert deliver(graph.status(sent["id"], status, sent["to"])).status_code == 200
    message.refresh_from_db()
    assert message.status == "read"


def test_a_body_over_the_cloud_limit_is_413_and_nothing_is_stored(graph, cloud, deliver, queued, settings):
    payload = graph.message("text", CUSTOMER, text="x" * 5000)
    settings.CLOUD_WEBHOOK_MAX_BODY_BYTES = 4096
    answer = deliver(payload)  # correctly signed: only its size is wrong
    assert answer.status_code == 413 and answer.json()["error"]["code"] == "too_large"
    assert not Message.objects.exists()
    settings.CLOUD_WEBHOOK_MAX_BODY_BYTES = 1024 * 1024
    assert deliver(payload).status_code == 200 and Message.objects.count() == 1
