"""A conversation's gallery (chat.gallery): tabs of what the chat shows, newest first and
paginated, links from texts; and a zip of chosen files streamed with its exact length."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from chatmedia.chat.gallery import links_in
from chatmedia.chat.models import Attachment, Message
from chatmedia.media.storage.blobs import store_blob


def _file(world, category, name, data: bytes, mime, minutes_ago=0, **message_fields):
    at = timezone.now() - timedelta(minutes=minutes_ago)
    message = Message.objects.create(
        tenant=world.tenant,
        conversation=world.conversation,
        wa_message_id=uuid.uuid4().hex,
        direction="in",
        status="delivered",
        timestamp=at,
        created_at=at,
        **message_fields,
    )
    return Attachment.objects.create(
        tenant=world.tenant,
        conversation=world.conversation,
        message=message,
        category=category,
        file_name=name,
        mime_type=mime,
        size=len(data),
        status="ready",
        original=store_blob(world.tenant, io.BytesIO(data), mime),
        created_at=at,
    )


@pytest.fixture
def chat(world_a):
    world_a.attachment.delete()  # world_a's photo has no bytes: not part of these
    made = {
        "photo": _file(world_a, "image", "foto.jpg", b"\xff\xd8photo", "image/jpeg", 5),
        "video": _file(world_a, "video", "video.mp4", b"video-bytes", "video/mp4", 4),
        "sticker": _file(world_a, "sticker", "", b"RIFFwebp", "image/webp", 3),
        "pdf": _file(world_a, "document", "foto.jpg", b"%PDF-1.4 as a doc", "image/jpeg", 2),
        "voice": _file(world_a, "voice", "nota.ogg", b"OggS voice", "audio/ogg", 1),
        "deleted": _file(
            world_a, "image", "apagada.jpg", b"gone", "image/jpeg", 0, deleted_at=timezone.now()
        ),
        "closed": _file(world_a, "image", "vista-unica.jpg", b"once", "image/jpeg", 0, is_view_once=True),
    }
    still = _file(world_a, "image", "processando.jpg", b"x", "image/jpeg", 0)
    Attachment.objects.filter(pk=still.pk).update(status="processing")  # not checked yet: not shown
    Message.objects.create(
        tenant=world_a.tenant,
        conversation=world_a.conversation,
        direction="in",
        text="Veja https://exemplo.com.br/produto?id=7. e http://loja.test/a, ou https://exemplo.com.br/produto?id=7",
    )
    return world_a, made


def _tab(client, conversation, tab, **params):
    answer = client.get(f"/api/conversations/{conversation.pk}/gallery/", {"tab": tab, **params})
    assert answer.status_code == 200, answer.content
    return answer.json()


def test_each_tab_shows_what_the_chat_shows_newest_first(chat):
    world, made = chat
    api = world.client()
    media = _tab(api, world.conversation, "media")["results"]
    assert [item["id"] for item in media] == [str(made[k].pk) for k in ("sticker", "video", "photo")]
    assert media[0]["attachment"]["urls"]["original"].startswith(f"/media/{made['sticker'].pk}/original?")
    assert [i["id"] for i in _tab(api, world.conversation, "documents")["results"]] == [str(made["pdf"].pk)]
    assert [i["id"] for i in _tab(api, world.conversation, "audio")["results"]] == [str(made["voice"].pk)]
    links = _tab(api, world.conversation, "links")["results"]
    assert [item["links"] for item in links] == [
        ["https://exemplo.com.br/produto?id=7", "http://loja.test/a"]
    ]
    page = _tab(api, world.conversation, "media", page_size=2)
    rest = api.get(page["next"]).json()["results"]
    assert [i["id"] for i in page["results"] + rest] == [i["id"] for i in media]


def test_files_are_in_their_messages_order_not_the_order_they_were_processed(chat):
    world, made = chat
    # The photo's message came first, but its file was stored last (a slower worker, a retry).
    Attachment.objects.filter(pk=made["photo"].pk).update(created_at=timezone.now())
    late = _file(world, "image", "tarde.jpg", b"\xff\xd8late", "image/jpeg", 0)
    Message.objects.filter(pk=late.message_id).update(timestamp=timezone.now() - timedelta(minutes=10))
    media = _tab(world.client(), world.conversation, "media", page_size=2)
    rest = world.client().get(media["next"]).json()["results"]
    ids = [i["id"] for i in media["results"] + rest]
    assert ids == [str(made[k].pk) for k in ("sticker", "video", "photo")] + [str(late.pk)]


def test_a_bad_tab_and_another_tenants_chat_are_refused(chat, world_b):
    world, _ = chat
    api = world.client()
    bad = api.get(f"/api/conversations/{world.conversation.pk}/gallery/", {"tab": "everything"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_tab"
    other = api.get(f"/api/conversations/{world_b.conversation.pk}/gallery/", {"tab": "media"})
    assert other.status_code == 404


def test_links_are_cut_at_punctuation_and_listed_once():
    assert links_in("(veja https://a.test/x), e https://a.test/x!") == ["https://a.test/x"]
    assert links_in("nada aqui, só www.sem-esquema.com") == []


def test_chosen_files_come_as_one_zip_with_unique_names_and_their_exact_bytes(chat, world_b):
    world, made = chat
    ids = [made["photo"].pk, made["pdf"].pk, made["voice"].pk, world_b.attachment.pk, made["deleted"].pk]
    answer = world.client().get(
        f"/api/conversations/{world.conversation.pk}/media.zip", {"ids": ",".join(map(str, ids))}
    )
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    body = b"".join(answer.streaming_content)
    assert int(answer["Content-Length"]) == len(body)
    assert answer["Content-Disposition"].startswith('attachment; filename="conversa-')
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert archive.namelist() == [
            "foto.jpg",
            "foto (2).jpg",
            "nota.ogg",
        ]  # other tenant's, deleted: not there
        assert archive.read("foto.jpg") == b"\xff\xd8photo"
        assert archive.read("foto (2).jpg") == b"%PDF-1.4 as a doc"
        assert archive.testzip() is None


def test_a_zip_of_nothing_too_much_or_a_bad_id_is_a_clear_refusal(chat, world_b, settings):
    world, made = chat
    url = f"/api/conversations/{world.conversation.pk}/media.zip"
    api = world.client()
    assert api.get(url).json()["error"]["code"] == "no_files"
    assert api.get(url, {"ids": "not-an-id"}).json()["error"]["code"] == "bad_id"
    assert api.get(url, {"ids": str(world_b.attachment.pk)}).status_code == 404
    settings.GALLERY_ZIP_MAX_FILES = 1
    too_many = api.get(url, {"ids": f"{made['photo'].pk},{made['video'].pk}"})
    assert too_many.status_code == 413 and too_many.json()["error"]["code"] == "too_many_files"
    settings.GALLERY_ZIP_MAX_FILES = 10
    settings.GALLERY_ZIP_MAX_BYTES = 8
    assert api.get(url, {"ids": str(made["video"].pk)}).json()["error"]["code"] == "too_large"
