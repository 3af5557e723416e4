"""A message deleted for everyone, kept for the tenant's retention: its admins read it, agents not."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from chatmedia.chat import history
from chatmedia.media.storage.blobs import store_blob
from chatmedia.tenancy.models import Membership


@pytest.fixture
def deleted(world_a, django_capture_on_commit_callbacks):
    world_a.tenant.deleted_media_retention_days = 30
    world_a.tenant.save()
    world_a.attachment.original = store_blob(world_a.tenant, io.BytesIO(b"the photo bytes"), "image/jpeg")
    world_a.attachment.save()
    with django_capture_on_commit_callbacks(execute=True):
        history.mark_deleted(world_a.message, "5511999990000@s.whatsapp.net", timezone.now())
    return world_a


def test_agents_see_it_deleted_and_may_not_audit(deleted):
    client = deleted.client()
    shown = client.get(f"/api/messages/{deleted.message.pk}/").json()
    assert shown["deleted_at"] and shown["text"] == "" and shown["attachments"][0]["urls"] == {}
    assert client.get(f"/api/messages/{deleted.message.pk}/audit/").status_code == 403
    assert client.get(f"/api/attachments/{deleted.attachment.pk}/audit/").status_code == 403


def test_admins_read_it_while_it_is_kept_then_it_is_gone(deleted, django_capture_on_commit_callbacks):
    Membership.objects.filter(user=deleted.user).update(role=Membership.Role.ADMIN)
    client = deleted.client()
    audit = client.get(f"/api/messages/{deleted.message.pk}/audit/").json()
    assert audit["text"] == "olá" and audit["deleted_by_jid"] == "5511999990000@s.whatsapp.net"
    assert audit["attachments"][0]["kept"] is True
    response = client.get(f"/api/attachments/{deleted.attachment.pk}/audit/")
    assert response.status_code == 200 and b"".join(response.streaming_content) == b"the photo bytes"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "application/octet-stream"
    with django_capture_on_commit_callbacks(execute=True):
        history.purge_expired_deleted_media(timezone.now() + timezone.timedelta(days=31))
    assert client.get(f"/api/attachments/{deleted.attachment.pk}/audit/").status_code == 410
    assert client.get(f"/api/messages/{deleted.message.pk}/audit/").json()["text"] == ""
