"""Real traffic (fixtures/evolution-traffic) through the webhook to the rows and the API: albums,
replies, reactions, edits, deletes, LID merges, contact syncs, Cloud receipts, view-once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from chatmedia.chat.models import Attachment, Conversation, Message, Reaction
from chatmedia.chat.serializers import MessageSerializer, with_message_context
from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
from chatmedia.whatsapp import ingest, tasks
from chatmedia.whatsapp.models import EarlyAction
from chatmedia.whatsapp.providers.evolution.payloads import parse_webhook
from tests.connections import connect_to_fake, connection_of, new_tenant
from tests.whatsapp.fixtures import evolution, traffic

IMAGE_ID = "3A5F1C2B9D7E4A6B8C01"  # messages-upsert-image-caption.json
TEXT_ID = "3A00AA11BB22CC33DD44"  # messages-upsert-text.json
CUSTOMER = "5511999990000@s.whatsapp.net"
LID = "123456789012345@lid"


def connect(tenant, fake) -> None:
    """The tenant's Evolution API is the fake one."""
    connect_to_fake(tenant, fake)


def ours(tenant, wa_message_id: str, status: str) -> Message:
    """One of our own messages in the (only) conversation, already on WhatsApp."""
    return Message.objects.create(
        tenant=tenant,
        conversation=Conversation.objects.get(),
        direction="out",
        status=status,
        wa_message_id=wa_message_id,
    )


def shown(message: Message) -> dict:
    message = Message.objects.prefetch_related("attachments__renditions", "reactions").get(pk=message.pk)
    return MessageSerializer(with_message_context([message])[0]).data


def test_album_is_grouped_with_its_size_before_and_after_all_arrived(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-album-child-2.json"))  # out of order
    post_webhook(tenant, traffic("2.3.7-messages-upsert-album-announcement.json"))
    second = Message.objects.get(wa_message_id="3A0ALBUM0000000CHLD2")
    assert shown(second)["album"] == {"id": "3A0ALBUM00000000HDR1", "index": 0, "size": 2}
    post_webhook(tenant, traffic("2.3.7-messages-upsert-album-child-1.json"))
    first = Message.objects.get(wa_message_id="3A0ALBUM0000000CHLD1")
    assert shown(first)["album"]["index"] == 0 and shown(second)["album"]["index"] == 1
    assert Message.objects.count() == 2  # the announcement is no bubble of its own
    assert len(queued.media) == 2


def test_business_messages_keep_their_files(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-template-document.json"))
    post_webhook(tenant, traffic("2.3.7-messages-upsert-interactive-image.json"))
    post_webhook(tenant, traffic("2.3.7-messages-upsert-lottie-sticker.json"))
    categories = sorted(Attachment.objects.values_list("category", flat=True))
    assert categories == ["document", "image", "sticker"]
    boleto = Message.objects.get(wa_message_id="3EB0TEMPLATE0000000001")
    assert (
        boleto.text.startswith("Seu boleto") and boleto.attachments.get().file_name == "fixture-invoice.pdf"
    )


def test_reply_shows_the_quoted_message_we_have(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-image-caption.json"))
    post_webhook(tenant, traffic("2.3.7-messages-upsert-reply-text.json"))
    original = Message.objects.get(wa_message_id=IMAGE_ID)
    reply = shown(Message.objects.get(wa_message_id="3A0REPLY000000000001"))["reply_to"]
    assert reply["id"] == str(original.pk) and reply["direction"] == "in"
    assert reply["text"] == original.text and reply["category"] == "image"
    # not ready yet: the quote's own inline thumbnail stands in
    assert reply["thumb_url"].startswith("data:image/jpeg;base64,")


def test_reply_to_a_message_we_never_had_shows_what_the_quote_carries(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.4.0-rc2-messages-upsert-reply-image.json"))
    reply = shown(Message.objects.get())["reply_to"]
    assert reply == {
        "id": None,
        "wa_message_id": "3EB0C1D2E3F4A5B6C7D8E9",
        "direction": None,
        "author_name": "",
        "text": "Temos estes modelos",
        "category": "",
        "thumb_url": None,
    }


def test_reaction_replaces_and_removes_and_may_come_first(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-reaction.json"))  # before its photo
    assert EarlyAction.objects.count() == 1
    post_webhook(tenant, evolution("messages-upsert-image-caption.json"))
    photo = Message.objects.get(wa_message_id=IMAGE_ID)
    assert EarlyAction.objects.count() == 0
    (reaction,) = shown(photo)["reactions"]
    assert (reaction["emoji"], reaction["author_jid"], reaction["from_me"]) == ("👍", CUSTOMER, False)
    replaced = traffic("2.3.7-messages-upsert-reaction.json")
    replaced["data"]["key"]["id"] = "3A0REACT00000000000X"
    replaced["data"]["message"]["reactionMessage"]["text"] = "❤️"
    replaced["data"]["message"]["reactionMessage"]["senderTimestampMs"] = {"low": 1779283950, "high": 0}
    post_webhook(tenant, replaced)
    assert [r["emoji"] for r in shown(photo)["reactions"]] == ["❤️"]
    post_webhook(tenant, traffic("2.3.7-messages-upsert-reaction-removed.json"))
    assert shown(photo)["reactions"] == [] and Reaction.objects.get().emoji == ""
    post_webhook(tenant, traffic("2.3.7-messages-upsert-reaction.json"))  # an older one, late
    assert shown(photo)["reactions"] == []


@pytest.mark.parametrize(
    "name", ["2.3.7-messages-edited.json", "2.2.3-messages-edited.json", "2.3.7-messages-update-edit.json"]
)
def test_edit_keeps_the_history_and_a_repeat_changes_nothing(tenant, post_webhook, queued, published, name):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    message = Message.objects.get(wa_message_id=TEXT_ID)
    new_text = parse_webhook(traffic(name)).items[0].new_text
    post_webhook(tenant, traffic(name))
    post_webhook(tenant, traffic(name))
    data = shown(message)
    assert data["text"] == new_text and data["edited_at"] is not None
    assert [e["text"] for e in data["edits"]] == ["Olá, vocês entregam em Campinas?"]
    assert [e for e, _ in published].count("message.edited") == 1
    assert Message.objects.get(pk=message.pk).status == "delivered"  # the 2.3.7 edit is no receipt


def test_edit_before_its_message(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-edited.json"))
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    assert Message.objects.get(wa_message_id=TEXT_ID).text == "Olá, vocês entregam em Campinas e Valinhos?"


def test_an_update_labelled_deleted_deletes_nothing(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    post_webhook(tenant, traffic("2.3.4-messages-update-deleted-label.json"))
    assert Message.objects.get().deleted_at is None


def _ready_photo(tenant, post_webhook, run, fake, message_id: str, chat: str | None = None) -> Attachment:
    changes = {"id": message_id}
    if chat:
        changes["remote_jid"] = chat
    post_webhook(tenant, fake.webhook("messages-upsert-image-caption.json", "image-01", **changes))
    attachment = Attachment.objects.get(message__wa_message_id=message_id)
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    attachment.refresh_from_db()
    return attachment


@pytest.mark.parametrize(
    "name",
    [
        "2.3.7-messages-delete.json",
        "2.3.4-messages-delete.json",
        "2.3.7-messages-edited-revoke.json",
        "2.2.3-messages-upsert-revoke.json",
    ],
)
def test_revoke_purges_the_bytes_and_keeps_who_and_when(
    tenant, post_webhook, queued, run, fake_whatsapp, published, name
):
    attachment = _ready_photo(tenant, post_webhook, run, fake_whatsapp, IMAGE_ID)
    keys = [attachment.original.storage_key] + [r.blob.storage_key for r in attachment.renditions.all()]
    assert len(keys) >= 2
    post_webhook(tenant, traffic(name))
    message = Message.objects.get(wa_message_id=IMAGE_ID)
    assert message.deleted_at is not None and message.deleted_by_jid
    data = shown(message)
    assert data["text"] == "" and data["attachments"][0]["urls"] == {}
    assert not any(media_storage().exists(key) for key in keys)
    assert Blob.objects.count() == 0
    assert "message.deleted" in [e for e, _ in published]
    deleted_event = next(d for e, d in published if e == "message.deleted")
    assert deleted_event["message"]["deleted_at"]


def test_revoke_of_a_forwarded_photo_keeps_the_other_messages_copy(
    tenant, post_webhook, queued, run, fake_whatsapp
):
    kept = _ready_photo(
        tenant, post_webhook, run, fake_whatsapp, "3AFORWARDEDCOPY00001", chat="5511955550000@s.whatsapp.net"
    )
    revoked = _ready_photo(tenant, post_webhook, run, fake_whatsapp, IMAGE_ID)
    assert kept.original_id == revoked.original_id  # content-addressed: stored once
    post_webhook(tenant, traffic("2.3.7-messages-delete.json"))
    kept.refresh_from_db()
    assert kept.original is not None and media_storage().exists(kept.original.storage_key)
    assert all(media_storage().exists(r.blob.storage_key) for r in kept.renditions.all())
    revoked.refresh_from_db()
    assert revoked.original is None and not revoked.renditions.exists()


def test_retention_keeps_deleted_bytes_until_housekeeping(
    tenant, post_webhook, queued, run, fake_whatsapp, django_capture_on_commit_callbacks
):
    from chatmedia.chat import history

    tenant.deleted_media_retention_days = 30
    tenant.save()
    attachment = _ready_photo(tenant, post_webhook, run, fake_whatsapp, IMAGE_ID)
    post_webhook(tenant, traffic("2.3.7-messages-delete.json"))
    message = Message.objects.get(wa_message_id=IMAGE_ID)
    assert message.deleted_at and message.text  # kept for audit, hidden from agents
    assert shown(message)["text"] == "" and shown(message)["attachments"][0]["urls"] == {}
    assert media_storage().exists(attachment.original.storage_key)
    assert history.purge_expired_deleted_media(timezone.now() + timedelta(days=29)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert history.purge_expired_deleted_media(timezone.now() + timedelta(days=31)) == 1
    assert not media_storage().exists(attachment.original.storage_key)


def test_view_once_is_stored_unless_the_tenant_says_no(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-view-once-image.json"))
    message = Message.objects.get()
    assert message.is_view_once and len(queued.media) == 1
    tenant.store_view_once_media = False
    tenant.save()
    body = traffic("2.3.7-messages-upsert-view-once-image.json")
    body["data"]["key"]["id"] = "3A0VIEWONCE000000002"
    post_webhook(tenant, body)
    attachment = Attachment.objects.get(message__wa_message_id="3A0VIEWONCE000000002")
    assert (attachment.status, attachment.error_code, attachment.source) == (
        "failed",
        "view_once_not_stored",
        {},
    )
    assert len(queued.media) == 1


def test_forwarded_and_round_video_flags(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-forwarded-image.json"))
    post_webhook(tenant, traffic("2.3.7-messages-upsert-ptv-round-video.json"))
    forwarded = shown(Message.objects.get(wa_message_id="3A0FORWARD0000000001"))
    assert (forwarded["forwarded"], forwarded["forwarding_score"]) == (True, 5)
    video = Attachment.objects.get(message__wa_message_id="3A0ROUNDVIDEO0000001")
    assert video.category == "video" and video.metadata["round"] is True


def test_lid_conversation_merges_into_the_phone_one(tenant, post_webhook, queued, published):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-lid-only.json"))
    body = evolution("messages-upsert-text.json")
    body["data"]["key"] = {"remoteJid": CUSTOMER, "fromMe": False, "id": "3A0PHONEONLY00000001"}
    post_webhook(tenant, body)  # the phone only: nothing says it is the same person yet
    lid_only = Conversation.objects.get(remote_jid=LID)
    phone = Conversation.objects.get(remote_jid=CUSTOMER)
    post_webhook(tenant, traffic("2.4.0-rc2-messages-upsert-lid-swapped.json"))  # both addresses
    (kept,) = Conversation.objects.all()
    assert kept.pk == phone.pk and (kept.remote_jid, kept.alt_jid) == (CUSTOMER, LID)
    assert kept.messages.count() == 3
    merged = [d for e, d in published if e == "conversation.merged"]
    assert merged == [{"id": str(phone.pk), "merged": str(lid_only.pk)}]
    post_webhook(tenant, traffic("2.3.7-messages-upsert-lid-only.json"))  # a repeat stays a duplicate
    assert Message.objects.count() == 3


def test_lid_mapping_from_senderpn(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.7-messages-upsert-lid-only.json"))
    post_webhook(tenant, traffic("2.3.4-messages-upsert-lid-senderpn.json"))
    (conversation,) = Conversation.objects.all()
    assert (conversation.remote_jid, conversation.alt_jid) == (CUSTOMER, LID)


def test_contact_sync_never_clobbers_name_or_picture(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    conversation = Conversation.objects.get()
    assert conversation.display_name == "João Cliente"
    queued.avatars.clear()
    post_webhook(tenant, traffic("2.3.7-contacts-upsert-sync.json"))
    conversation.refresh_from_db()
    assert conversation.display_name == "João Cliente"
    assert queued.avatars == []  # null picture: not looked up, nothing to remove


def test_group_subject_from_group_events_only(tenant, post_webhook, queued):
    post_webhook(tenant, traffic("2.3.4-messages-upsert-group-participantpn.json"))
    group = Conversation.objects.get(is_group=True)
    assert group.display_name == ""
    post_webhook(tenant, traffic("2.3.7-groups-upsert.json"))
    group.refresh_from_db()
    assert group.display_name == "Pedidos ACME"
    post_webhook(tenant, traffic("2.3.7-groups-update.json"))
    group.refresh_from_db()
    assert group.display_name == "Pedidos ACME — Junho"


def test_cloud_receipts_reach_our_message(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    mine = ours(tenant, "wamid.HBgNNTUxMTk5OTk5MDAwMBUCABEYEjVBNTVDN0IxMjM0NTY3ODkA", "processing")
    post_webhook(tenant, traffic("2.3.7-cloud-messages-update-sent.json"))
    post_webhook(tenant, traffic("2.3.7-cloud-messages-update-delivered.json"))
    mine.refresh_from_db()
    assert mine.status == "delivered"
    post_webhook(tenant, traffic("2.3.7-cloud-messages-update-read.json"))
    mine.refresh_from_db()
    assert mine.status == "read"


def test_evolution_1_8_receipt(tenant, post_webhook, queued):
    post_webhook(tenant, evolution("messages-upsert-text.json"))
    mine = ours(tenant, "3EB0C1D2E3F4A5B6C7D8E9", "sent")
    post_webhook(tenant, traffic("1.8.2-messages-update-delivery.json"))
    mine.refresh_from_db()
    assert mine.status == "delivered"


@pytest.mark.django_db(transaction=True)
def test_two_webhooks_of_one_person_at_once_leave_one_conversation(settings):
    """One addressed by LID only, one by phone with the LID: at once, on the real database."""
    tenant = new_tenant("merge", "Merge")
    number = connection_of(tenant)
    bodies = [
        traffic("2.3.7-messages-upsert-lid-only.json"),
        traffic("2.4.0-rc2-messages-upsert-lid-swapped.json"),
    ]
    for attempt in range(3):
        for body in bodies:
            body["data"]["key"]["id"] = body["data"]["key"]["id"][:-1] + str(attempt)
        barrier = threading.Barrier(2)
        errors = []

        def post(body, barrier=barrier, errors=errors):
            try:
                barrier.wait(5)
                ingest.handle(number, parse_webhook(body))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=post, args=(body,)) for body in bodies]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(20)
        assert errors == []
        assert Conversation.objects.filter(tenant=tenant).count() == 1, f"attempt {attempt}"
    assert Message.objects.filter(tenant=tenant).count() == 6


def test_a_new_group_gets_its_subject_from_evolutions_group_info(tenant, post_webhook, queued, fake_whatsapp):
    connect(tenant, fake_whatsapp)
    post_webhook(tenant, evolution("messages-upsert-group-image.json"))
    group = Conversation.objects.get(is_group=True)
    assert queued.groups == [str(group.pk)]
    assert tasks.refresh_group.apply(args=[str(group.pk)]).get() == "stored"
    group.refresh_from_db()
    assert group.display_name == "Pedidos ACME"
    (call,) = fake_whatsapp.calls("findGroupInfos")
    assert "groupJid=120363123456789012%40g.us" in call["body"]["query"]


def test_a_revoke_before_its_photo_means_the_photo_is_never_fetched(tenant, post_webhook, queued, run):
    post_webhook(tenant, traffic("2.3.7-messages-delete.json"))
    post_webhook(tenant, evolution("messages-upsert-image-caption.json"))
    message = Message.objects.get(wa_message_id=IMAGE_ID)
    assert message.deleted_at is not None and queued.media == []
    attachment = message.attachments.get()
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "deleted"  # a stale task, too


def test_a_group_authors_lid_and_phone_chats_become_one(tenant, post_webhook, queued):
    body = traffic("2.3.7-messages-upsert-lid-only.json")
    body["data"]["key"]["remoteJid"] = "987654321098765@lid"
    post_webhook(tenant, body)  # the author wrote to us 1:1 by LID
    group = evolution("messages-upsert-group-image.json")  # participant that LID, participantAlt the phone
    group["data"]["key"]["participant"] = "987654321098765@lid"
    post_webhook(tenant, group)
    person = Conversation.objects.get(is_group=False)
    assert (person.remote_jid, person.alt_jid) == (
        group["data"]["key"]["participantAlt"],
        "987654321098765@lid",
    )


def test_a_cloud_document_without_base64_is_fetched_through_getbase64(
    tenant, post_webhook, queued, run, fake_whatsapp, settings
):
    """Evolution's Cloud integration sends Meta's document object (no CDN fields): the file keeps its
    name and type, and Evolution fetches it by the Meta media id we pass back."""
    connect(tenant, fake_whatsapp)
    body = traffic("2.3.7-cloud-messages-upsert-document.json")
    fake_whatsapp.state.messages[body["data"]["key"]["id"]] = "document-01"
    body["data"]["message"]["documentMessage"].pop("sha256")  # the fixture's hash is not document-01's
    post_webhook(tenant, body)
    attachment = Attachment.objects.get()
    assert (attachment.file_name, attachment.declared_mime_type) == ("boleto-maio.pdf", "application/pdf")
    assert run(tasks.fetch_incoming_media, str(attachment.id)) == "ready"
    (call,) = fake_whatsapp.calls("getBase64FromMediaMessage")
    assert call["body"]["message"]["message"]["documentMessage"]["id"] == "1234567890123456"
