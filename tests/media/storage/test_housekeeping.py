"""Housekeeping against both backends: abandoned uploads, orphaned upload objects and multipart
uploads, blobs nobody refers to, blobs released when their message is deleted, usage per tenant."""

from __future__ import annotations

import io
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from chatmedia.celery import app
from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media.models import Blob, Upload
from chatmedia.media.storage import housekeeping
from chatmedia.media.storage.blobs import store_blob
from chatmedia.media.storage.keys import incoming_upload_key
from chatmedia.media.tasks import run_housekeeping
from chatmedia.media.uploads import direct as uploads
from chatmedia.tenancy.models import Tenant
from tests.media.upload_client import MiB

LATER = timedelta(days=2)


def start(agent, size=1000, **fields):
    request = uploads.NewUpload(
        conversation_id=str(agent.conversation.id),
        file_name=fields.get("file_name", "a.pdf"),
        mime_type=fields.get("mime_type", "application/pdf"),
        size=size,
    )
    attachment, _ = uploads.start(agent.tenant, request)
    return attachment, Upload.objects.get(attachment=attachment)


def test_abandoned_uploads_are_deleted_with_their_bytes(agent, storage, public_base_url, published):
    attachment, upload = start(agent, size=20 * MiB)  # multipart
    storage.save(upload.storage_key, io.BytesIO(b"half"), "application/pdf")
    fresh, fresh_upload = start(agent)
    message_id = str(attachment.message_id)
    Upload.objects.filter(pk=upload.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.UPLOAD_ABANDONED_AFTER_SECONDS + 1)
    )
    assert housekeeping.expire_uploads() == 1
    assert not Attachment.objects.filter(pk=attachment.pk).exists()
    assert not Message.objects.filter(pk=message_id).exists()
    assert not storage.exists(upload.storage_key)
    if storage.name == "local":  # s3rver lacks ListMultipartUploads and Abort (moto covers the S3 calls)
        assert list(storage.list_multipart("")) == []
    assert ("message.deleted", {"id": message_id, "conversation": str(agent.conversation.id)}) in published
    assert Attachment.objects.get(pk=fresh.pk).status == "uploading"  # a fresh one stays
    assert Upload.objects.filter(pk=fresh_upload.pk).exists()


def test_completed_uploads_are_never_expired(agent, storage, public_base_url, queued_sends):
    attachment, upload = start(agent)
    Upload.objects.filter(pk=upload.pk).update(completed_at=timezone.now(), created_at=timezone.now() - LATER)
    assert housekeeping.expire_uploads() == 0
    assert Attachment.objects.filter(pk=attachment.pk).exists()


def test_orphaned_upload_objects_are_swept(agent, storage, public_base_url):
    _, live = start(agent)
    storage.save(live.storage_key, io.BytesIO(b"in progress"), "application/pdf")
    orphan = incoming_upload_key(agent.tenant.id, "00000000-0000-4000-8000-000000000001")
    storage.save(orphan, io.BytesIO(b"a cancelled PUT that landed late"), "application/pdf")
    assert housekeeping.sweep_incoming() == 0  # too young: a writer may be about to record it
    assert housekeeping.sweep_incoming(timezone.now() + LATER) >= 1
    assert not storage.exists(orphan) and storage.exists(live.storage_key)


def test_orphaned_multipart_uploads_are_aborted(agent, bookkeeping_storage):
    storage = bookkeeping_storage  # s3rver lacks ListMultipartUploads (that step logs, the rest runs)
    key = incoming_upload_key(agent.tenant.id, "00000000-0000-4000-8000-000000000002")
    storage.create_multipart(key, "application/pdf")
    _, live = start(agent, size=20 * MiB)
    assert housekeeping.sweep_incoming(timezone.now() + LATER) == 1
    assert [k for k, _, _ in storage.list_multipart("")] == [live.storage_key]


def test_blobs_nobody_refers_to_are_released(agent, storage):
    orphan = store_blob(agent.tenant, io.BytesIO(b"orphan bytes"), "image/jpeg")
    used = store_blob(agent.tenant, io.BytesIO(b"used bytes"), "image/jpeg")
    agent.attachment.original = used
    agent.attachment.save()
    assert housekeeping.release_orphan_blobs() == 0  # too young
    assert housekeeping.release_orphan_blobs(timezone.now() + LATER) == 1
    assert not Blob.objects.filter(pk=orphan.pk).exists() and not storage.exists(orphan.storage_key)
    assert storage.exists(used.storage_key)


def test_deleting_a_message_releases_blobs_only_when_unshared(agent, storage):
    shared = store_blob(agent.tenant, io.BytesIO(b"forwarded photo"), "image/jpeg")
    thumb = store_blob(agent.tenant, io.BytesIO(b"its thumbnail"), "image/webp")
    agent.attachment.original = shared
    agent.attachment.save()
    Rendition.objects.create(attachment=agent.attachment, variant="thumb", blob=thumb)
    forwarded = Message.objects.create(
        tenant=agent.tenant, conversation=agent.conversation, direction="in", wa_message_id="FWD"
    )
    Attachment.objects.create(
        tenant=agent.tenant,
        conversation=agent.conversation,
        message=forwarded,
        category="image",
        original=shared,
        status="ready",
    )
    agent.message.delete()
    assert storage.exists(shared.storage_key) and Blob.objects.filter(pk=shared.pk).exists()
    assert not storage.exists(thumb.storage_key) and not Blob.objects.filter(pk=thumb.pk).exists()
    forwarded.delete()
    assert not storage.exists(shared.storage_key) and not Blob.objects.filter(pk=shared.pk).exists()


def test_deleting_a_tenant_deletes_its_objects(agent, storage):
    blob = store_blob(agent.tenant, io.BytesIO(b"tenant bytes"), "image/jpeg")
    agent.attachment.original = blob
    agent.attachment.save()
    Tenant.objects.filter(pk=agent.tenant.pk).delete()
    assert not storage.exists(blob.storage_key)


def test_usage_is_recorded_per_tenant(agent, storage):
    store_blob(agent.tenant, io.BytesIO(b"x" * 1000), "application/pdf")
    store_blob(agent.tenant, io.BytesIO(b"y" * 500), "application/pdf")
    report = run_housekeeping.apply().get()
    assert report["tenants_counted"] >= 1 and report["uploads_expired"] == 0
    agent.tenant.refresh_from_db()
    assert agent.tenant.storage_used_bytes == 1500 and agent.tenant.storage_counted_at is not None


def test_beat_runs_housekeeping_on_its_queue():
    entry = app.conf.beat_schedule["media-housekeeping"]
    assert entry["task"] == "media.housekeeping"
    assert entry["schedule"] == float(settings.HOUSEKEEPING_INTERVAL_SECONDS)
    assert app.amqp.router.route({}, "media.housekeeping")["queue"].name == "media_upload"
