"""Where a tenant's bytes are (media.storage.quota.breakdown): per media kind, avatars and quick
replies, and the conversations holding the most — in GET /api/usage/ for the tenant's admins and on
the Django admin's storage page; never another tenant's bytes."""

from __future__ import annotations

import io

from chatmedia.chat.models import Attachment, Rendition
from chatmedia.media.storage.blobs import store_blob
from chatmedia.tenancy.models import Membership
from tests.conftest import new_conversation


def _blob(world, size: int, content_type: str = "image/jpeg"):
    return store_blob(world.tenant, io.BytesIO(world.tenant.slug.encode() + bytes(size)), content_type)


def test_admins_see_bytes_by_kind_and_the_biggest_conversations(world_a, world_b, staff_client):
    photo = world_a.attachment
    photo.original = _blob(world_a, 1000)
    photo.save()
    Rendition.objects.create(attachment=photo, variant="thumb", blob=_blob(world_a, 100, "image/webp"))
    big_chat = new_conversation(
        world_a.tenant, remote_jid="5511988887777@s.whatsapp.net", display_name="Maria"
    )
    Attachment.objects.create(
        tenant=world_a.tenant, conversation=big_chat, category="video", status="ready",
        original=_blob(world_a, 50_000, "video/mp4"),
    )  # fmt: skip
    # A forward of the same photo: once in the tenant's total and in "image".
    Attachment.objects.create(
        tenant=world_a.tenant,
        conversation=big_chat,
        category="image",
        status="ready",
        original=photo.original,
    )
    world_b.attachment.original = _blob(world_b, 999_999)
    world_b.attachment.save()

    agent_view = world_a.client().get("/api/usage/").json()
    assert "by_category" not in agent_view and agent_view["stored_bytes"] > 0
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    body = world_a.client().get("/api/usage/").json()
    size = len(world_a.tenant.slug)
    assert body["stored_bytes"] == (1000 + 100 + 50_000) + 3 * size
    assert body["by_category"]["image"] == 1100 + 2 * size and body["by_category"]["video"] == 50_000 + size
    assert body["by_category"]["audio"] == 0 and body["by_category"]["avatars"] == 0
    top = body["top_conversations"]
    assert [c["name"] for c in top] == ["Maria", "Cliente"]
    assert top[0]["bytes"] == 50_000 + 1000 + 2 * size  # the forwarded photo counts in that chat too
    assert all(c["bytes"] < 999_999 for c in top)  # world_b's file is not here

    page = staff_client.get(f"/admin/media/tenantstorage/{world_a.tenant.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Maria" in text, text[text.find("top_conversations") - 200 : text.find("top_conversations") + 600]
    assert "49.9 KB" in text
