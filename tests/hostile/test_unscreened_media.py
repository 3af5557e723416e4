"""Media that must not reach a browser before it passed every check (audit item 2): inline base64 from
a webhook is stored at once, but no URL to it is handed out (API, `message.created`) and `/media/`
answers 404 `not_ready` until the worker screened it; once refused it is 404 `failed`, and every
cache entry of it is gone (`fail()` drops them, the virus scanner's refusal goes through `fail()`)."""

from __future__ import annotations

import base64
import hashlib

import pytest

from chatmedia.chat.models import Attachment
from chatmedia.media.processing import pipeline
from chatmedia.media.serving import blocking, cache, catalog, signing
from chatmedia.whatsapp import tasks
from tests.connections import configure
from tests.media import serving_client as client
from tests.whatsapp.fixtures import evolution

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_errors")]

JPEG_HTML = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"<html><script>alert(document.cookie)</script></html>" * 40
HTML = b"<!doctype html><html><body><script>fetch('/api/me/')</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'


@pytest.fixture
def world(transactional_db, django_user_model):
    from tests.conftest import make_world

    cache.local.clear()
    yield make_world("unscreened", django_user_model)
    blocking.shutdown()
    cache.local.clear()


def _inline_webhook(data: bytes, mime_type: str) -> dict:
    body = evolution("messages-upsert-image-with-base64.json")
    node = body["data"]["message"]["imageMessage"]
    node["mimetype"] = mime_type
    node["fileSha256"] = base64.b64encode(hashlib.sha256(data).digest()).decode()
    node["fileLength"] = len(data)
    body["data"]["message"]["base64"] = base64.b64encode(data).decode()
    return body


@pytest.mark.parametrize("data", [JPEG_HTML, HTML, SVG], ids=["jpeg-html-polyglot", "html", "svg"])
def test_inline_media_is_not_served_before_screening_nor_after_refusal(
    world, data, tried, post_webhook, queued, published
):
    tried()
    configure(world.tenant, webhook_secret="the-hostile-webhook-secret-01")
    assert post_webhook(world.tenant, _inline_webhook(data, "image/jpeg")).status_code == 200
    attachment = Attachment.objects.get(pk=queued.media[0])
    assert attachment.original is not None  # the inline bytes are stored at once…
    # …but no URL to them leaves the server: not in the event, not in the API
    created = next(data for event, data in published if event == "message.created")
    assert created["attachments"][0]["urls"] == {}
    listed = world.client().get(f"/api/conversations/{attachment.conversation_id}/messages/").json()
    assert all(a["urls"] == {} for m in listed["results"] for a in m["attachments"])
    for variant in ("original", "thumb", "preview"):
        signed = signing.signed_url(world.tenant.id, attachment.id, variant)
        answer = client.get(signed)
        assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_ready", variant
        by_token = client.get(f"/media/{attachment.id}/{variant}", client.token_headers(world))
        assert by_token.status_code == 404
    tasks.fetch_incoming_media.apply(args=[str(attachment.id)])
    attachment.refresh_from_db()
    assert attachment.status == Attachment.Status.FAILED
    assert attachment.original is None  # refused bytes are not kept
    answer = client.get(signing.signed_url(world.tenant.id, attachment.id, "original"))
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "failed"


def test_a_refusal_drops_every_cache_entry_of_the_attachment(world, pending, tried):
    tried()
    attachment = pending("image")
    entry = catalog.Entry(
        str(world.tenant.id), "0" * 64, 3, "text/html", "k", "x.html", 600, True, body=b"<b>"
    )
    for variant in signing.VARIANTS:
        cache.put(catalog.cache_key(attachment.id, variant), entry)
    with_cache = [cache.get_shared(catalog.cache_key(attachment.id, v)) for v in signing.VARIANTS]
    assert all(with_cache)
    pipeline.fail(attachment.pk, "infected", "the virus scanner found Eicar-Signature")
    for variant in signing.VARIANTS:
        key = catalog.cache_key(attachment.id, variant)
        assert cache.local.get(key) is None and cache.get_shared(key) is None, variant
