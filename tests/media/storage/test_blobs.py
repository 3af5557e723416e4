"""Content-addressed blobs: the same bytes are stored once per tenant; the last reference frees them."""

from __future__ import annotations

import hashlib
import io
import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.blobs import TooLarge, release_blob, release_many, settle, store_blob
from chatmedia.media.storage.keys import blob_key


def test_same_bytes_stored_once_per_tenant(world_a, world_b):
    data = b"forwarded photo bytes" * 100
    first = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    again = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    other_tenant = store_blob(world_b.tenant, io.BytesIO(data), "image/jpeg")
    assert first.pk == again.pk
    assert other_tenant.pk != first.pk  # tenants never share objects
    assert first.sha256 == hashlib.sha256(data).hexdigest()
    assert first.storage_key == blob_key(world_a.tenant.id, first.sha256)
    assert first.size == len(data)
    assert b"".join(media_storage().iter_chunks(first.storage_key)) == data
    assert Blob.objects.filter(tenant=world_a.tenant).count() == 1


def test_database_enforces_one_blob_per_tenant_and_hash(world_a):
    blob = store_blob(world_a.tenant, io.BytesIO(b"x"), "text/plain")
    with pytest.raises(IntegrityError):
        Blob.objects.create(
            tenant=world_a.tenant, sha256=blob.sha256, size=1, content_type="text/plain", storage_key="other"
        )


def test_size_limit_is_enforced_while_streaming(world_a):
    with pytest.raises(TooLarge):
        store_blob(world_a.tenant, io.BytesIO(b"y" * 1001), "text/plain", max_bytes=1000)
    assert not Blob.objects.exists()


def test_release_deletes_only_unreferenced_blobs(world_a):
    blob = store_blob(world_a.tenant, io.BytesIO(b"avatar"), "image/jpeg")
    world_a.attachment.original = blob
    world_a.attachment.save()
    assert release_blob(blob) is False
    assert media_storage().exists(blob.storage_key)
    world_a.attachment.original = None
    world_a.attachment.save()
    assert release_blob(blob) is True
    assert not media_storage().exists(blob.storage_key)
    assert not Blob.objects.filter(pk=blob.pk).exists()


def test_keys_never_contain_user_input():
    with pytest.raises(ValueError):
        blob_key("00000000-0000-4000-8000-000000000000", "../../etc/passwd")


def test_bytes_handed_out_again_wait_for_their_writer_before_release(world_a, settings):
    """A second writer of the same bytes (the same default picture for two contacts) is handed the
    existing row and refers to it a moment later: releasing it in between must not delete it."""
    data = b"same default profile picture" * 50
    blob = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    assert Blob.objects.get(pk=blob.pk).reused_at is None
    again = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    assert again.pk == blob.pk and Blob.objects.get(pk=blob.pk).reused_at is not None
    assert release_blob(blob) is False
    assert media_storage().exists(blob.storage_key)
    settings.MEDIA_BLOB_REUSE_GRACE_SECONDS = 0  # the writer had its time: nothing refers to it
    assert release_blob(blob) is True
    assert not media_storage().exists(blob.storage_key)


def test_a_writer_that_stored_its_reference_lifts_the_protection_unless_another_came(world_a, settings):
    data = b"thumb and preview of a tiny photo are the same bytes" * 20
    store_blob(world_a.tenant, io.BytesIO(data), "image/webp")
    first = store_blob(world_a.tenant, io.BytesIO(data), "image/webp")
    second = store_blob(world_a.tenant, io.BytesIO(data), "image/webp")
    settle(first)  # an older claim: the second writer still has not referred to it
    assert Blob.objects.get(pk=first.pk).reused_at is not None
    assert release_blob(first) is False
    settle(second)
    assert Blob.objects.get(pk=first.pk).reused_at is None
    assert release_blob(first) is True


def test_bytes_whose_object_was_lost_are_written_again_when_stored_again(world_a):
    data = b"an object someone removed by hand"
    blob = store_blob(world_a.tenant, io.BytesIO(data), "application/pdf")
    media_storage().delete(blob.storage_key)
    assert store_blob(world_a.tenant, io.BytesIO(data), "application/pdf").pk == blob.pk
    assert b"".join(media_storage().iter_chunks(blob.storage_key)) == data


@pytest.mark.django_db(transaction=True)
def test_a_release_racing_a_writer_of_the_same_bytes_never_deletes_the_writers_object(world_a, monkeypatch):
    """The release deletes the object, then the row; a writer of the same bytes (same content key)
    comes in between. Whatever the order, the writer ends with a row whose object exists (before,
    a late delete removed the object the writer had just put back)."""
    data = b"a photo forwarded twice" * 40
    blob = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    storage = media_storage()
    deleting, writer_started = threading.Event(), threading.Event()
    real_delete = type(storage).delete

    def slow_delete(self, key):
        deleting.set()
        writer_started.wait(5)
        time.sleep(0.3)  # the writer is now inside store_blob, racing us
        real_delete(self, key)

    monkeypatch.setattr(type(storage), "delete", slow_delete)
    results = []

    def release():
        try:
            results.append(release_blob(blob))
        finally:
            connection.close()

    releaser = threading.Thread(target=release)
    releaser.start()
    assert deleting.wait(10)
    writer_started.set()
    stored = store_blob(world_a.tenant, io.BytesIO(data), "image/jpeg")
    releaser.join(20)
    assert not releaser.is_alive() and results == [True]
    monkeypatch.setattr(type(storage), "delete", real_delete)
    assert Blob.objects.filter(pk=stored.pk).exists()
    assert b"".join(media_storage().iter_chunks(stored.storage_key)) == data


def test_many_released_at_once_keep_what_is_still_used_in_few_storage_calls(
    world_a, storage, settings, monkeypatch
):
    """release_many (retention, an erasure): a referenced blob and one just handed out again stay;
    the rest go, rows and objects, with one storage call per batch on S3."""
    settings.BLOB_RELEASE_BATCH = 3
    blobs = [store_blob(world_a.tenant, io.BytesIO(f"voice {n}".encode()), "audio/ogg") for n in range(7)]
    world_a.attachment.original = blobs[0]
    world_a.attachment.save()
    Blob.objects.filter(pk=blobs[1].pk).update(reused_at=timezone.now())
    calls = []
    if storage.name == "s3":
        real = storage.client.delete_objects

        def counted(**kwargs):
            calls.append(len(kwargs["Delete"]["Objects"]))
            return real(**kwargs)

        monkeypatch.setattr(storage.client, "delete_objects", counted)
        monkeypatch.setattr(storage, "delete", lambda key: pytest.fail("one call per object"))
    in_order = sorted(blobs, key=lambda b: b.pk)
    assert release_many([b.pk for b in blobs] + [None]) == 5
    assert set(Blob.objects.values_list("pk", flat=True)) == {blobs[0].pk, blobs[1].pk}
    assert [storage.exists(b.storage_key) for b in blobs] == [True, True] + [False] * 5
    if storage.name == "s3":
        kept = {blobs[0].pk, blobs[1].pk}
        expected = [sum(b.pk not in kept for b in in_order[i : i + 3]) for i in range(0, 7, 3)]
        assert calls == [n for n in expected if n], "one DeleteObjects per batch of 3"


def test_a_batched_release_waits_for_the_commit_and_deletes_each_object_once(
    world_a, storage, monkeypatch, django_capture_on_commit_callbacks
):
    from chatmedia.chat.models import Rendition
    from chatmedia.media.storage import lifecycle

    photo = store_blob(world_a.tenant, io.BytesIO(b"photo"), "image/jpeg")
    thumb = store_blob(world_a.tenant, io.BytesIO(b"thumb"), "image/webp")
    world_a.attachment.original = photo
    world_a.attachment.save()
    Rendition.objects.create(attachment=world_a.attachment, variant="thumb", blob=thumb)
    deleted = []
    real = storage.delete_many
    monkeypatch.setattr(storage, "delete_many", lambda keys: deleted.extend(keys) or real(keys))
    if storage.name == "s3":
        monkeypatch.setattr(storage, "delete", lambda key: pytest.fail(f"{key} deleted alone"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic(), lifecycle.batched():
        world_a.attachment.delete()  # its rendition goes by cascade: both releases join the batch
        assert deleted == [] and storage.exists(photo.storage_key)
    assert sorted(deleted) == sorted([photo.storage_key, thumb.storage_key])
    assert not Blob.objects.filter(pk__in=[photo.pk, thumb.pk]).exists()
    assert not (storage.exists(photo.storage_key) or storage.exists(thumb.storage_key))
