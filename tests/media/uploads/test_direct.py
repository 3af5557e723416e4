"""The upload contract against both backends (local disk, and s3rver which checks SigV4, expiry and
the signed Content-Type): validation before any byte moves, presigned PUT and multipart, verification
at completion (size and type lies), double completion, cancel, expired URLs."""

from __future__ import annotations

import time
import uuid

import httpx
import pytest

from chatmedia.chat.models import Attachment, Message
from chatmedia.media.models import Upload
from chatmedia.media.storage import media_storage
from tests.conftest import make_world
from tests.media.upload_client import MiB, UploadClient, jpeg_bytes, pdf_bytes

PDF_1K = pdf_bytes(1)


def error_of(body: dict) -> str:
    return body["error"]["code"]


def test_small_file_one_presigned_put_then_processing(uploads, agent, storage, queued_sends, published):
    data = jpeg_bytes(800, 600)
    started = uploads.start(
        agent.conversation.id, data, file_name="foto.jpg", mime_type="image/jpeg", caption="Oi"
    )
    assert started.status == 201, started.body
    assert started.body["status"] == "uploading"
    assert set(started.upload) == {"method", "url", "headers"}
    assert started.upload["method"] == "PUT" and started.upload["headers"] == {"Content-Type": "image/jpeg"}
    uploads.put(started, data)
    status, body = uploads.complete(started.id)
    assert (status, body) == (202, {"id": started.id, "status": "processing"})
    assert queued_sends == [started.id]
    attachment = Attachment.objects.select_related("message").get(pk=started.id)
    assert attachment.category == "image" and attachment.message.text == "Oi"
    assert attachment.message.status == "processing" and attachment.message.direction == "out"
    assert Upload.objects.get(attachment=attachment).completed_at is not None
    assert [event for event, _ in published] == ["message.created", "conversation.updated", "message.status"]
    agent.conversation.refresh_from_db()
    assert agent.conversation.last_activity_at == attachment.message.timestamp  # the chat moves up


def test_25_mb_pdf_goes_in_parts(uploads, agent, storage, queued_sends, settings):
    data = pdf_bytes(25 * MiB)
    started = uploads.start(
        agent.conversation.id, data, file_name="contrato.pdf", mime_type="application/pdf"
    )
    assert started.status == 201, started.body
    upload = started.upload
    assert upload["multipart"] is True and upload["part_size"] == settings.UPLOAD_PART_BYTES
    assert [p["number"] for p in upload["parts"]] == [1, 2, 3, 4]
    parts = uploads.put(started, data)
    status, body = uploads.complete(started.id, parts)
    assert status == 202, body
    key = Upload.objects.get(attachment_id=started.id).storage_key
    assert storage.size(key) == len(data)
    assert b"".join(storage.open_range(key, 0, 7)) == b"%PDF-1.4"
    assert queued_sends == [started.id]


def test_more_part_urls_and_part_listing_to_resume(uploads, agent, storage, settings):
    settings.UPLOAD_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    settings.UPLOAD_PART_BYTES = 5 * MiB
    data = pdf_bytes(11 * MiB)
    started = uploads.start(agent.conversation.id, data, mime_type="application/pdf")
    first = started.upload["parts"][0]
    assert httpx.put(first["url"], content=data[: 5 * MiB], timeout=30).status_code == 200
    status, body = uploads.post(f"/api/uploads/{started.id}/parts/", {"numbers": [2, 3]})
    assert status == 200 and [p["number"] for p in body["parts"]] == [2, 3]
    status, body = uploads.post(f"/api/uploads/{started.id}/parts/", {"numbers": [9]})
    assert (status, error_of(body)) == (400, "no_such_part")
    if (
        storage.name == "local"
    ):  # s3rver has no ListParts (moto covers the S3 code: test_multipart_bookkeeping)
        status, body = uploads.get(f"/api/uploads/{started.id}/parts/")
        assert status == 200 and [p["number"] for p in body["parts"]] == [1]


@pytest.mark.parametrize(
    ("fields", "status", "code"),
    [
        ({"mime_type": "application/x-msdownload", "file_name": "setup.exe"}, 415, "type_not_allowed"),
        ({"mime_type": "image/svg+xml", "file_name": "logo.svg"}, 415, "type_not_allowed"),
        ({"mime_type": "image/jpeg", "size": 17 * MiB}, 413, "too_large"),
        ({"mime_type": "application/pdf", "size": 101 * MiB}, 413, "too_large"),
        ({"mime_type": "application/pdf", "size": 0}, 400, "empty"),
        ({"mime_type": "image/jpeg", "voice": True}, 415, "type_not_allowed"),
        ({"mime_type": "audio/webm", "voice": True, "caption": "no"}, 400, "caption_not_allowed"),
        ({"mime_type": "image/jpeg", "caption": "x" * 1025}, 400, "caption_too_long"),
        ({"mime_type": "application/pdf", "size": -1}, 400, "invalid"),
    ],
)
def test_refused_before_any_byte_moves(uploads, agent, storage, fields, status, code):
    fields = {"size": 1000, "file_name": "f", **fields}
    started = uploads.start(agent.conversation.id, **fields)
    assert (started.status, error_of(started.body)) == (status, code), started.body
    assert started.body["error"]["message"]
    assert not Upload.objects.exists() and not Message.objects.filter(direction="out").exists()
    assert list(storage.list_keys(f"t/{agent.tenant.id}/")) == []


def test_unknown_or_foreign_conversation_and_no_whatsapp(uploads, agent, django_user_model):
    other = make_world("someone-else", django_user_model)
    for conversation in (uuid.uuid4(), other.conversation.id):
        started = uploads.start(conversation, PDF_1K)
        assert (started.status, error_of(started.body)) == (404, "conversation_not_found")
    own = UploadClient(other.client()).start(other.conversation.id, PDF_1K)
    assert (own.status, error_of(own.body)) == (409, "whatsapp_not_connected")


def test_quota_counts_stored_and_uploading_bytes(uploads, agent, storage, settings):
    agent.tenant.storage_quota_bytes = 3 * MiB
    agent.tenant.save()
    first = uploads.start(agent.conversation.id, size=2 * MiB, mime_type="application/pdf", file_name="a.pdf")
    assert first.status == 201
    second = uploads.start(
        agent.conversation.id, size=2 * MiB, mime_type="application/pdf", file_name="b.pdf"
    )
    assert (second.status, error_of(second.body)) == (403, "quota_exceeded")
    status, usage = uploads.get("/api/usage/")
    assert status == 200
    assert usage["uploading_bytes"] == 2 * MiB and usage["quota_bytes"] == 3 * MiB
    assert usage["free_bytes"] == 1 * MiB


def test_size_lie_caught_at_completion_and_bytes_deleted(uploads, agent, storage, settings, published):
    settings.UPLOAD_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    settings.UPLOAD_PART_BYTES = 5 * MiB
    declared = 9 * MiB
    started = uploads.start(agent.conversation.id, size=declared, mime_type="application/pdf")
    key = Upload.objects.get(attachment_id=started.id).storage_key
    data = pdf_bytes(6 * MiB)  # parts have no signed length: the client sends less than it declared
    parts = []
    for part, chunk in zip(started.upload["parts"], (data[: 5 * MiB], data[5 * MiB :]), strict=True):
        response = httpx.put(part["url"], content=chunk, timeout=30)
        parts.append({"number": part["number"], "etag": response.headers["ETag"]})
    status, body = uploads.complete(started.id, parts)
    assert (status, error_of(body)) == (422, "size_mismatch"), body
    assert str(len(data)) in body["error"]["message"]
    attachment = Attachment.objects.select_related("message").get(pk=started.id)
    assert attachment.status == "failed" and attachment.error_code == "size_mismatch"
    assert attachment.message.status == "failed"
    assert not storage.exists(key) and not Upload.objects.exists()
    events = [event for event, _ in published]
    assert events[-2:] == ["attachment.failed", "message.status"]
    assert published[-1][1]["error"]["code"] == "size_mismatch"


def test_single_put_cannot_carry_another_length(uploads, agent, storage):
    data = PDF_1K
    started = uploads.start(agent.conversation.id, size=len(data) + 10, mime_type="application/pdf")
    response = httpx.put(started.upload["url"], content=data, headers=started.upload["headers"], timeout=30)
    assert response.status_code == 403  # the length is signed into the URL


def test_type_lie_caught_at_completion(uploads, agent, storage):
    data = pdf_bytes(200_000)
    started, status, body = uploads.send(
        agent.conversation.id, data, file_name="foto.jpg", mime_type="image/jpeg"
    )
    assert (status, error_of(body)) == (422, "type_mismatch"), body
    assert "application/pdf" in body["error"]["message"]
    assert Attachment.objects.get(pk=started.id).status == "failed"
    assert list(storage.list_keys(f"t/{agent.tenant.id}/")) == []


def test_executable_renamed_to_pdf_is_refused(uploads, agent, storage):
    data = b"MZ\x90\x00" + b"\x00" * 4000
    _, status, body = uploads.send(
        agent.conversation.id, data, file_name="nota.pdf", mime_type="application/pdf"
    )
    assert (status, error_of(body)) == (422, "type_mismatch")


def test_completing_before_the_bytes_arrive_fails_cleanly(uploads, agent, storage):
    started = uploads.start(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    status, body = uploads.complete(started.id)
    assert (status, error_of(body)) == (422, "not_uploaded")


def test_double_completion_queues_one_send(uploads, agent, storage, queued_sends):
    started, status, _ = uploads.send(
        agent.conversation.id, PDF_1K, file_name="a.pdf", mime_type="application/pdf"
    )
    assert status == 202
    again = uploads.complete(started.id)
    assert again == (202, {"id": started.id, "status": "processing"})
    assert queued_sends == [started.id]


def test_expired_upload_url_is_refused(uploads, agent, storage, settings):
    settings.UPLOAD_URL_TTL_SECONDS = 1
    started = uploads.start(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    time.sleep(2.1)
    response = httpx.put(started.upload["url"], content=PDF_1K, headers=started.upload["headers"], timeout=30)
    assert response.status_code == 403
    assert not storage.exists(Upload.objects.get(attachment_id=started.id).storage_key)


def test_upload_url_refuses_another_content_type(uploads, agent, storage):
    started = uploads.start(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    response = httpx.put(
        started.upload["url"], content=PDF_1K, headers={"Content-Type": "text/html"}, timeout=30
    )
    assert response.status_code == 403


def test_cancel_mid_upload_leaves_nothing(uploads, agent, storage, settings, published):
    settings.UPLOAD_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    settings.UPLOAD_PART_BYTES = 5 * MiB
    data = pdf_bytes(12 * MiB)
    started = uploads.start(agent.conversation.id, data, mime_type="application/pdf")
    upload = Upload.objects.get(attachment_id=started.id)
    message_id = str(upload.attachment.message_id)
    first = started.upload["parts"][0]
    assert httpx.put(first["url"], content=data[: 5 * MiB], timeout=30).status_code == 200
    status, body = uploads.post(f"/api/uploads/{started.id}/cancel/")
    assert (status, body) == (200, {"id": started.id, "status": "cancelled"})
    assert not Attachment.objects.filter(pk=started.id).exists()
    assert not Message.objects.filter(direction="out").exists() and not Upload.objects.exists()
    assert not storage.exists(upload.storage_key)
    assert list(storage.list_keys(f"t/{agent.tenant.id}/")) == []
    if storage.name == "local":  # s3rver has no AbortMultipartUpload (moto: test_multipart_bookkeeping)
        assert list(storage.list_multipart("")) == []
        late = httpx.put(started.upload["parts"][1]["url"], content=data[5 * MiB : 10 * MiB], timeout=30)
        assert late.status_code == 404  # the aborted upload takes no more parts
    assert published[-1] == (
        "message.deleted",
        {"id": message_id, "conversation": str(agent.conversation.id)},
    )
    status, body = uploads.complete(started.id)
    assert (status, error_of(body)) == (404, "not_found")


def test_cancel_after_completion_is_too_late(uploads, agent, storage):
    started, status, _ = uploads.send(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    status, body = uploads.post(f"/api/uploads/{started.id}/cancel/")
    assert (status, error_of(body)) == (409, "too_late")


def test_another_tenant_cannot_touch_an_upload(uploads, agent, storage, django_user_model):
    started = uploads.start(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    other = UploadClient(make_world("intruder", django_user_model).client())
    for action in ("complete", "cancel", "parts"):
        status, body = other.post(f"/api/uploads/{started.id}/{action}/")
        assert status == 404, (action, body)
    assert Attachment.objects.get(pk=started.id).status == "uploading"


def test_storage_down_at_start_is_503(uploads, agent, storage, monkeypatch):
    from chatmedia.media.storage import StorageError

    def broken(*args, **kwargs):
        raise StorageError("down")

    monkeypatch.setattr(type(media_storage()), "presign_put", broken)
    started = uploads.start(agent.conversation.id, PDF_1K, mime_type="application/pdf")
    assert (started.status, error_of(started.body)) == (503, "storage_unavailable")
    assert not Message.objects.filter(direction="out").exists()


def test_recording_labelled_as_video_is_taken_as_a_voice_note(uploads, agent, storage):
    started = uploads.start(
        agent.conversation.id, size=5000, file_name="gravacao.webm", mime_type="video/webm", voice=True
    )
    assert started.status == 201, started.body
    assert started.upload["headers"] == {"Content-Type": "audio/webm"}
    assert Attachment.objects.get(pk=started.id).category == "voice"


def test_files_reviewed_together_are_sent_in_the_order_chosen(
    uploads, agent, storage, queued_sends, django_capture_on_commit_callbacks
):
    from chatmedia.whatsapp import sending

    first_data, second_data = jpeg_bytes(800, 600), pdf_bytes(20_000)
    first = uploads.start(agent.conversation.id, first_data, file_name="foto.jpg", mime_type="image/jpeg")
    second = uploads.start(
        agent.conversation.id,
        second_data,
        file_name="proposta.pdf",
        mime_type="application/pdf",
        after=first.id,
    )
    # Another chat's or an unknown upload orders nothing.
    alone = uploads.start(
        agent.conversation.id,
        second_data,
        file_name="outra.pdf",
        mime_type="application/pdf",
        after=str(uuid.uuid4()),
    )
    uploads.put(first, first_data)
    uploads.put(second, second_data)
    uploads.put(alone, second_data)
    # The second is complete first (a faster transfer, a worker free sooner): it waits for the photo.
    assert uploads.complete(second.id)[0] == 202
    assert uploads.complete(alone.id)[0] == 202
    assert queued_sends == [alone.id]
    assert uploads.complete(first.id)[0] == 202
    assert queued_sends == [alone.id, first.id]
    photo = Attachment.objects.get(pk=first.id).message
    with django_capture_on_commit_callbacks(execute=True):
        sending.confirm(photo.pk, "3EB0REVIEWED01")
    assert queued_sends == [alone.id, first.id, second.id]


def test_a_cancelled_file_lets_the_next_one_go(uploads, agent, storage, queued_sends):
    data = pdf_bytes(20_000)
    first = uploads.start(agent.conversation.id, data, file_name="a.pdf", mime_type="application/pdf")
    second = uploads.start(
        agent.conversation.id, data, file_name="b.pdf", mime_type="application/pdf", after=first.id
    )
    uploads.put(second, data)
    assert uploads.complete(second.id)[0] == 202 and queued_sends == []
    assert uploads.post(f"/api/uploads/{first.id}/cancel/")[0] == 200
    assert queued_sends == [second.id]
