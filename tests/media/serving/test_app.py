"""`/media/…`: authorization, caching, ranges, conditional requests and safe headers, against both
storage backends (local disk and the S3 test server) and the configured cache (real Redis on the
real stack). Failures and outages: test_app_failures.py."""

from __future__ import annotations

import hashlib
import io
import os
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from chatmedia.chat.models import Attachment
from chatmedia.chat.serializers import AttachmentSerializer, ConversationSerializer
from chatmedia.media.serving import cache, signing
from chatmedia.media.storage.blobs import store_blob
from tests.media import serving_client as client
from tests.media.serving_client import BIG, NEVER, THUMB, photo, url

pytestmark = pytest.mark.usefixtures("fresh_serving")


def test_signed_thumb_is_served_then_cached(storage, a):
    attachment = photo(a)
    first = client.get(url(a, attachment))
    assert first.status_code == 200, first.text
    assert first.content == THUMB
    assert first.headers["content-type"] == "image/webp"
    assert first.headers["content-length"] == str(len(THUMB))
    assert first.headers["etag"] == f'"{hashlib.sha256(THUMB).hexdigest()}"'
    assert first.headers["cache-control"] == "private, max-age=604800, immutable"
    assert first.headers["accept-ranges"] == "bytes"
    assert first.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in first.headers["content-security-policy"]
    assert first.headers["content-disposition"].startswith("inline;")
    assert first.headers["x-cache"] == "MISS"
    second = client.get(url(a, attachment))
    assert (second.status_code, second.content, second.headers["x-cache"]) == (200, THUMB, "HIT")


def test_shared_cache_serves_other_processes(storage, a, settings):
    attachment = photo(a)
    assert client.get(url(a, attachment)).headers["x-cache"] == "MISS"
    cache.local.clear()  # another process: nothing in its local tier, the entry is in Redis
    storage.delete(attachment.renditions.get().blob.storage_key)  # and storage is not asked
    again = client.get(url(a, attachment))
    assert (again.status_code, again.content, again.headers["x-cache"]) == (200, THUMB, "HIT")


def test_a_deleted_attachment_is_forgotten_by_the_cache(storage, a):
    attachment = photo(a)
    link = url(a, attachment)
    assert client.get(link).status_code == 200
    assert client.get(link).headers["x-cache"] == "HIT"  # content addressing: nothing expires it
    attachment.delete()  # media.storage.lifecycle forgets it (and releases its blobs) after the commit
    assert client.get(link).status_code == 404


def test_cache_ttl_follows_the_category(storage, a):
    voice = client.attachment(a, os.urandom(2000), category="voice", mime_type="audio/ogg", file_name="v.ogg")
    document = client.attachment(a, b"%PDF-1.7 x", category="document", mime_type="application/pdf")
    response = client.get(url(a, voice, "original"))
    assert response.headers["cache-control"] == "private, max-age=259200, immutable"
    document_response = client.get(url(a, document, "original"))
    assert document_response.headers["cache-control"] == "private, max-age=86400, immutable"


def test_large_original_is_streamed_whole_and_never_cached(storage, a):
    attachment = photo(a)
    for _ in range(2):
        response = client.get(url(a, attachment, "original"))
        assert response.status_code == 200
        assert response.content == BIG
        assert response.headers["x-cache"] == "MISS"
        assert response.headers["content-type"] == "image/jpeg"
    entry = cache.get_shared(f"media:{attachment.id}:original")
    assert entry is not None and entry.body is None  # only its metadata is cached


@pytest.mark.parametrize("size", ["small", "big"])
@pytest.mark.parametrize(
    ("header", "span"),
    [
        ("bytes=0-99", (0, 99)),  # start
        ("bytes=1000-1999", (1000, 1999)),  # middle
        ("bytes=-100", (-100, None)),  # end (suffix)
        ("bytes=1000-", (1000, None)),  # to the end
        ("bytes=0-99999999", (0, None)),  # past the end: clamped
    ],
)
def test_range(storage, a, size, header, span):
    attachment = photo(a)
    data, variant = (THUMB, "thumb") if size == "small" else (BIG, "original")
    client.get(url(a, attachment, variant))  # warm the cache: ranges come from it too
    response = client.get(url(a, attachment, variant), {"Range": header})
    start, stop = span
    expected = data[start : (stop + 1 if stop is not None else None)]
    first = start if start >= 0 else len(data) + start
    assert response.status_code == 206, response.text
    assert response.content == expected
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{len(data)}"
    assert response.headers["content-length"] == str(len(expected))


@pytest.mark.parametrize("variant", ["thumb", "original"])
def test_unsatisfiable_range_is_416(storage, a, variant):
    attachment = photo(a)
    size = len(THUMB) if variant == "thumb" else len(BIG)
    response = client.get(url(a, attachment, variant), {"Range": f"bytes={size}-"})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{size}"
    assert response.json()["error"]["code"] == "range_not_satisfiable"


def test_ignored_ranges_send_everything(storage, a):
    attachment = photo(a)
    several = client.get(url(a, attachment), {"Range": "bytes=0-1,5-9"})
    assert (several.status_code, several.content) == (200, THUMB)
    stale = client.get(url(a, attachment), {"Range": "bytes=0-9", "If-Range": '"other"'})
    assert (stale.status_code, stale.content) == (200, THUMB)
    current = client.get(url(a, attachment), {"Range": "bytes=0-9", "If-Range": stale.headers["etag"]})
    assert (current.status_code, current.content) == (206, THUMB[:10])


@pytest.mark.parametrize("variant", ["thumb", "original"])
def test_if_none_match_is_304(storage, a, variant):
    attachment = photo(a)
    etag = client.get(url(a, attachment, variant)).headers["etag"]
    for header in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        response = client.get(url(a, attachment, variant), {"If-None-Match": header})
        assert response.status_code == 304, header
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert "immutable" in response.headers["cache-control"]
    assert client.get(url(a, attachment, variant), {"If-None-Match": '"nope"'}).status_code == 200


def test_head_has_headers_and_no_body(storage, a):
    attachment = photo(a)
    response = client.get(url(a, attachment, "original"), method="HEAD")
    assert response.status_code == 200
    assert response.headers["content-length"] == str(len(BIG))
    assert response.content == b""


def test_only_get_and_head(a):
    response = client.get(url(a, photo(a)), method="POST")
    assert response.status_code == 405 and response.headers["allow"] == "GET, HEAD"


# --- authorization ---------------------------------------------------------------------------------------
def _with_query(link: str, **changes) -> str:
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query.items())


def test_tampered_signatures_are_403(a, b):
    attachment = photo(a)
    link = url(a, attachment)
    sig = parse_qs(urlsplit(link).query)["sig"][0]
    flipped = ("A" if sig[0] != "A" else "B") + sig[1:]
    tampered = [
        _with_query(link, sig=flipped),
        _with_query(link, tenant=str(b.tenant.id)),  # another tenant with the same signature
        _with_query(link, exp=str(int(parse_qs(urlsplit(link).query)["exp"][0]) + 3600)),  # longer life
        _with_query(link, exp="+" + parse_qs(urlsplit(link).query)["exp"][0]),
        link.replace("/thumb?", "/original?"),  # another variant
        link.replace(str(attachment.id), str(photo(a).id)),  # another attachment
        _with_query(link, sig=""),
        _with_query(link, tenant="not-a-uuid"),
        _with_query(link, sig="%E2%80%AE%FF"),  # percent-encoded garbage, not ASCII
    ]
    for bad in tampered:
        response = client.get(bad)
        assert response.status_code == 403, bad
        assert response.json()["error"]["code"] == "invalid_signature"
        assert response.headers["cache-control"] == "no-store"


def test_expired_signature_is_403_but_a_session_still_reads(a):
    attachment = photo(a)
    past = int(time.time()) - 10
    link = f"{signing.path_of(attachment.id, 'thumb')}?tenant={a.tenant.id}&exp={past}"
    link += f"&sig={signing.sign(a.tenant.id, attachment.id, 'thumb', past)}"
    response = client.get(link)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "expired"
    assert client.get(link, client.session_headers(a)).status_code == 200


def test_session_and_token_authorize_without_signature(a):
    attachment = photo(a)
    path = signing.path_of(attachment.id, "thumb")
    assert client.get(path).status_code == 401
    assert client.get(path, {"Authorization": "Token wrong"}).status_code == 401
    assert client.get(path, client.token_headers(a)).content == THUMB
    assert client.get(path, client.session_headers(a)).content == THUMB


def test_rotated_secret_key_still_verifies(a, settings):
    attachment = photo(a)
    link = url(a, attachment)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert client.get(link).status_code == 200
    settings.SECRET_KEY_FALLBACKS = []
    assert client.get(link).status_code == 403


def test_other_tenant_is_404_like_an_unknown_id(storage, a, b):
    theirs = photo(b)
    mine = photo(a)
    # a member of A asking by session/token for B's attachment
    other = client.get(signing.path_of(theirs.id, "thumb"), client.token_headers(a))
    never = client.get(signing.path_of(NEVER, "thumb"), client.token_headers(a))
    assert other.status_code == never.status_code == 404
    assert other.json() == never.json() == {"error": {"code": "not_found", "message": "Not found."}}
    # a capability signed for tenant A naming B's attachment (even with B's entry in the cache)
    client.get(url(b, theirs))
    forged = client.get(signing.signed_url(a.tenant.id, theirs.id, "thumb"))
    unknown = client.get(signing.signed_url(a.tenant.id, NEVER, "thumb"))
    assert forged.status_code == unknown.status_code == 404
    assert forged.json() == unknown.json()
    assert client.get(url(a, mine)).status_code == 200


# --- missing variants and objects ------------------------------------------------------------------------
def test_missing_variant_falls_back_to_the_original_or_says_so(storage, a):
    # stored (inline bytes from a webhook) but not screened yet: nothing of it is served
    still = client.attachment(a, THUMB, status=Attachment.Status.PROCESSING)
    for variant in ("original", "thumb", "preview"):
        response = client.get(url(a, still, variant))
        assert response.status_code == 404, variant
        assert response.json()["error"]["code"] == "not_ready"
    # a ready picture without renditions (over the pixel cap): never its original in their place
    done = client.attachment(a, THUMB)
    for variant in ("thumb", "preview"):
        response = client.get(url(a, done, variant))
        assert response.status_code == 404, variant
        assert response.json()["error"]["code"] == "no_variant"
    assert "immutable" in client.get(url(a, done, "original")).headers["cache-control"]
    voice = client.attachment(a, b"OggS", category="voice", mime_type="audio/ogg", file_name="v.ogg")
    assert client.get(url(a, voice, "playback")).content == b"OggS"
    video = client.attachment(a, b"\x00\x00\x00\x18ftypmp42", category="video", mime_type="video/mp4")
    response = client.get(url(a, video, "poster"))
    assert response.status_code == 404
    assert response.json()["error"] == {"code": "no_variant", "message": "This video has no poster."}
    pending = client.attachment(a, None, status=Attachment.Status.PENDING)
    assert client.get(url(a, pending, "original")).json()["error"]["code"] == "not_ready"


def test_object_missing_from_storage_is_404(storage, a):
    attachment = photo(a)
    storage.delete(attachment.original.storage_key)
    response = client.get(url(a, attachment, "original"))
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "missing"


def test_unknown_paths_are_404(a):
    for path in ("/media/", "/media/nope/thumb", f"/media/{NEVER}/huge", f"/media/avatar/{NEVER}/x"):
        response = client.get(path, client.token_headers(a))
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"


# --- safe headers ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("mime_type", "disposition"),
    [
        ("image/jpeg", "inline"),
        ("application/pdf", "inline"),
        ("video/mp4", "inline"),
        ("image/svg+xml", "attachment"),
        ("text/html", "attachment"),
        ("application/zip", "attachment"),
        ("image/heic", "attachment"),
    ],
)
def test_only_safe_types_are_inline(a, mime_type, disposition, settings):
    settings.MEDIA_INLINE_TYPES = [*settings.MEDIA_INLINE_TYPES, "image/svg+xml", "text/html"]  # still never
    attachment = client.attachment(a, b"<svg onload=alert(1)>", category="document", mime_type=mime_type)
    response = client.get(url(a, attachment, "original"))
    assert response.headers["content-type"] == mime_type
    assert response.headers["content-disposition"].split(";")[0] == disposition
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert ("sandbox" in csp) == (mime_type != "application/pdf")


def test_file_name_is_rfc6266_encoded(a):
    attachment = client.attachment(
        a, b"%PDF", category="document", mime_type="application/pdf", file_name='Relatório "final"\u202e.pdf'
    )
    disposition = client.get(url(a, attachment, "original")).headers["content-disposition"]
    # quotes and the invisible right-to-left override (which makes "fdp.exe" read "exe.pdf") are gone
    assert (
        disposition
        == "inline; filename=\"Relatorio _final_.pdf\"; filename*=UTF-8''Relat%C3%B3rio%20_final_.pdf"
    )


# --- avatars ----------------------------------------------------------------------------------------------
def test_avatar_signed_session_cross_tenant_and_invalidation(storage, a, b):
    a.conversation.avatar = store_blob(a.tenant, io.BytesIO(b"old picture"), "image/jpeg")
    a.conversation.save()
    link = ConversationSerializer(a.conversation).data["avatar_url"]
    assert link.startswith(f"/media/avatar/{a.conversation.id}?")
    first = client.get(link)
    assert (first.status_code, first.content, first.headers["x-cache"]) == (200, b"old picture", "MISS")
    assert "immutable" not in first.headers["cache-control"]
    assert client.get(link).headers["x-cache"] == "HIT"
    assert client.get(f"/media/avatar/{b.conversation.id}", client.token_headers(a)).status_code == 404
    assert client.get(f"/media/avatar/{a.conversation.id}", client.token_headers(a)).content == b"old picture"
    a.conversation.avatar = store_blob(a.tenant, io.BytesIO(b"new picture"), "image/jpeg")
    a.conversation.save()
    cache.invalidate_avatar(a.conversation.id)
    assert client.get(link).content == b"new picture"


# --- the API hands out signed URLs -----------------------------------------------------------------------
def test_attachment_json_has_signed_urls_for_existing_variants(a):
    attachment = photo(a)
    urls = AttachmentSerializer(attachment).data["urls"]
    assert set(urls) == {"original", "thumb"}
    assert urls == AttachmentSerializer(attachment).data["urls"]  # stable: browsers cache by URL
    assert client.get(urls["thumb"]).content == THUMB
    assert client.get(urls["original"]).content == BIG
    assert AttachmentSerializer(client.attachment(a, None, status="pending")).data["urls"] == {}


def test_api_message_list_carries_urls(a):
    attachment = photo(a)
    body = a.client().get(f"/api/conversations/{a.conversation.id}/messages/").json()
    found = next(att for m in body["results"] for att in m["attachments"] if att["id"] == str(attachment.id))
    assert client.get(found["urls"]["thumb"]).content == THUMB


def test_a_message_deleted_for_everyone_is_gone_410_even_from_the_cache(storage, a):
    from chatmedia.chat import history

    attachment = photo(a)
    link = url(a, attachment)
    assert client.get(link).status_code == 200
    assert client.get(link).headers["x-cache"] == "HIT"
    a.tenant.deleted_media_retention_days = 30  # kept for audit: the bytes stay, nobody is served them
    a.tenant.save()
    from django.utils import timezone

    history.mark_deleted(attachment.message, "5511999990000@s.whatsapp.net", timezone.now())
    gone = client.get(link)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "deleted"
    assert client.get(url(a, attachment, "original")).status_code == 410
