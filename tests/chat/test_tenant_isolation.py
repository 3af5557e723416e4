"""A member of tenant A gets 404 for every object of tenant B, on every endpoint.

To cover a new endpoint, add one line to ENDPOINTS: its URL name and which object of a tenant's
world fills its id. `test_every_api_endpoint_with_an_id_is_covered` fails until you do.
"""

from __future__ import annotations

import io

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from chatmedia.chat.models import Attachment, Erasure, Message, QuickReply, QuickReplyFile
from chatmedia.media.models import Upload
from chatmedia.media.serving import app as serving
from chatmedia.media.serving import blocking, signing
from chatmedia.media.storage.blobs import store_blob
from chatmedia.media.storage.keys import incoming_upload_key
from chatmedia.privacy.models import AuditEvent
from chatmedia.tenancy.models import Membership
from chatmedia.tenancy.scoping import SESSION_TENANT_KEY
from tests.media import serving_client as media_client

# url name -> (attribute of tests.conftest.TenantWorld whose id goes into the URL, HTTP method);
# "upload" is an attachment being uploaded (made by `_uploading`); "quick_reply(_file)" a saved answer
# with a file (made by `_quick_reply`).
ENDPOINTS = {
    "conversation-detail": ("conversation", "get"),
    "message-list": ("conversation", "get"),
    "conversation-read": ("conversation", "post"),
    "conversation-gallery": ("conversation", "get"),
    "conversation-zip": ("conversation", "get"),
    "message-detail": ("message", "get"),
    "message-retry": ("message", "post"),
    "message-reactions": ("message", "post"),
    "message-view-once": ("message", "post"),
    "message-audit": ("message", "get"),
    "message-media": ("message", "delete"),
    "erasure-detail": ("erasure", "get"),
    "attachment-audit": ("attachment", "get"),
    "attachment-detail": ("attachment", "get"),
    "attachment-retry": ("attachment", "post"),
    "attachment-transcribe": ("attachment", "post"),
    "attachment-send-as-document": ("attachment", "post"),
    "upload-parts": ("upload", "get"),
    "upload-complete": ("upload", "post"),
    "upload-cancel": ("upload", "post"),
    "quick-reply-detail": ("quick_reply", "get"),
    "quick-reply-files": ("quick_reply", "post"),
    "quick-reply-send": ("quick_reply", "post"),
    "quick-reply-file": ("quick_reply_file", "delete"),
}
# Endpoints only a tenant's admins may call (the member of world_a is made admin for them).
ADMIN_ONLY = {"message-audit", "attachment-audit", "message-media", "erasure-detail"}
# /media/ routes (named groups of chatmedia.media.serving.app.ROUTE) -> (TenantWorld attribute, variant).
MEDIA_ENDPOINTS = {"attachment": ("attachment", "original"), "conversation": ("conversation", signing.AVATAR)}
# Endpoints without an object id: they must list only the caller's tenant.
LISTS = {"conversation-list": "conversation"}


def _api_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _api_patterns(pattern, route)
        elif isinstance(pattern, URLPattern) and route.startswith("api/"):
            yield route, pattern.name


def test_every_api_endpoint_with_an_id_is_covered():
    with_ids = {name for route, name in _api_patterns() if "<" in route}
    assert with_ids == set(ENDPOINTS), "add new endpoints to ENDPOINTS in this file"
    media_ids = set(serving.ROUTE.groupindex) - {"variant"}
    assert media_ids == set(MEDIA_ENDPOINTS), "add new /media/ routes to MEDIA_ENDPOINTS in this file"


def _give_bytes(world) -> None:
    body = io.BytesIO(world.tenant.slug.encode())
    world.attachment.original = store_blob(world.tenant, body, "image/jpeg")
    world.attachment.save()
    body.seek(0)
    world.conversation.avatar = store_blob(world.tenant, body, "image/jpeg")
    world.conversation.save()


@pytest.mark.parametrize("name", sorted(MEDIA_ENDPOINTS))
def test_other_tenants_media_is_404(name, transactional_db, world_a, world_b):
    attribute, variant = MEDIA_ENDPOINTS[name]
    _give_bytes(world_a)
    _give_bytes(world_b)
    auth = media_client.token_headers(world_a)
    try:
        own = media_client.get(signing.path_of(getattr(world_a, attribute).pk, variant), auth)
        assert own.status_code == 200 and own.content == b"tenant-a"
        other = media_client.get(signing.path_of(getattr(world_b, attribute).pk, variant), auth)
        never = media_client.get(signing.path_of("00000000-0000-4000-8000-000000000000", variant), auth)
    finally:
        blocking.shutdown()
    assert other.status_code == never.status_code == 404
    assert other.json() == never.json()


def _uploading(world):
    """An outgoing attachment whose bytes are on their way (an Upload row, nothing stored yet)."""
    message = Message.objects.create(
        tenant=world.tenant, conversation=world.conversation, direction="out", status="pending"
    )
    attachment = Attachment.objects.create(
        tenant=world.tenant,
        conversation=world.conversation,
        message=message,
        category="document",
        declared_mime_type="application/pdf",
        size=10,
        status="uploading",
    )
    key = incoming_upload_key(world.tenant.id, attachment.id)
    Upload.objects.create(
        attachment=attachment, tenant=world.tenant, storage_key=key, content_type="application/pdf", size=10
    )
    return attachment


def _quick_reply(world):
    reply = QuickReply.objects.create(tenant=world.tenant, shortcut="boleto", text="Segue o boleto")
    world.quick_reply = reply
    world.quick_reply_file = QuickReplyFile.objects.create(
        quick_reply=reply,
        blob=store_blob(world.tenant, io.BytesIO(world.tenant.slug.encode()), "application/pdf"),
        file_name="boleto.pdf",
        mime_type="application/pdf",
        category="document",
        size=8,
    )


def _kwargs(world, attribute, never=False) -> dict:
    nothing = "00000000-0000-4000-8000-000000000000"
    if attribute == "quick_reply_file":
        file = world.quick_reply_file
        return (
            {"pk": nothing, "file_pk": nothing} if never else {"pk": file.quick_reply_id, "file_pk": file.pk}
        )
    return {"pk": nothing if never else getattr(world, attribute).pk}


@pytest.mark.parametrize("name", sorted(ENDPOINTS))
def test_other_tenants_object_is_404(name, world_a, world_b):
    attribute, method = ENDPOINTS[name]
    if attribute == "upload":
        world_a.upload, world_b.upload = _uploading(world_a), _uploading(world_b)
    if attribute.startswith("quick_reply"):
        _quick_reply(world_a)
        _quick_reply(world_b)
    if attribute == "erasure":
        for world in (world_a, world_b):
            world.erasure = Erasure.objects.create(tenant=world.tenant, phone="5511999990000")
    if name in ADMIN_ONLY:
        Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    own = reverse(name, kwargs=_kwargs(world_a, attribute))
    other = reverse(name, kwargs=_kwargs(world_b, attribute))
    client = world_a.client()
    call = getattr(client, method)
    response = call(other, format="json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert call(own, format="json").status_code not in (401, 403, 404)
    # Exactly what an id that never existed answers: no existence leak across tenants.
    never = reverse(name, kwargs=_kwargs(world_a, attribute, never=True))
    assert response.json() == call(never, format="json").json()
    if attribute == "upload":
        assert Attachment.objects.get(pk=world_b.upload.pk).status == "uploading"


def test_upload_to_another_tenants_conversation_is_404(world_a, world_b):
    body = {
        "conversation": str(world_b.conversation.pk),
        "file_name": "a.pdf",
        "mime_type": "application/pdf",
    }
    response = world_a.client().post(reverse("upload-start"), {**body, "size": 10}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "conversation_not_found"


def test_anonymous_upload_is_401():
    response = APIClient().post(reverse("upload-start"), {}, format="json")
    assert response.status_code == 401


@pytest.mark.parametrize("name", sorted(LISTS))
def test_lists_show_only_own_tenant(name, world_a, world_b):
    ids = {item["id"] for item in world_a.client().get(reverse(name)).json()["results"]}
    assert str(getattr(world_a, LISTS[name]).pk) in ids
    assert str(getattr(world_b, LISTS[name]).pk) not in ids


def _audit_row(world):
    return AuditEvent.objects.create(tenant=world.tenant, action="view", via="session")


def _erasure(world):
    return Erasure.objects.create(tenant=world.tenant, phone="5511900000000")


# Admins' lists without an object id -> a maker of one row of a tenant's world.
ADMIN_LISTS = {"audit-log": _audit_row, "erasure-list": _erasure}


@pytest.mark.parametrize("name", sorted(ADMIN_LISTS))
def test_admin_lists_show_only_own_tenant(name, world_a, world_b):
    mine, theirs = ADMIN_LISTS[name](world_a), ADMIN_LISTS[name](world_b)
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    answer = world_a.client().get(reverse(name)).json()
    ids = {str(item["id"]) for item in (answer["results"] if isinstance(answer, dict) else answer)}
    assert str(mine.pk) in ids and str(theirs.pk) not in ids


def test_session_user_in_two_tenants_sees_only_the_active_one(world_a, world_b):
    Membership.objects.create(user=world_a.user, tenant=world_b.tenant)
    client = APIClient()
    client.force_login(world_a.user)
    assert (
        client.get(reverse("conversation-detail", kwargs={"pk": world_a.conversation.pk})).status_code == 200
    )
    assert (
        client.get(reverse("conversation-detail", kwargs={"pk": world_b.conversation.pk})).status_code == 404
    )
    session = client.session
    session[SESSION_TENANT_KEY] = str(world_b.tenant.id)
    session.save()
    assert (
        client.get(reverse("conversation-detail", kwargs={"pk": world_b.conversation.pk})).status_code == 200
    )
    assert (
        client.get(reverse("conversation-detail", kwargs={"pk": world_a.conversation.pk})).status_code == 404
    )
