"""Content-addressed blobs: the same bytes are stored once per tenant; the last reference frees them."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.db import IntegrityError

from chatmedia.media.blobs import TooLarge, release_blob, store_blob
from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
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
