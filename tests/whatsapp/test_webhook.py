"""The Evolution webhook: authentication, limits, idempotency, statuses, contacts, bad input."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import time

import pytest

from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
from chatmedia.tenancy.provisioning import create_evolution_connection
from chatmedia.whatsapp.models import EarlyReceipt
from chatmedia.whatsapp.providers.evolution.crypto import encrypt
from tests.connections import configure, connection_of, jwt_key_of, webhook_secret_of
from tests.whatsapp.conftest import evolution_jwt
from tests.whatsapp.fixtures import VECTORS, evolution, plain_bytes


def _stored_nothing() -> bool:
    return not (Conversation.objects.exists() or Message.objects.exists() or Blob.objects.exists())


# --- authentication -------------------------------------------------------------------------------------


def test_secret_in_the_path_is_accepted(tenant, post_webhook, queued):
    response = post_webhook(tenant, evolution("messages-upsert-text.json"))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert Message.objects.get().text == "Olá, vocês entregam em Campinas?"


@pytest.mark.parametrize(
    "path",
    [
        "/webhooks/evolution/acme/wrong-secret/",
        "/webhooks/evolution/acme/",
        "/webhooks/evolution/nobody/test-webhook-secret-0123456789/",
        "/webhooks/evolution/acme/test-webhook-secret-012345678/",  # one character short
    ],
)
def test_wrong_secret_or_tenant_is_401_and_nothing_is_stored(tenant, post_webhook, queued, path):
    response = post_webhook(tenant, evolution("messages-upsert-image-with-base64.json"), path=path)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert _stored_nothing()
    assert queued.media == []


def test_event_name_suffix_is_accepted(tenant, post_webhook, queued):
    path = f"/webhooks/evolution/acme/{webhook_secret_of(tenant)}/messages-upsert"
    assert post_webhook(tenant, evolution("messages-upsert-text.json"), path=path).status_code == 200
    path = f"/webhooks/evolution/acme/{webhook_secret_of(tenant)}//contacts-update/"
    assert post_webhook(tenant, evolution("contacts-update-single.json"), path=path).status_code == 200
    path = f"/webhooks/evolution/acme/{webhook_secret_of(tenant)}/a/b/"
    assert post_webhook(tenant, evolution("messages-upsert-text.json"), path=path).status_code == 404


def test_jwt_bearer_is_accepted_without_a_secret_in_the_path(tenant, post_webhook, queued):
    token = evolution_jwt(jwt_key_of(tenant))
    for path in ("/webhooks/evolution/acme/", "/webhooks/evolution/acme/messages-upsert/"):
        response = post_webhook(
            tenant,
            evolution("messages-upsert-text.json"),
            path=path,
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 200, path
    assert Message.objects.count() == 1


@pytest.mark.parametrize(
    "token_of",
    [
        lambda t: evolution_jwt("another-tenants-key-0123456789abcd"),
        lambda t: evolution_jwt(jwt_key_of(t), exp=int(time.time()) - 3600),
        lambda t: evolution_jwt(jwt_key_of(t), app="other"),
        lambda t: evolution_jwt(jwt_key_of(t), action="login"),
        lambda t: "not.a.jwt",
        lambda t: __import__("jwt").encode(
            {"app": "evolution", "action": "webhook"}, jwt_key_of(t), algorithm="HS256"
        ),
    ],
    ids=["wrong-key", "expired", "wrong-app", "wrong-action", "garbage", "no-exp"],
)
def test_bad_jwt_is_401_and_nothing_is_stored(tenant, post_webhook, queued, token_of):
    response = post_webhook(
        tenant,
        evolution("messages-upsert-text.json"),
        path="/webhooks/evolution/acme/",
        headers={"Authorization": f"Bearer {token_of(tenant)}"},
    )
    assert response.status_code == 401
    assert _stored_nothing()


def test_jwt_of_a_tenant_without_jwt_key_is_refused(tenant, post_webhook, queued):
    token = evolution_jwt(jwt_key_of(tenant))
    configure(tenant, jwt_key="")
    response = post_webhook(
        tenant,
        evolution("messages-upsert-text.json"),
        path="/webhooks/evolution/acme/",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401


def test_payload_of_another_instance_is_refused(tenant, post_webhook, queued):
    configure(tenant, instance="acme-suporte")
    assert post_webhook(tenant, evolution("messages-upsert-text.json")).status_code == 401
    assert _stored_nothing()
    body = evolution("messages-upsert-text.json")
    body["instance"] = "acme-suporte"
    assert post_webhook(tenant, body).status_code == 200


def test_only_post(tenant, client):
    response = client.get(f"/webhooks/evolution/acme/{webhook_secret_of(tenant)}/")
    assert response.status_code == 405


# --- bodies ---------------------------------------------------------------------------------------------


def test_a_5_mb_base64_webhook_is_accepted_and_stored_at_once(tenant, post_webhook, queued):
    document = os.urandom(5 * 1024 * 1024)
    body = evolution("messages-upsert-document-pdf.json")
    node = body["data"]["message"]["documentMessage"]
    node["fileSha256"] = base64.b64encode(hashlib.sha256(document).digest()).decode()
    node["fileLength"] = len(document)
    body["data"]["message"]["base64"] = base64.b64encode(document).decode()
    response = post_webhook(tenant, body)
    assert response.status_code == 200, response.content
    attachment = Attachment.objects.get()
    assert attachment.original is not None  # stored during the webhook, not carried in a queue message
    assert b"".join(media_storage().iter_chunks(attachment.original.storage_key)) == document
    assert queued.media == [str(attachment.id)]  # the worker only finishes it


def test_inline_base64_that_fails_the_hash_is_not_stored(tenant, post_webhook, queued):
    body = evolution("messages-upsert-image-with-base64.json")
    body["data"]["message"]["base64"] = base64.b64encode(b"not the photo").decode()
    assert post_webhook(tenant, body).status_code == 200
    attachment = Attachment.objects.get()
    assert attachment.original is None and not Blob.objects.exists()
    assert queued.media == [str(attachment.id)]  # the worker will fetch the real bytes


def test_body_over_the_limit_is_413(tenant, post_webhook, queued, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 1000
    body = evolution("messages-upsert-image-with-base64.json")
    response = post_webhook(tenant, body)
    assert response.status_code == 413  # Evolution retries a 413; a 400 would lose the media
    assert _stored_nothing()


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"not json",
        b"[]",
        b'"text"',
        b'{"event": 5}',
        b'{"event": "messages.upsert", "data": "x"}',
        b'{"event": "messages.upsert", "data": {"key": {"id": "A", "remoteJid": "1@s.whatsapp.net"}, '
        b'"message": {"imageMessage": []}}}',
        b'{"event": "messages.update", "data": {"keyId": ["A"]}}',
        b'{"event": "contacts.update", "data": [1, null]}',
        b'{"event": "something.new", "data": {}}',
    ],
)
def test_unknown_or_malformed_bodies_get_200_never_500(tenant, post_webhook, queued, raw):
    response = post_webhook(tenant, None, raw=raw)
    assert response.status_code == 200
    assert response.json()["ok"] is True


# --- idempotency and ordering -------------------------------------------------------------------------


def test_the_same_webhook_twice_is_one_message_one_attachment_one_download(tenant, post_webhook, queued):
    body = evolution("messages-upsert-image-caption.json")
    assert post_webhook(tenant, body).json()["created"] == 1
    assert post_webhook(tenant, body).json()["duplicates"] == 1
    assert Message.objects.count() == 1
    assert Attachment.objects.count() == 1
    assert queued.media == [str(Attachment.objects.get().id)]


def test_every_media_fixture_creates_its_attachment(tenant, post_webhook, queued):
    for name, category in [
        ("messages-upsert-image-caption.json", "image"),
        ("messages-upsert-ptt-voice-note.json", "voice"),
        ("messages-upsert-audio-file.json", "audio"),
        ("messages-upsert-document-pdf.json", "document"),
        ("messages-upsert-video.json", "video"),
        ("messages-upsert-sticker.json", "sticker"),
        ("messages-upsert-group-image.json", "image"),
        ("messages-upsert-image-legacy-v2.2.json", "image"),
    ]:
        assert post_webhook(tenant, evolution(name)).json()["created"] == 1, name
        attachment = Attachment.objects.order_by("-created_at").first()
        assert attachment.category == category and attachment.status == "pending", name
        assert attachment.source["media_key"], name
    assert Conversation.objects.count() == 2  # the customer and the group
    group = Conversation.objects.get(is_group=True)
    message = group.messages.get()
    assert message.author_jid == "5511977770000@s.whatsapp.net" and message.author_name == "Maria Souza"
    assert len(queued.media) == 8


def test_statuses_never_go_backwards_and_may_arrive_first(tenant, post_webhook, queued):
    read = evolution("messages-update-read.json")
    delivered = evolution("messages-update-delivery-ack.json")
    assert post_webhook(tenant, read).status_code == 200  # before the message exists
    assert post_webhook(tenant, delivered).status_code == 200
    assert EarlyReceipt.objects.get().status == "read"
    assert post_webhook(tenant, evolution("send-message-image.json")).json()["created"] == 1
    message = Message.objects.get(wa_message_id="3EB0C1D2E3F4A5B6C7D8E9")
    assert message.direction == "out" and message.status == "read"
    assert not EarlyReceipt.objects.exists()
    sent = evolution("messages-update-delivery-ack.json")
    sent["data"]["status"] = "SERVER_ACK"
    post_webhook(tenant, sent)
    post_webhook(tenant, delivered)
    message.refresh_from_db()
    assert message.status == "read"


def test_status_moves_forward_step_by_step(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("send-message-image.json"))
    message = Message.objects.get()
    assert message.status == "sent"
    post_webhook(tenant, evolution("messages-update-delivery-ack.json"))
    message.refresh_from_db()
    assert message.status == "delivered"
    error = evolution("messages-update-delivery-ack.json")
    error["data"]["status"] = "ERROR"
    post_webhook(tenant, error)
    message.refresh_from_db()
    assert message.status == "delivered"  # a late error does not undo a delivery
    post_webhook(tenant, evolution("messages-update-read.json"))
    message.refresh_from_db()
    assert message.status == "read"


def test_lid_conversation_is_rekeyed_when_the_phone_appears(tenant, post_webhook, queued):
    lid_only = evolution("messages-upsert-text.json")
    lid_only["data"]["key"] = {"remoteJid": "123456789012345@lid", "fromMe": False, "id": "LID1"}
    post_webhook(tenant, lid_only)
    with_phone = evolution("messages-upsert-ptt-voice-note.json")  # phone + LID alias
    post_webhook(tenant, with_phone)
    conversation = Conversation.objects.get()
    assert conversation.remote_jid == "5511999990000@s.whatsapp.net"
    assert conversation.alt_jid == "123456789012345@lid"
    assert conversation.messages.count() == 2


def test_device_suffixed_jid_is_the_same_chat(tenant, post_webhook, queued):
    first = evolution("messages-upsert-text.json")
    second = evolution("messages-upsert-text.json")
    second["data"]["key"]["remoteJid"] = "5511999990000:7@s.whatsapp.net"
    second["data"]["key"]["id"] = "OTHER-ID"
    post_webhook(tenant, first)
    post_webhook(tenant, second)
    assert Conversation.objects.count() == 1 and Message.objects.count() == 2


def test_forwarded_media_is_stored_once_shown_three_times(tenant, post_webhook, queued):
    photo = plain_bytes(VECTORS["image-01"])
    for index, chat in enumerate(["5511900000001", "5511900000002", "120363000000000001@g.us"]):
        body = evolution("messages-upsert-image-with-base64.json")
        body["data"]["key"] = {
            "remoteJid": chat if "@" in chat else f"{chat}@s.whatsapp.net",
            "fromMe": False,
            "id": f"FWD{index}",
            "participant": "5511977770000@s.whatsapp.net",
        }
        assert base64.b64decode(body["data"]["message"]["base64"]) == photo
        post_webhook(tenant, body)
    assert Attachment.objects.count() == 3
    assert Blob.objects.count() == 1
    assert {a.original_id for a in Attachment.objects.all()} == {Blob.objects.get().id}


# --- contacts ---------------------------------------------------------------------------------------------


def test_contact_updates_rename_and_queue_a_picture_fetch(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    conversation = Conversation.objects.get()
    assert queued.avatars == [(str(conversation.id),)]  # new contact: ask Evolution for the picture
    update = evolution("contacts-update-single.json")
    update["data"]["pushName"] = "João C."
    post_webhook(tenant, update)
    conversation.refresh_from_db()
    assert conversation.display_name == "João C."
    assert queued.avatars[-1] == (str(conversation.id), update["data"]["profilePicUrl"])


def test_contacts_of_unknown_people_create_no_conversation(tenant, post_webhook, queued):
    assert post_webhook(tenant, evolution("contacts-update-array.json")).status_code == 200
    assert not Conversation.objects.exists()


def test_unchanged_picture_is_not_fetched_again(tenant, post_webhook, queued):
    from chatmedia.media.storage.blobs import store_blob
    from chatmedia.whatsapp.values import picture_source_hash

    post_webhook(tenant, evolution("messages-upsert-text.json"))
    update = evolution("contacts-update-single.json")
    conversation = Conversation.objects.get()
    conversation.avatar = store_blob(tenant, io.BytesIO(b"jpeg"), "image/jpeg")
    conversation.avatar_source_hash = picture_source_hash(update["data"]["profilePicUrl"])
    conversation.save()
    queued.avatars.clear()
    resigned = update["data"]["profilePicUrl"].replace(
        "oh=01_Q5Aa", "oh=02_NEW"
    )  # same picture, new signature
    update["data"]["profilePicUrl"] = resigned
    post_webhook(tenant, update)
    assert queued.avatars == []


def test_encrypt_helper_is_what_the_fake_uses():
    # Sanity check of the helper the fake WhatsApp side relies on for test media.
    fields = encrypt(io.BytesIO(b"hello"), io.BytesIO(), media_type="image")
    assert len(fields["mediaKey"]) == 32


def test_group_gets_its_picture_from_contact_updates_and_its_name_from_group_metadata(
    tenant, post_webhook, queued
):
    post_webhook(tenant, evolution("messages-upsert-group-image.json"))
    group = Conversation.objects.get(is_group=True)
    assert group.display_name == ""  # the author's name is not the group's
    assert (str(group.id),) in queued.avatars
    # After a group message Evolution sends contacts.update with the *author's* push name (§6.7).
    update = evolution("contacts-update-single.json")
    update["data"].update({"remoteJid": group.remote_jid, "pushName": "Maria (autora)"})
    post_webhook(tenant, update)
    group.refresh_from_db()
    assert group.display_name == ""
    post_webhook(
        tenant,
        {
            "event": "groups.update",
            "instance": "acme-vendas",
            "data": [{"id": group.remote_jid, "subject": "Pedidos ACME"}],
        },
    )
    group.refresh_from_db()
    assert group.display_name == "Pedidos ACME"


def test_a_broker_outage_does_not_lose_the_message(tenant, post_webhook, monkeypatch):
    from kombu.exceptions import OperationalError

    from chatmedia.whatsapp import tasks

    def broker_down(*args):
        raise OperationalError("connection refused")

    monkeypatch.setattr(tasks.fetch_incoming_media, "delay", broker_down)
    monkeypatch.setattr(tasks.refresh_avatar, "delay", broker_down)
    response = post_webhook(tenant, evolution("messages-upsert-image-caption.json"))
    assert response.status_code == 200
    assert Attachment.objects.get().status == "pending"  # `recover_media` queues it again later


def test_database_outage_is_503_so_evolution_retries(tenant, post_webhook, queued, monkeypatch):
    from django.db import OperationalError

    from chatmedia.whatsapp import ingest

    def database_down(*args):
        raise OperationalError("could not connect to server")

    monkeypatch.setattr(ingest, "record_message", database_down)
    response = post_webhook(tenant, evolution("messages-upsert-text.json"))
    assert response.status_code == 503
    assert response["Retry-After"] == "5"


# --- several numbers per tenant -------------------------------------------------------------------


def test_two_numbers_of_one_tenant_keep_one_customer_apart(tenant, post_webhook, queued):
    """The same customer writes to sales and to support: two conversations, each on its number,
    through the new route and the route of before connections alike."""
    sales = connection_of(tenant)
    support = create_evolution_connection(tenant, name="Suporte", webhook_secret="support-webhook-secret-01")
    text = evolution("messages-upsert-text.json")
    assert post_webhook(tenant, text).status_code == 200
    again = evolution("messages-upsert-text.json")
    again["data"]["key"]["id"] = "3EB0SUPPORT0000000001"
    path = f"/webhooks/evolution/{support.id}/support-webhook-secret-01/"
    assert post_webhook(tenant, again, path=path).status_code == 200
    old_route = evolution("messages-upsert-text.json")
    old_route["data"]["key"]["id"] = "3EB0SUPPORT0000000002"
    path = f"/webhooks/evolution/{tenant.slug}/support-webhook-secret-01/"
    assert post_webhook(tenant, old_route, path=path).status_code == 200
    by_number = {c.connection_id: c for c in Conversation.objects.all()}
    assert set(by_number) == {sales.id, support.id}
    assert by_number[sales.id].remote_jid == by_number[support.id].remote_jid
    assert Message.objects.filter(conversation=by_number[support.id]).count() == 2
    # one number's secret never opens another's route
    wrong = f"/webhooks/evolution/{support.id}/{sales.secret('webhook_secret')}/"
    assert post_webhook(tenant, text, path=wrong).status_code == 401


def test_the_numbers_state_follows_evolutions_connection_events(tenant, post_webhook, queued):
    number = connection_of(tenant)
    assert post_webhook(tenant, evolution("connection-update-open.json")).status_code == 200
    number.refresh_from_db()
    assert number.status == "connected" and number.phone == "5511988880000" and number.status_changed_at
    logged_out = evolution("connection-update-open.json")
    logged_out["data"].update(state="close", statusReason=401)
    post_webhook(tenant, logged_out)
    number.refresh_from_db()
    assert number.status == "auth_error" and "401" in number.status_detail
