"""Erasing a customer (LGPD; privacy.erasure, /api/erasures/): every message, file, avatar, reaction
and search entry of one contact across the tenant's numbers goes (storage listed: nothing of theirs
left), in batches; killed halfway, it finishes when run again; the tenant may keep each message's
time, direction and status without content; only admins start one; nothing of anyone else moves."""

from __future__ import annotations

import io

import pytest

from chatmedia.chat import search
from chatmedia.chat.models import Attachment, Conversation, Erasure, Message, Reaction, Rendition
from chatmedia.media.storage.blobs import store_blob
from chatmedia.privacy import erasure
from chatmedia.tenancy.models import Membership
from tests.connections import new_conversation

PHONE = "5511977776666"
JID = f"{PHONE}@s.whatsapp.net"


def _message(conversation, text: str, **fields) -> Message:
    return Message.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        direction="in",
        status="delivered",
        text=text,
        **fields,
    )


def _file(message, data: bytes, kind: str = "image") -> Attachment:
    attachment = Attachment.objects.create(
        tenant=message.tenant, conversation=message.conversation, message=message, category=kind,
        status="ready", file_name=f"{kind}.bin",
        original=store_blob(message.tenant, io.BytesIO(data), "application/octet-stream"),
    )  # fmt: skip
    Rendition.objects.create(
        attachment=attachment,
        variant="thumb",
        blob=store_blob(message.tenant, io.BytesIO(data + b"-thumb"), "image/webp"),
    )
    search.reindex(message)
    return attachment


@pytest.fixture
def customer(world_a, world_b, storage):
    """The customer on world_a's number, in a group of it, and someone else; world_b knows the same number."""
    chat = new_conversation(world_a.tenant, remote_jid=JID, display_name="Beatriz")
    chat.avatar = store_blob(world_a.tenant, io.BytesIO(b"beatriz's face"), "image/jpeg")
    chat.save()
    mine = [_message(chat, f"mensagem {n} da Beatriz com CPF") for n in range(5)]
    _file(mine[0], b"beatriz's RG photo")
    _file(mine[1], b"beatriz's voice note", "voice")
    group = new_conversation(world_a.tenant, remote_jid="120363000000000000@g.us", is_group=True)
    in_group = _message(group, "Beatriz no grupo", author_jid=JID, author_name="Beatriz")
    _file(in_group, b"beatriz's photo in the group")
    others = _message(group, "mensagem do Carlos", author_jid="5511911112222@s.whatsapp.net")
    Reaction.objects.create(message=others, tenant=world_a.tenant, author_jid=JID, emoji="👍")
    someone_else = _file(_message(world_a.conversation, "outro cliente"), b"another customer's photo")
    other_tenant = new_conversation(world_b.tenant, remote_jid=JID, display_name="Beatriz em B")
    _file(_message(other_tenant, "tenant b"), b"tenant b keeps its own")
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    return {"chat": chat, "group": group, "others": others, "someone_else": someone_else, "b": other_tenant}


def _keys(storage, tenant) -> set[str]:
    return {key for key, _ in storage.list_keys(f"t/{tenant.pk}/")}


def _start(world, django_capture_on_commit_callbacks, phone="+55 (11) 97777-6666") -> dict:
    with django_capture_on_commit_callbacks(execute=False):
        answer = world.client().post("/api/erasures/", {"phone": phone}, format="json")
    assert answer.status_code == 202, answer.content
    return answer.json()


def test_everything_of_the_customer_goes_and_nothing_else(
    world_a, world_b, customer, storage, settings, django_capture_on_commit_callbacks, published
):
    settings.ERASURE_BATCH_SIZE = 2
    someone_else_keys = {customer["someone_else"].original.storage_key}
    started = _start(world_a, django_capture_on_commit_callbacks)
    assert started["status"] == "queued" and started["phone"] == PHONE
    b_before = _keys(storage, world_b.tenant)
    with django_capture_on_commit_callbacks(execute=True):
        assert erasure.run(started["id"]) == "done"
    report = world_a.client().get(f"/api/erasures/{started['id']}/").json()
    assert report["status"] == "done" and report["phone"] == "5511…66"  # masked once done
    assert (report["conversations"], report["messages"], report["files"]) == (1, 6, 3)
    assert report["bytes_freed"] > 0
    assert not Conversation.objects.filter(pk=customer["chat"].pk).exists()
    assert not Message.objects.filter(tenant=world_a.tenant, author_jid=JID).exists()
    assert not Reaction.objects.filter(author_jid=JID, tenant=world_a.tenant).exists()
    assert Message.objects.filter(pk=customer["others"].pk).exists()  # Carlos's message stays
    # Storage: what is left of world_a is the other customer's photo and its thumb only.
    left = _keys(storage, world_a.tenant)
    assert someone_else_keys <= left and len(left) == 2
    assert search.search(world_a.tenant, "CPF") == [] and search.search(world_a.tenant, "Beatriz") == []
    assert _keys(storage, world_b.tenant) == b_before  # the other tenant's copy of that number stays
    assert Conversation.objects.filter(pk=customer["b"].pk).exists()
    # Open chats hear it: the customer's chat leaves every agent's list.
    assert ("conversation.removed", {"id": str(customer["chat"].pk)}) in published


def test_an_erasure_killed_halfway_finishes_when_run_again(
    world_a, customer, storage, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ERASURE_BATCH_SIZE = 2
    started = _start(world_a, django_capture_on_commit_callbacks)
    real, batches = erasure._one_batch, []

    def dies_on_the_second(erasure_id):
        batches.append(erasure_id)
        if len(batches) == 2:
            raise SystemExit("worker killed")
        return real(erasure_id)

    monkeypatch.setattr(erasure, "_one_batch", dies_on_the_second)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(SystemExit):
        erasure.run(started["id"])
    halfway = Erasure.objects.get(pk=started["id"])
    assert halfway.status == "running" and halfway.messages == 2
    monkeypatch.setattr(erasure, "_one_batch", real)
    # Housekeeping finds it stale and queues it again; here the task runs it.
    Erasure.objects.filter(pk=halfway.pk).update(heartbeat_at=halfway.heartbeat_at.replace(year=2020))
    queued = []
    monkeypatch.setattr(erasure.jobs, "submit", lambda name, *args: queued.append((name, args)))
    assert erasure.resume_stale() == 1 and queued == [("privacy.erase", (started["id"],))]
    with django_capture_on_commit_callbacks(execute=True):
        erasure.run(started["id"])
    done = Erasure.objects.get(pk=started["id"])
    assert done.status == "done" and done.messages == 6 and done.files == 3
    assert len(_keys(storage, world_a.tenant)) == 2
    assert erasure.run(started["id"]) == "nothing to do"


def test_a_tenant_that_must_keep_the_record_keeps_rows_without_content(
    world_a, customer, storage, django_capture_on_commit_callbacks
):
    world_a.tenant.erasure_keeps_metadata = True
    world_a.tenant.save()
    started = _start(world_a, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        erasure.run(started["id"])
    kept = Message.objects.filter(conversation=customer["chat"])
    assert kept.count() == 5 and all(m.text == "" and m.erased_at for m in kept)
    assert all(
        a.original_id is None and a.removed_reason == "erasure"
        for a in Attachment.objects.filter(message__in=kept)
    )
    chat = Conversation.objects.get(pk=customer["chat"].pk)
    assert chat.display_name == "" and chat.avatar_id is None
    assert len(_keys(storage, world_a.tenant)) == 2  # no byte of theirs, kept rows or not
    assert search.search(world_a.tenant, "CPF") == []


def test_only_admins_erase_and_a_number_must_be_a_number(world_a, django_capture_on_commit_callbacks):
    client = world_a.client()
    assert client.post("/api/erasures/", {"phone": PHONE}, format="json").status_code == 403
    assert client.get("/api/erasures/").status_code == 403
    Membership.objects.filter(user=world_a.user).update(role=Membership.Role.ADMIN)
    bad = client.post("/api/erasures/", {"phone": "abc"}, format="json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_phone"
    assert not Erasure.objects.exists()
