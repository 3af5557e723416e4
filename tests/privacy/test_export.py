"""Exporting a customer's data (LGPD; privacy.export, /api/exports/): a signed, short-lived link for the
admin who asked; the zip holds a readable, escaped HTML transcript, the same as JSON and every file
in its original form named by date; streamed in constant memory; nobody else's data."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.utils import timezone

from chatmedia.chat.models import Attachment, Message, Rendition
from chatmedia.media.storage.blobs import store_blob
from chatmedia.tenancy.models import Membership
from tests.connections import new_conversation
from tests.memory import PeakRSS

PHONE = "5511977776666"


@pytest.fixture
def customer(world_a, world_b, storage):
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    chat = new_conversation(world_a.tenant, remote_jid=f"{PHONE}@s.whatsapp.net", display_name="Beatriz")
    hello = Message.objects.create(
        tenant=world_a.tenant, conversation=chat, direction="in", status="delivered",
        text="Olá <script>alert(1)</script>", timestamp=timezone.now() - timezone.timedelta(days=1),
    )  # fmt: skip
    photo = Attachment.objects.create(
        tenant=world_a.tenant, conversation=chat, message=hello, category="image", status="ready",
        file_name="rg.jpg", mime_type="image/jpeg",
        original=store_blob(world_a.tenant, io.BytesIO(b"the RG photo"), "image/jpeg"),
    )  # fmt: skip
    answer = Message.objects.create(
        tenant=world_a.tenant, conversation=chat, direction="out", status="read", text="Recebido!"
    )
    video = Attachment.objects.create(
        tenant=world_a.tenant, conversation=chat, message=answer, category="video", status="ready",
        file_name="IMG_0001.mp4", mime_type="video/mp4",
        original=store_blob(world_a.tenant, io.BytesIO(b"the converted mp4"), "video/mp4"),
    )  # fmt: skip
    Rendition.objects.create(
        attachment=video, variant="source",
        blob=store_blob(world_a.tenant, io.BytesIO(b"the agent's own MOV"), "video/quicktime"),
    )  # fmt: skip
    b_chat = new_conversation(world_b.tenant, remote_jid=f"{PHONE}@s.whatsapp.net", display_name="B")
    Message.objects.create(tenant=world_b.tenant, conversation=b_chat, direction="in", text="tenant b only")
    return {"chat": chat, "photo": photo}


def _link(world, phone=PHONE) -> str:
    answer = world.client().post("/api/exports/", {"phone": phone}, format="json")
    assert answer.status_code == 201, answer.content
    return answer.json()["url"]


def _zip(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def test_the_zip_holds_the_transcript_and_every_file_in_its_original_form(world_a, customer):
    response = world_a.client().get(_link(world_a))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert int(response["Content-Length"]) > 0 and "dados-cliente-" in response["Content-Disposition"]
    archive = _zip(response)
    names = archive.namelist()
    assert names[:2] == ["conversas.json", "conversas.html"]
    files = sorted(n for n in names if n.startswith("arquivos/"))
    assert [n.split(" ", 2)[-1] for n in files] == ["rg.jpg", "IMG_0001.mp4"]  # named by date: oldest first
    assert archive.read(next(n for n in files if n.endswith("rg.jpg"))) == b"the RG photo"
    assert archive.read(next(n for n in files if n.endswith(".mp4"))) == b"the agent's own MOV"  # its own
    data = json.loads(archive.read("conversas.json"))
    assert data["customer_number"] == PHONE and len(data["conversations"]) == 1
    messages = data["conversations"][0]["messages"]
    assert [m["from"] for m in messages] == ["customer", "company"]
    assert messages[0]["files"][0]["path"] in names
    page = archive.read("conversas.html").decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page
    assert "tenant b only" not in page and "tenant b only" not in archive.read("conversas.json").decode()


def test_the_link_is_the_admins_own_and_short_lived(world_a, world_b, customer, django_user_model, settings):
    url = _link(world_a)
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.AGENT)
    assert world_a.client().get(url).status_code == 403
    assert world_a.client().post("/api/exports/", {"phone": PHONE}, format="json").status_code == 403
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    other = django_user_model.objects.create_user(username="other-admin")
    Membership.objects.create(user=other, tenant=world_a.tenant, role=Membership.Role.ADMIN)
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(other)
    assert client.get(url).json()["error"]["code"] == "not_yours"
    Membership.objects.filter(user=world_b.user).update(role=Membership.Role.ADMIN)
    foreign = world_b.client().get(url)  # another tenant's admin
    assert foreign.status_code == 403 and foreign.json()["error"]["code"] == "not_yours"
    settings.EXPORT_LINK_TTL_SECONDS = -1
    assert world_a.client().get(url).status_code == 410
    tampered = url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB")
    assert world_a.client().get(tampered).status_code == 400


def test_a_large_conversation_streams_in_constant_memory(world_a, customer, storage):
    big = b"\x00" * (64 * 2**20)
    for n in range(3):  # 192 MiB of video, each its own object
        message = Message.objects.create(tenant=world_a.tenant, conversation=customer["chat"], direction="in")
        Attachment.objects.create(
            tenant=world_a.tenant, conversation=customer["chat"], message=message,
            category="video", status="ready", file_name=f"video{n}.mp4", mime_type="video/mp4",
            original=store_blob(world_a.tenant, io.BytesIO(big + bytes([n])), "video/mp4"),
        )  # fmt: skip
    response = world_a.client().get(_link(world_a))
    total = 0
    with PeakRSS() as peak:
        for chunk in response.streaming_content:
            total += len(chunk)
    assert total == int(response["Content-Length"]) > 3 * 64 * 2**20
    assert peak.growth_mib < 32, f"the export grew the process by {peak.growth_mib:.0f} MiB"
