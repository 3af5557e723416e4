"""The audit log (privacy.audit_log, /api/audit-log/): a row for every path that serves or acts on
media — a signed link, a session or token on /media/, the REST download of a deleted message's file,
a conversation zip, a customer export, a forward, a removal, retention and an erasure — with who,
when and from where; one row for a played video's many Range requests; rows only added; read by the
tenant's admins only; deleted past their time."""

from __future__ import annotations

import io
import time
from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from chatmedia.chat.models import Attachment, Message
from chatmedia.media.serving import signing
from chatmedia.media.storage.blobs import store_blob
from chatmedia.ops import counters
from chatmedia.privacy import audit_log, erasure, retention
from chatmedia.privacy.admin import AuditEventAdmin
from chatmedia.privacy.models import AuditEvent
from chatmedia.tenancy.models import Membership
from tests.connections import configure, new_conversation
from tests.media import serving_client as client
from tests.media.serving_client import BIG, THUMB, session_headers, token_headers

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/131"}


def _photo(world) -> Attachment:
    return client.attachment(
        world,
        BIG,
        renditions={"thumb": (THUMB, "image/webp"), "preview": (b"preview bytes", "image/webp")},
    )


def _rows(**filters) -> list[AuditEvent]:
    audit_log.flush()
    return list(AuditEvent.objects.filter(**filters).order_by("at", "id"))


def _admin(world) -> None:
    Membership.objects.filter(user=world.user).update(role=Membership.Role.ADMIN)


# --- /media/ ------------------------------------------------------------------------------------------
def test_a_signed_link_opened_in_the_web_chat_names_the_agent_and_where_from(a):
    photo = _photo(a)
    answer = client.get(client.url(a, photo, "preview"), {**session_headers(a), **BROWSER})
    assert answer.status_code == 200
    [row] = _rows(attachment_id=photo.pk)
    assert (row.action, row.via, row.variant, row.category) == ("view", "signed_url", "preview", "image")
    assert (row.tenant_id, row.actor_id, row.actor_name) == (a.tenant.pk, a.user.pk, a.user.username)
    assert (row.message_id, row.conversation_id) == (a.message.pk, a.conversation.pk)
    assert row.ip == "127.0.0.1" and row.user_agent == BROWSER["User-Agent"]


def test_what_the_chat_draws_by_itself_is_not_a_view(a):
    photo = _photo(a)
    document = client.attachment(
        a, b"%PDF-1.4", category="document", mime_type="application/pdf", file_name="nota.pdf",
        renditions={"preview": (b"page one", "image/webp"), "thumb": (THUMB, "image/webp")},
    )  # fmt: skip
    for found, variant in [(photo, "thumb"), (document, "preview"), (document, "thumb")]:
        assert client.get(client.url(a, found, variant), session_headers(a)).status_code == 200
    assert client.get(signing.signed_url(a.tenant.id, a.conversation.id, signing.AVATAR)).status_code == 404
    assert _rows() == []


def test_the_original_inline_is_a_view_and_as_a_file_a_download(a):
    photo = _photo(a)
    link = client.url(a, photo, "original")
    assert client.get(link).headers["content-disposition"].startswith("inline;")
    downloaded = client.get(f"{link}&download=1")
    assert downloaded.headers["content-disposition"].startswith("attachment;")
    document = client.attachment(a, b"PK\x03\x04", category="document", mime_type="application/zip")
    assert client.get(client.url(a, document, "original")).status_code == 200
    actions = [(r.attachment_id, r.action) for r in _rows()]
    assert actions == [(photo.pk, "view"), (photo.pk, "download"), (document.pk, "download")]
    # Opened with a signed link alone (passed on, or an API client): the address, nobody's name.
    assert {r.actor_id for r in _rows()} == {None}


def test_a_played_video_is_one_view_not_one_per_range_request(a, settings):
    video = client.attachment(a, BIG, category="video", mime_type="video/mp4", file_name="v.mp4")
    headers = session_headers(a)
    for start in (0, 65536, 1_000_000, 3_000_000):
        answer = client.get(client.url(a, video, "playback"), {**headers, "Range": f"bytes={start}-"})
        assert answer.status_code == 206
    assert [(r.action, r.variant) for r in _rows()] == [("view", "playback")]
    assert client.get(client.url(a, video, "playback"), {"Range": "bytes=0-"}).status_code == 206
    assert len(_rows()) == 2, "another person (here: no session) opening it is another row"
    settings.AUDIT_LOG_REPEAT_SECONDS = 0
    client.get(client.url(a, video, "playback"), headers)
    assert len(_rows()) == 3, "past AUDIT_LOG_REPEAT_SECONDS it is a new view"


def test_session_and_token_without_a_signature_are_recorded_as_such(a):
    photo = _photo(a)
    path = f"/media/{photo.id}/preview"
    assert client.get(path, session_headers(a)).status_code == 200
    assert client.get(path, token_headers(a)).status_code == 200
    rows = _rows()
    assert [(r.via, r.actor_id) for r in rows] == [("session", a.user.pk), ("token", a.user.pk)]


def test_another_tenants_session_names_nobody_and_refusals_are_not_rows(a, b):
    photo = _photo(a)
    assert client.get(client.url(a, photo, "preview"), session_headers(b)).status_code == 200
    assert client.get(f"/media/{photo.id}/preview", session_headers(b)).status_code == 404
    tampered = client.url(a, photo, "preview").replace("sig=", "sig=x")
    assert client.get(tampered).status_code == 403
    assert client.get(client.url(a, photo, "preview"), method="HEAD").status_code == 200
    [row] = _rows()
    assert (row.tenant_id, row.actor_id) == (a.tenant.pk, None)


def test_the_serving_path_writes_in_the_background_within_the_flush_interval(a, settings):
    settings.AUDIT_LOG_FLUSH_SECONDS = 0.05
    photo = _photo(a)
    client.get(client.url(a, photo, "preview"), session_headers(a))
    deadline = time.monotonic() + 10
    while not AuditEvent.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert AuditEvent.objects.get().actor_id == a.user.pk


def test_a_full_buffer_drops_rows_and_counts_them_never_the_request(a, settings):
    settings.AUDIT_LOG_BUFFER_MAX = 1
    first, second = _photo(a), _photo(a)
    before = counters.value(audit_log.DROPPED)
    assert client.get(client.url(a, first, "preview")).status_code == 200
    assert client.get(client.url(a, second, "preview")).status_code == 200
    assert counters.value(audit_log.DROPPED) == before + 1
    assert [r.attachment_id for r in _rows()] == [first.pk]


def test_rows_of_a_tenant_deleted_meanwhile_go_and_the_others_are_written(a, b):
    mine, theirs = _photo(a), _photo(b)
    client.get(client.url(a, mine, "preview"))
    client.get(client.url(b, theirs, "preview"))
    b.tenant.delete()
    assert [r.attachment_id for r in _rows()] == [mine.pk]


# --- Django paths -------------------------------------------------------------------------------------
@pytest.fixture
def stored(world_a, storage):
    _admin(world_a)
    world_a.attachment.original = store_blob(world_a.tenant, io.BytesIO(b"the photo"), "image/jpeg")
    world_a.attachment.save()
    return world_a


def test_a_zip_of_the_chat_is_a_download_of_each_file(stored):
    ids = str(stored.attachment.pk)
    answer = stored.client().get(f"/api/conversations/{stored.conversation.pk}/media.zip", {"ids": ids})
    assert answer.status_code == 200
    [row] = _rows()
    assert (row.action, row.via, row.attachment_id, row.actor_id) == (
        "download", "zip", stored.attachment.pk, stored.user.pk,
    )  # fmt: skip


def test_the_file_of_a_deleted_message_read_by_an_admin_is_a_download(stored):
    Message.objects.filter(pk=stored.message.pk).update(deleted_at=timezone.now())
    answer = stored.client().get(f"/api/attachments/{stored.attachment.pk}/audit/")
    assert answer.status_code == 200
    [row] = _rows()
    assert (row.action, row.via, row.detail) == ("download", "api", {"deleted_message": True})


def test_an_export_is_a_row_per_file_and_names_the_admin(stored):
    phone = stored.conversation.remote_jid.split("@")[0]
    link = stored.client().post("/api/exports/", {"phone": phone}, format="json").json()["url"]
    answer = stored.client().get(link, HTTP_USER_AGENT="curl/8")
    assert answer.status_code == 200
    b"".join(answer.streaming_content)
    [row] = _rows()
    assert (row.action, row.via, row.actor_id, row.user_agent) == (
        "export",
        "export",
        stored.user.pk,
        "curl/8",
    )
    assert row.detail == {"files": 1, "conversations": 1}


def test_a_forward_is_a_row_per_file_with_the_chats_it_went_to(stored, monkeypatch):
    from chatmedia.whatsapp import tasks

    monkeypatch.setattr(tasks.send_outgoing, "delay", lambda *args: None)
    monkeypatch.setattr(tasks.send_text, "delay", lambda *args: None)
    configure(stored.tenant, url="http://127.0.0.1:9", instance="loja", token="t")  # can send
    Attachment.objects.filter(pk=stored.attachment.pk).update(status="ready")
    other = new_conversation(stored.tenant, remote_jid="5511900001111@s.whatsapp.net")
    answer = stored.client().post(
        "/api/messages/forward/",
        {"messages": [str(stored.message.pk)], "conversations": [str(other.pk)]},
        format="json",
    )
    assert answer.status_code == 201, answer.content
    [row] = _rows()
    assert (row.action, row.attachment_id, row.detail) == (
        "forward",
        stored.attachment.pk,
        {"to": [str(other.pk)]},
    )


def test_removal_retention_and_erasure_are_deletions_with_their_reason(
    stored, django_capture_on_commit_callbacks
):
    answer = stored.client().delete(f"/api/attachments/{stored.attachment.pk}/")
    assert answer.status_code == 200
    [removed] = _rows()
    assert (removed.action, removed.via, removed.actor_id) == ("delete", "api", stored.user.pk)

    old = Attachment.objects.create(
        tenant=stored.tenant, conversation=stored.conversation, message=stored.message, category="voice",
        status="ready", mime_type="audio/ogg",
        original=store_blob(stored.tenant, io.BytesIO(b"a voice note"), "audio/ogg"),
    )  # fmt: skip
    Attachment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    stored.tenant.media_retention_days = {"voice": 90}
    stored.tenant.save()
    retention.remove_expired()
    [expired] = _rows(via="retention")
    assert (expired.action, expired.attachment_id, expired.actor_id) == ("delete", old.pk, None)

    kept = Attachment.objects.create(
        tenant=stored.tenant, conversation=stored.conversation, message=stored.message, category="image",
        status="ready", mime_type="image/jpeg",
        original=store_blob(stored.tenant, io.BytesIO(b"another photo"), "image/jpeg"),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        started = erasure.start(stored.tenant, stored.conversation.remote_jid.split("@")[0], stored.user)
    erasure.run(started.pk)
    [erased] = _rows(via="erasure")
    assert (erased.attachment_id, erased.actor_id, erased.actor_name) == (
        kept.pk,
        stored.user.pk,
        stored.user.username,
    )
    assert AuditEvent.objects.count() == 3, "the erasure keeps the audit log (it names no content)"


# --- reading and keeping ------------------------------------------------------------------------------
def _event(world, **fields) -> AuditEvent:
    defaults = {
        "tenant": world.tenant,
        "action": "view",
        "via": "signed_url",
        "attachment_id": world.attachment.pk,
    }
    return AuditEvent.objects.create(**{**defaults, **fields})


def test_admins_search_their_own_tenants_log_and_agents_may_not(world_a, world_b):
    mine = _event(world_a, actor_id=world_a.user.pk, actor_name="ana")
    older = _event(world_a, action="download", at=timezone.now() - timedelta(days=3))
    _event(world_b)
    assert world_a.client().get("/api/audit-log/").status_code == 403
    _admin(world_a)
    listed = world_a.client().get("/api/audit-log/").json()
    assert listed["results"][0]["id"] == mine.pk and len(listed["results"]) == 2

    def ids(**query):
        answer = world_a.client().get("/api/audit-log/", query)
        assert answer.status_code == 200, answer.content
        return [r["id"] for r in answer.json()["results"]]

    assert ids(action="view") == [mine.pk]
    assert ids(actor=world_a.user.pk) == [mine.pk]
    assert len(ids(attachment=world_a.attachment.pk)) == 2
    assert ids(since=(timezone.now() - timedelta(days=1)).date().isoformat()) == [mine.pk]
    assert len(ids(until=timezone.now().isoformat())) == 2
    assert len(ids(until=timezone.localdate().isoformat())) == 2, "a date alone: up to its end"
    assert ids(until=(timezone.localdate() - timedelta(days=1)).isoformat()) == [older.pk]
    for bad in [
        {"action": "edit"},
        {"since": "ontem"},
        {"attachment": "x"},
        {"actor": "ana"},
        {"actor": "9" * 5000},
        {"actor": "9" * 20},
    ]:
        answer = world_a.client().get("/api/audit-log/", bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_filter"


def test_no_row_is_ever_changed_nor_deletable_in_the_admin(world_a, rf):
    row = _event(world_a)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=row.pk).update(actor_name="someone else")
    assert AuditEvent.objects.get(pk=row.pk).actor_name == ""
    admin = AuditEventAdmin(AuditEvent, None)
    request = rf.get("/")
    assert not (admin.has_add_permission(request) or admin.has_change_permission(request, row))
    assert not admin.has_delete_permission(request, row)


def test_rows_past_their_time_are_deleted_in_batches(world_a, settings):
    settings.AUDIT_LOG_RETENTION_DAYS, settings.AUDIT_LOG_EXPIRE_BATCH = 30, 2
    old = [_event(world_a, at=timezone.now() - timedelta(days=31)) for _ in range(5)]
    recent = _event(world_a, at=timezone.now() - timedelta(days=29))
    assert audit_log.expire_old() == len(old)
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]
