"""Quick replies (chat.quick_replies): the team's library, files checked and stored once, and a send
that refers to the stored bytes, in order, through the chat's number."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from chatmedia.chat.models import Attachment, Message, QuickReply, QuickReplyFile, Rendition
from chatmedia.media.models import Blob
from chatmedia.whatsapp import sending, tasks
from tests.connections import configure
from tests.media import corpus


@pytest.fixture
def sends(monkeypatch):
    queued = []
    monkeypatch.setattr(
        tasks.send_outgoing, "delay", lambda attachment_id: queued.append(("file", attachment_id))
    )
    monkeypatch.setattr(tasks.send_text, "delay", lambda message_id: queued.append(("text", message_id)))
    return queued


@pytest.fixture
def api(world_a):
    configure(world_a.tenant, url="http://127.0.0.1:9", instance="loja", token="t")  # can send
    return world_a.client()


def _create(api, shortcut="boleto", text="Segue a segunda via do boleto 🙂"):
    return api.post("/api/quick-replies/", {"shortcut": shortcut, "text": text}, format="json")


def _add(api, reply_id, name, data, **fields):
    return api.post(
        f"/api/quick-replies/{reply_id}/files/",
        {"file": SimpleUploadedFile(name, data), **fields},
        format="multipart",
    )


def test_the_library_is_kept_by_shortcut_and_clear_about_mistakes(api, world_b):
    made = _create(api, "/Boleto")
    assert made.status_code == 201 and made.json()["shortcut"] == "boleto" and made.json()["files"] == []
    assert _create(api, "boleto").json()["error"]["code"] == "shortcut_taken"
    assert _create(api, "com espaço").json()["error"]["code"] == "bad_shortcut"
    assert _create(api, "horario", "Atendemos de 8h às 18h").status_code == 201
    assert [r["shortcut"] for r in api.get("/api/quick-replies/").json()] == ["boleto", "horario"]
    assert [r["shortcut"] for r in api.get("/api/quick-replies/", {"q": "/hor"}).json()] == ["horario"]
    assert [r["shortcut"] for r in api.get("/api/quick-replies/", {"q": "segunda via"}).json()] == ["boleto"]
    assert world_b.client().get("/api/quick-replies/").json() == []  # another team's library
    reply_id = made.json()["id"]
    changed = api.patch(f"/api/quick-replies/{reply_id}/", {"text": "Novo texto"}, format="json")
    assert changed.status_code == 200 and changed.json()["text"] == "Novo texto"
    taken = api.patch(f"/api/quick-replies/{reply_id}/", {"shortcut": "horario"}, format="json")
    assert taken.status_code == 409


def test_files_are_checked_when_saved_and_stored_once(api, settings, world_a):
    reply_id = _create(api).json()["id"]
    photo = _add(api, reply_id, "boleto.jpg", corpus.jpeg((800, 600)))
    assert photo.status_code == 201, photo.content
    voice = _add(api, reply_id, "explicacao.ogg", corpus.tone("ogg", "libopus", seconds=1.5))
    audio = _add(api, reply_id, "musica.ogg", corpus.tone("ogg", "libopus", seconds=1.5), voice="0")
    files = audio.json()["files"]
    assert [(f["file_name"], f["category"]) for f in files] == [
        ("boleto.jpg", "image"),
        ("explicacao.ogg", "voice"),
        ("musica.ogg", "audio"),
    ]
    assert files[1]["duration"] == pytest.approx(1.5, abs=0.1) and voice.status_code == 201
    stored = QuickReplyFile.objects.get(pk=files[0]["id"])
    assert stored.blob.tenant_id == world_a.tenant.id and stored.renditions.filter(variant="thumb").exists()
    # Refused as an upload would be, nothing stored.
    blobs = Blob.objects.count()
    page = _add(api, reply_id, "foto.jpg", corpus.HTML_PAGE)
    assert page.status_code == 400 and page.json()["error"]["code"] == "type_not_allowed"
    polyglot = _add(api, reply_id, "foto.jpg", corpus.jpeg_html_polyglot())
    assert polyglot.status_code == 400 and polyglot.json()["error"]["code"] == "unsafe_content"
    assert _add(api, reply_id, "vazio.pdf", b"").json()["error"]["code"] == "empty"
    settings.QUICK_REPLY_FILE_MAX_BYTES = 1000
    assert _add(api, reply_id, "grande.pdf", corpus.pdf(1)).status_code == 413
    assert Blob.objects.count() == blobs


def test_a_send_refers_to_the_stored_bytes_in_order_with_the_text_as_caption(
    api, world_a, sends, django_capture_on_commit_callbacks
):
    reply_id = _create(api).json()["id"]
    _add(api, reply_id, "boleto.jpg", corpus.jpeg((800, 600)))
    _add(api, reply_id, "explicacao.ogg", corpus.tone("ogg", "libopus", seconds=1.5))
    blobs = Blob.objects.count()
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            answer = api.post(
                f"/api/quick-replies/{reply_id}/send/",
                {"conversation": str(world_a.conversation.pk)},
                format="json",
            )
        assert answer.status_code == 201, answer.content
    assert Blob.objects.count() == blobs  # two sends, no new bytes
    photo_message, voice_message = answer.json()
    assert photo_message["text"] == "Segue a segunda via do boleto 🙂" and voice_message["text"] == ""
    (photo,) = photo_message["attachments"]
    assert photo["status"] == "ready" and set(photo["urls"]) == {"original", "thumb", "preview"}
    stored = Attachment.objects.get(pk=photo["id"])
    assert stored.original_id == QuickReplyFile.objects.get(file_name="boleto.jpg").blob_id
    assert Rendition.objects.filter(attachment=stored).count() == 2
    # Only the first of each send is queued; the voice note waits for the photo to be sent.
    assert [kind for kind, _ in sends] == ["file", "file"]
    waiting = Message.objects.get(pk=voice_message["id"])
    assert str(waiting.send_after_id) == photo_message["id"]
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.confirm(photo_message["id"], "3EB0AAAA0001")
    assert sends[-1] == ("file", voice_message["attachments"][0]["id"])
    assert Message.objects.get(pk=voice_message["id"]).send_after_id is None


def test_a_text_that_no_file_can_carry_goes_first_and_a_failed_send_lets_the_next_go(
    api, world_a, sends, django_capture_on_commit_callbacks
):
    reply_id = _create(api, "audio", "Ouça a explicação:").json()["id"]
    _add(api, reply_id, "explicacao.ogg", corpus.tone("ogg", "libopus", seconds=1.5))
    with django_capture_on_commit_callbacks(execute=True):
        text, voice = api.post(
            f"/api/quick-replies/{reply_id}/send/",
            {"conversation": str(world_a.conversation.pk)},
            format="json",
        ).json()
    assert (text["text"], text["attachments"]) == ("Ouça a explicação:", [])
    assert voice["attachments"][0]["category"] == "voice" and sends == [("text", text["id"])]
    with django_capture_on_commit_callbacks(execute=True):
        sending.fail(text["id"], "provider_refused", "refused")
    assert sends[-1] == ("file", voice["attachments"][0]["id"])


def test_refusals_of_a_send(api, world_a, world_b):
    empty = _create(api, "vazio", "").json()["id"]
    to_chat = {"conversation": str(world_a.conversation.pk)}
    assert (
        api.post(f"/api/quick-replies/{empty}/send/", to_chat, format="json").json()["error"]["code"]
        == "empty"
    )
    reply_id = _create(api).json()["id"]
    other_chat = {"conversation": str(world_b.conversation.pk)}
    assert api.post(f"/api/quick-replies/{reply_id}/send/", other_chat, format="json").status_code == 404


def test_deleting_a_reply_keeps_bytes_a_sent_message_still_shows(
    api, world_a, sends, django_capture_on_commit_callbacks
):
    reply_id = _create(api).json()["id"]
    _add(api, reply_id, "boleto.jpg", corpus.jpeg((800, 600)))
    kept = QuickReplyFile.objects.get().blob_id
    with django_capture_on_commit_callbacks(execute=True):
        api.post(
            f"/api/quick-replies/{reply_id}/send/",
            {"conversation": str(world_a.conversation.pk)},
            format="json",
        )
        assert api.delete(f"/api/quick-replies/{reply_id}/").status_code == 204
    assert not QuickReply.objects.exists() and Blob.objects.filter(pk=kept).exists()  # the message shows it
    # A reply never sent: its bytes go with it.
    second = _create(api, "outro").json()["id"]
    _add(api, second, "outro.pdf", corpus.pdf(1))
    only = QuickReplyFile.objects.get().blob_id
    file_id = QuickReplyFile.objects.get().pk
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"/api/quick-replies/{second}/files/{file_id}/").status_code == 204
    assert not Blob.objects.filter(pk=only).exists()
