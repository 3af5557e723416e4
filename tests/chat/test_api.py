"""The chat read API: authentication, JSON errors, cursor pagination, the attachment contract."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from rest_framework.test import APIClient

from chatmedia.chat.models import Message
from tests.connections import new_conversation


def test_no_credentials_is_401_json(world_a):
    response = APIClient().get("/api/conversations/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"


def test_bad_token_is_401_json(world_a):
    client = APIClient()
    for header in ("Token cm_not-a-real-token", "Token", "Token a b"):
        client.credentials(HTTP_AUTHORIZATION=header)
        response = client.get("/api/conversations/")
        assert response.status_code == 401, header
        assert response.json()["error"]["code"] == "authentication_failed"


def test_user_without_membership_is_403(db, django_user_model):
    user = django_user_model.objects.create_user("lonely", password="x-long-password-1")
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/conversations/")
    assert response.status_code == 403
    assert "not a member" in response.json()["error"]["message"]


def test_session_auth_works(world_a):
    client = APIClient()
    client.force_login(world_a.user)
    response = client.get("/api/me/")
    assert response.status_code == 200
    assert response.json()["tenant"]["slug"] == "tenant-a"
    assert response.json()["role"] == "agent"


def test_malformed_ids_are_json_404(world_a):
    client = world_a.client()
    for path in ("/api/conversations/not-a-uuid/", "/api/conversations/1/messages/", "/api/attachments/%00/"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"error": {"code": "not_found", "message": "Not found."}}


def test_message_list_has_attachment_contract(world_a):
    response = world_a.client().get(f"/api/conversations/{world_a.conversation.id}/messages/")
    assert response.status_code == 200
    [message] = response.json()["results"]
    assert message["text"] == "olá"
    [attachment] = message["attachments"]
    assert set(attachment) == {
        "id", "status", "category", "mime_type", "size", "file_name", "error", "metadata", "urls",
    }  # fmt: skip
    assert attachment["id"] == str(world_a.attachment.id)
    assert attachment["error"] is None
    assert "source" not in str(response.content)


def test_cursor_pagination_walks_every_conversation_once(world_a):
    now = timezone.now()
    for i in range(7):
        new_conversation(
            world_a.tenant, remote_jid=f"55119000000{i}@s.whatsapp.net", last_activity_at=now
        )  # equal timestamps: the cursor must still not repeat or skip
    client, seen, url = world_a.client(), [], "/api/conversations/?page_size=3"
    while url:
        page = client.get(url).json()
        seen += [c["id"] for c in page["results"]]
        url = page["next"]
    assert len(seen) == 8 == len(set(seen))


def test_messages_newest_first_by_whatsapp_timestamp(world_a):
    base = timezone.now()
    for i in range(4):
        Message.objects.create(
            tenant=world_a.tenant,
            conversation=world_a.conversation,
            wa_message_id=f"M{i}",
            direction="in",
            text=f"m{i}",
            timestamp=base + dt.timedelta(seconds=i),
        )
    client = world_a.client()
    page = client.get(f"/api/conversations/{world_a.conversation.id}/messages/?page_size=2").json()
    assert [m["text"] for m in page["results"]] == ["m3", "m2"]
    page = client.get(page["next"]).json()
    assert [m["text"] for m in page["results"]] == ["m1", "m0"]


def test_page_size_is_capped(world_a, settings):
    settings.API_MAX_PAGE_SIZE = 2
    for i in range(3):
        new_conversation(world_a.tenant, remote_jid=f"5511800000{i}@s.whatsapp.net")
    page = world_a.client().get("/api/conversations/?page_size=1000").json()
    assert len(page["results"]) == 2


def test_openapi_schema(db):
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/conversations/" in paths
    assert "/api/conversations/{id}/messages/" in paths
