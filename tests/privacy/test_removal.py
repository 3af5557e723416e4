"""Removing media on request (LGPD; privacy.removal, DELETE /api/attachments/<id>/ and
/api/messages/<id>/media/): no byte is left in storage (the bucket and the local media root are
listed), in the cache or in renditions; a blob another message still uses stays; only who may
remove does; the chat shows who removed it and when, live."""

from __future__ import annotations

import io

import pytest

from chatmedia.chat import search
from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media.models import Blob
from chatmedia.media.serving import cache, catalog
from chatmedia.media.storage.blobs import store_blob
from chatmedia.tenancy.models import Membership


def _stored(world, data: bytes, content_type: str) -> Blob:
    return store_blob(world.tenant, io.BytesIO(data), content_type)


@pytest.fixture
def photo(world_a, storage):
    """world_a's photo with its original and two renditions really stored."""
    attachment = world_a.attachment
    attachment.original = _stored(world_a, b"the customer's photo", "image/jpeg")
    attachment.metadata = {"width": 800, "height": 600}
    attachment.searchable_text = "RG de João"
    attachment.save()
    assert [hit.message_id for hit in search.search(world_a.tenant, "João")] == [world_a.message.pk]
    for variant in ("thumb", "preview"):
        Rendition.objects.create(
            attachment=attachment,
            variant=variant,
            blob=_stored(world_a, f"{variant} pixels".encode(), "image/webp"),
        )
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    return attachment


def _keys(storage, tenant) -> list[str]:
    return sorted(key for key, _ in storage.list_keys(f"t/{tenant.pk}/"))


def test_removing_a_file_leaves_no_byte_behind_and_says_who_and_when(
    world_a, photo, storage, published, django_capture_on_commit_callbacks
):
    assert len(_keys(storage, world_a.tenant)) == 3
    served = catalog.resolve(world_a.tenant.pk, photo.pk, "thumb")
    assert not isinstance(served, catalog.Refused)
    cache.put(catalog.cache_key(photo.pk, "thumb"), served)  # as the media app keeps it
    assert cache.local.get(catalog.cache_key(photo.pk, "thumb")) is not None
    with django_capture_on_commit_callbacks(execute=True):
        answer = world_a.client().delete(f"/api/attachments/{photo.pk}/")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["urls"] == {} and body["file_name"] == "" and body["size"] is None
    removed_at = body["metadata"]["removed"]["at"]
    assert body["metadata"] == {
        "removed": {"at": removed_at, "by": world_a.user.username, "reason": "request"}
    }
    assert _keys(storage, world_a.tenant) == []  # original and both renditions gone from storage
    assert not Blob.objects.filter(tenant=world_a.tenant).exists()
    assert not Rendition.objects.filter(attachment=photo).exists()
    assert cache.local.get(catalog.cache_key(photo.pk, "thumb")) is None
    assert cache.get_shared(catalog.cache_key(photo.pk, "thumb")) is None
    removed = Attachment.objects.get(pk=photo.pk)
    assert removed.searchable_text == "" and removed.removed_by == world_a.user
    # Search no longer finds the message by the file's text or name (it still does by its own text).
    assert search.search(world_a.tenant, "João") == [] and search.search(world_a.tenant, "foto") == []
    assert [hit.message_id for hit in search.search(world_a.tenant, "olá")] == [world_a.message.pk]
    for variant in ("original", "thumb", "preview"):
        refused = catalog.resolve(world_a.tenant.pk, photo.pk, variant)
        assert isinstance(refused, catalog.Refused) and (refused.code, refused.status) == ("removed", 410)
    assert [event for event, _ in published] == ["attachment.removed"]
    assert published[0][1]["attachment"]["metadata"]["removed"]["by"] == world_a.user.username
    # The message is still there, with its placeholder.
    shown = world_a.client().get(f"/api/messages/{world_a.message.pk}/").json()
    assert shown["text"] == "olá" and shown["attachments"][0]["metadata"]["removed"]
    # Again: the same answer, nobody told twice.
    with django_capture_on_commit_callbacks(execute=True):
        again = world_a.client().delete(f"/api/attachments/{photo.pk}/")
    assert again.status_code == 200 and len(published) == 1


def test_a_blob_another_message_still_uses_stays(world_a, photo, storage, django_capture_on_commit_callbacks):
    """The same photo forwarded into another chat message shares its blob: removing one keeps it."""
    other_message = Message.objects.create(
        tenant=world_a.tenant, conversation=world_a.conversation, wa_message_id="FWD1",
        direction=Message.Direction.OUTGOING, status=Message.Status.SENT,
    )  # fmt: skip
    forwarded = Attachment.objects.create(
        tenant=world_a.tenant, conversation=world_a.conversation, message=other_message,
        category="image", mime_type="image/jpeg", status="ready", original=photo.original,
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        assert world_a.client().delete(f"/api/attachments/{photo.pk}/").status_code == 200
    assert _keys(storage, world_a.tenant) == [photo.original.storage_key]  # the renditions went
    entry = catalog.resolve(world_a.tenant.pk, forwarded.pk, "original")
    assert not isinstance(entry, catalog.Refused) and entry.sha256 == photo.original.sha256


def test_only_admins_remove_unless_the_tenant_lets_agents(world_a, world_b, photo, storage):
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.AGENT)
    answer = world_a.client().delete(f"/api/attachments/{photo.pk}/")
    assert answer.status_code == 403 and answer.json()["error"]["code"] == "not_allowed"
    assert world_a.client().get("/api/me/").json()["may_remove_media"] is False
    assert len(_keys(storage, world_a.tenant)) == 3
    # Another tenant's admin does not even find it.
    Membership.objects.filter(user=world_b.user).update(role=Membership.Role.ADMIN)
    assert world_b.client().delete(f"/api/attachments/{photo.pk}/").status_code == 404
    assert world_b.client().delete(f"/api/messages/{world_a.message.pk}/media/").status_code == 404
    world_a.tenant.agents_may_remove_media = True
    world_a.tenant.save()
    assert world_a.client().get("/api/me/").json()["may_remove_media"] is True
    assert world_a.client().delete(f"/api/attachments/{photo.pk}/").status_code == 200


def test_removing_a_messages_media_removes_each_of_its_files(
    world_a, photo, storage, django_capture_on_commit_callbacks
):
    second = Attachment.objects.create(
        tenant=world_a.tenant, conversation=world_a.conversation, message=world_a.message,
        category="image", mime_type="image/jpeg", status="ready",
        original=_stored(world_a, b"the second photo of the album", "image/jpeg"),
    )  # fmt: skip
    with django_capture_on_commit_callbacks(execute=True):
        answer = world_a.client().delete(f"/api/messages/{world_a.message.pk}/media/")
    assert answer.status_code == 200, answer.content
    files = answer.json()["attachments"]
    assert {a["id"] for a in files} == {str(photo.pk), str(second.pk)}
    assert all(a["metadata"]["removed"] and a["urls"] == {} for a in files)
    assert _keys(storage, world_a.tenant) == []
