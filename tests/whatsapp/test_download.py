"""Getting verified bytes: CDN + decrypt, Evolution fallback, and every way it can go wrong."""

from __future__ import annotations

import socket

import pytest

from chatmedia import jobs
from chatmedia.chat.models import Attachment
from chatmedia.media.models import Blob
from chatmedia.media.serving import blocking
from chatmedia.media.storage import media_storage
from chatmedia.whatsapp import tasks
from chatmedia.whatsapp.outbound import FetchError, fetch_to_spool, resolve_target
from chatmedia.whatsapp.providers.evolution import download
from chatmedia.whatsapp.providers.evolution.payloads import parse_webhook
from tests.connections import configure, connection_of
from tests.media import serving_client as media_client
from tests.whatsapp.fixtures import VECTORS, evolution, plain_bytes

MEDIA = {
    "image-01": "messages-upsert-image-caption.json",
    "ptt-01": "messages-upsert-ptt-voice-note.json",
    "audio-01": "messages-upsert-audio-file.json",
    "document-01": "messages-upsert-document-pdf.json",
    "video-01": "messages-upsert-video.json",
    "sticker-01": "messages-upsert-sticker.json",
}


def _source(fake, vector_id: str, fixture: str | None = None) -> dict:
    payload = fake.webhook(fixture or MEDIA[vector_id], vector_id)
    (item,) = parse_webhook(payload).items
    return {**item.media.source(), "evolution_message": item.evolution_message}


@pytest.fixture
def connected(tenant, fake_whatsapp):
    return configure(tenant, url=fake_whatsapp.url, instance="acme-vendas", token=fake_whatsapp.state.apikey)


@pytest.mark.parametrize("vector_id", MEDIA)
def test_every_fixture_from_the_cdn(fake_whatsapp, tenant, vector_id):
    with download.obtain(connection_of(tenant), _source(fake_whatsapp, vector_id)) as plain:
        assert plain.read() == plain_bytes(VECTORS[vector_id])
    (call,) = fake_whatsapp.calls("cdn")
    assert call["origin"] == "https://web.whatsapp.com"


def test_expired_cdn_falls_back_to_evolution(fake_whatsapp, connected):
    fake_whatsapp.fail("cdn", "404")
    with download.obtain(connected, _source(fake_whatsapp, "document-01")) as plain:
        assert plain.read() == plain_bytes(VECTORS["document-01"])
    (call,) = fake_whatsapp.calls("getBase64FromMediaMessage")
    assert call["apikey_ok"]
    assert "documentMessage" in call["body"]["message"]["message"]


def test_expired_cdn_without_evolution_is_expired(fake_whatsapp, tenant):
    fake_whatsapp.fail("cdn", "404")
    with pytest.raises(FetchError) as failure:
        download.obtain(connection_of(tenant), _source(fake_whatsapp, "image-01"))
    assert failure.value.code == "expired" and not failure.value.transient


def test_tampered_cdn_and_wrong_evolution_bytes_is_integrity(fake_whatsapp, connected):
    fake_whatsapp.fail("cdn", "wrong_bytes")
    fake_whatsapp.fail("getBase64FromMediaMessage", "wrong_bytes")
    with pytest.raises(FetchError) as failure:
        download.obtain(connected, _source(fake_whatsapp, "image-01"))
    assert failure.value.code == "integrity"


def test_tampered_cdn_recovers_through_evolution(fake_whatsapp, connected):
    fake_whatsapp.fail("cdn", "wrong_bytes")
    with download.obtain(connected, _source(fake_whatsapp, "image-01")) as plain:
        assert plain.read() == plain_bytes(VECTORS["image-01"])


def test_server_errors_are_transient(fake_whatsapp, connected):
    fake_whatsapp.fail("cdn", "5xx")
    fake_whatsapp.fail("getBase64FromMediaMessage", "5xx")
    with pytest.raises(FetchError) as failure:
        download.obtain(connected, _source(fake_whatsapp, "image-01"))
    assert failure.value.transient


def test_evolution_refusing_our_token(fake_whatsapp, connected):
    configure(connected, token="wrong")
    fake_whatsapp.fail("cdn", "404")
    with pytest.raises(FetchError) as failure:
        download.obtain(connected, _source(fake_whatsapp, "image-01"))
    assert failure.value.code in ("expired", "evolution_auth")
    assert fake_whatsapp.calls("getBase64FromMediaMessage")[0]["apikey_ok"] is False


def test_timeouts_are_transient(fake_whatsapp, tenant, settings):
    settings.OUTBOUND_READ_TIMEOUT_SECONDS = 0.3
    fake_whatsapp.fail("cdn", "timeout")
    with pytest.raises(FetchError) as failure:
        download.obtain(connection_of(tenant), _source(fake_whatsapp, "image-01"))
    assert failure.value.code == "timeout" and failure.value.transient


def test_declared_size_over_the_limit_is_refused_before_downloading(fake_whatsapp, tenant, settings):
    settings.MEDIA_MAX_OBJECT_BYTES = 1000
    with pytest.raises(FetchError) as failure:
        download.obtain(connection_of(tenant), _source(fake_whatsapp, "image-01"))
    assert failure.value.code == "too_large"
    assert fake_whatsapp.calls("cdn") == []


def test_size_cap_is_enforced_while_streaming(fake_whatsapp):
    url = fake_whatsapp.url + fake_whatsapp.state.media["video-01"].direct_path
    with pytest.raises(FetchError) as failure:
        fetch_to_spool(url, 1000, download.CDN_HEADERS)
    assert failure.value.code == "too_large"


def test_hosts_outside_the_allow_list_are_refused(fake_whatsapp, settings):
    for url in (
        "http://169.254.169.254/latest/meta-data/",
        "https://evil.example.com/x.enc",
        "http://mmg.whatsapp.net/x.enc",  # wildcard and listed names need https
        "file:///etc/passwd",
        f"http://127.0.0.1:{fake_whatsapp.port + 1}/x",  # right host, other port
    ):
        with pytest.raises(FetchError) as failure:
            resolve_target(url)
        assert failure.value.code == "host_not_allowed", url


def test_allowed_names_resolving_to_private_addresses_are_refused(fake_whatsapp, monkeypatch):
    def rebinding(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.7", port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(FetchError) as failure:
        resolve_target("https://media-gru1-1.cdn.whatsapp.net/v/x.enc")
    assert "non-public" in str(failure.value)


def test_connection_goes_to_the_checked_address(fake_whatsapp):
    target = resolve_target(fake_whatsapp.url + "/x")
    assert target.url.startswith(f"http://127.0.0.1:{fake_whatsapp.port}/")
    assert target.host_header == fake_whatsapp.host


def test_sticker_dummy_url_is_never_used(fake_whatsapp):
    source = _source(fake_whatsapp, "sticker-01")
    source["direct_path"] = ""
    source["url"] = "https://web.whatsapp.net"
    assert download.cdn_urls(source) == []


# --- the task, run in this process ---------------------------------------------------------------------


def _attachment_for(post_webhook, tenant, fake, vector_id: str) -> Attachment:
    post_webhook(tenant, fake.webhook(MEDIA[vector_id], vector_id))
    return Attachment.objects.order_by("-created_at").first()


def test_task_stores_the_original_and_marks_it_ready(run, fake_whatsapp, tenant, post_webhook, queued):
    attachment = _attachment_for(post_webhook, tenant, fake_whatsapp, "ptt-01")
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    attachment.refresh_from_db()
    assert attachment.status == "ready" and attachment.mime_type == "audio/ogg"
    assert attachment.size == VECTORS["ptt-01"]["file_length"]
    assert attachment.file_name.endswith(".ogg")
    stored = b"".join(media_storage().iter_chunks(attachment.original.storage_key))
    assert stored == plain_bytes(VECTORS["ptt-01"])
    # a redelivered task does nothing
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    assert len(fake_whatsapp.calls("cdn")) == 1


def test_task_marks_integrity_failures_and_stores_nothing(
    run, fake_whatsapp, tenant, post_webhook, queued, settings
):
    settings.MEDIA_TASK_MAX_RETRIES = 0
    attachment = _attachment_for(post_webhook, tenant, fake_whatsapp, "image-01")
    fake_whatsapp.fail("cdn", "wrong_bytes")
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "failed"
    attachment.refresh_from_db()
    assert attachment.status == "failed" and attachment.error_code == "integrity"
    assert "mac" in attachment.error_message
    assert not Blob.objects.exists()


def test_task_gives_up_on_transient_errors_after_the_retries(
    run, fake_whatsapp, tenant, post_webhook, queued, settings
):
    settings.MEDIA_TASK_MAX_RETRIES = 0
    attachment = _attachment_for(post_webhook, tenant, fake_whatsapp, "image-01")
    fake_whatsapp.fail("cdn", "5xx")
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "failed"
    attachment.refresh_from_db()
    assert attachment.error_code == "unavailable"


def test_backoff_grows_and_is_capped_with_jitter(settings):
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 2
    settings.MEDIA_TASK_RETRY_MAX_SECONDS = 60
    delays = [jobs.backoff_seconds(n) for n in range(10)]
    assert 1 <= delays[0] <= 2 and 4 <= delays[2] <= 8
    assert all(30 <= d <= 60 for d in delays[6:])
    assert len({round(jobs.backoff_seconds(3), 6) for _ in range(20)}) > 1


def test_avatar_is_copied_served_and_replaced(
    transactional_db, run, fake_whatsapp, tenant, post_webhook, queued, django_user_model
):
    from chatmedia.chat.models import Conversation
    from chatmedia.tenancy.models import ApiToken, Membership

    post_webhook(tenant, evolution("messages-upsert-text.json"))
    conversation = Conversation.objects.get()
    user = django_user_model.objects.create_user("agent")
    _, token = ApiToken.issue(Membership.objects.create(user=user, tenant=tenant))
    path, auth = f"/media/avatar/{conversation.id}", {"Authorization": f"Token {token}"}
    try:
        assert media_client.get(path, auth).status_code == 404  # initials

        first = fake_whatsapp.add_picture("p1", plain_bytes(VECTORS["image-01"]))
        assert run(tasks.refresh_avatar, str(conversation.id), first) == "stored"
        response = media_client.get(path, auth)
        assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
        assert response.content == plain_bytes(VECTORS["image-01"])
        assert media_client.get(path, auth).headers["x-cache"] == "HIT"
        etag = response.headers["etag"]
        assert media_client.get(path, {**auth, "If-None-Match": etag}).status_code == 304
        # the same picture re-signed: not fetched again
        assert run(tasks.refresh_avatar, str(conversation.id), first + "&x=1") == "unchanged"
        assert len(fake_whatsapp.calls("picture")) == 1
        # a new picture replaces the old one, and the cache is invalidated
        second = fake_whatsapp.add_picture("p2", plain_bytes(VECTORS["sticker-01"]))
        assert run(tasks.refresh_avatar, str(conversation.id), second) == "stored"
        response = media_client.get(path, auth)
        assert response.headers["content-type"] == "image/webp" and response.headers["x-cache"] == "MISS"
        assert Blob.objects.count() == 1  # the old picture was released
        # the contact removed the picture
        assert run(tasks.refresh_avatar, str(conversation.id), "") == "none"
        assert media_client.get(path, auth).status_code == 404
        assert not Blob.objects.exists()
    finally:
        blocking.shutdown()


def test_avatar_of_another_tenant_is_404(
    transactional_db, run, fake_whatsapp, tenant, post_webhook, queued, world_b
):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    from chatmedia.chat.models import Conversation

    conversation = Conversation.objects.get(tenant=tenant)
    url = fake_whatsapp.add_picture("p3", plain_bytes(VECTORS["image-01"]))
    run(tasks.refresh_avatar, str(conversation.id), url)
    auth = media_client.token_headers(world_b)
    try:
        assert media_client.get(f"/media/avatar/{conversation.id}", auth).status_code == 404
        assert media_client.get(f"/media/avatar/{world_b.conversation.id}", auth).status_code == 404
        assert media_client.get(f"/media/avatar/{conversation.id}").status_code == 401
    finally:
        blocking.shutdown()


def test_a_picture_that_is_not_an_image_is_not_stored(run, fake_whatsapp, tenant, post_webhook, queued):
    from chatmedia.chat.models import Conversation

    post_webhook(tenant, evolution("messages-upsert-text.json"))
    conversation = Conversation.objects.get()
    url = fake_whatsapp.add_picture("p4", b"<html>login</html>")
    assert run(tasks.refresh_avatar, str(conversation.id), url) == "not-an-image"
    assert not Blob.objects.exists()


def test_avatar_from_evolution_when_a_contact_first_writes(
    run, fake_whatsapp, connected, post_webhook, queued
):
    from chatmedia.chat.models import Conversation

    post_webhook(connected.tenant, evolution("messages-upsert-text.json"))
    conversation = Conversation.objects.get()
    fake_whatsapp.set_profile_picture(
        "5511999990000", fake_whatsapp.add_picture("p5", plain_bytes(VECTORS["image-01"]))
    )
    assert run(tasks.refresh_avatar, str(conversation.id)) == "stored"
    # asked again right away: rate-limited, no call to Evolution
    assert run(tasks.refresh_avatar, str(conversation.id)) == "rate-limited"
    assert len(fake_whatsapp.calls("fetchProfilePictureUrl")) == 1
