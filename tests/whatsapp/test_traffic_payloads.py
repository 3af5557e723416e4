"""Every shape of fixtures/evolution-traffic (Evolution 1.8.2 … 2.4.0-rc2) parses to what it means."""

from __future__ import annotations

import pytest

from chatmedia.whatsapp.providers.evolution import content as wa_content
from chatmedia.whatsapp.providers.evolution.payloads import (
    AlbumAnnouncement,
    ContactUpdate,
    Edit,
    GroupUpdate,
    Ignored,
    IncomingMessage,
    Reaction,
    Revoke,
    StatusUpdate,
    parse_webhook,
)
from tests.whatsapp.fixtures import TRAFFIC_FILES, traffic

CUSTOMER = "5511999990000@s.whatsapp.net"
LID = "123456789012345@lid"


def only(name):
    (item,) = parse_webhook(traffic(name)).items
    return item


def test_every_traffic_fixture_is_understood():
    """None of them is dropped for a shape we do not know (only the DELETED label is ignored, on purpose)."""
    for name in TRAFFIC_FILES:
        for item in parse_webhook(traffic(name)).items:
            if isinstance(item, Ignored):
                assert name == "2.3.4-messages-update-deleted-label.json", (name, item.reason)


def test_album_announcement_and_children():
    header = only("2.3.7-messages-upsert-album-announcement.json")
    assert isinstance(header, AlbumAnnouncement)
    assert (header.wa_message_id, header.expected_count) == ("3A0ALBUM00000000HDR1", 2)
    first, second = (
        only("2.3.7-messages-upsert-album-child-1.json"),
        only("2.3.7-messages-upsert-album-child-2.json"),
    )
    assert first.media.category == second.media.category == "image"
    assert first.album_parent_id == second.album_parent_id == "3A0ALBUM00000000HDR1"
    assert first.text == "Foto 1 do pedido" and second.text == ""
    assert first.media.media_key is not None and len(first.media.media_key) == 32


def test_lottie_sticker_is_a_sticker():
    item = only("2.3.7-messages-upsert-lottie-sticker.json")
    assert item.media.category == "sticker" and item.media.hints["lottie"] is True


def test_business_template_document_keeps_file_and_text():
    item = only("2.3.7-messages-upsert-template-document.json")
    assert item.media.category == "document" and item.media.mime_type == "application/pdf"
    assert item.media.file_name == "fixture-invoice.pdf"
    assert item.text == "Seu boleto de maio vence em 10/06.\nACME Cobrança"
    assert item.evolution_message["message"]["documentMessage"]["mediaKey"]


def test_interactive_image_header():
    item = only("2.3.7-messages-upsert-interactive-image.json")
    assert item.media.category == "image"
    assert item.text == "Sua nota fiscal 4312 está disponível.\nACME"


def test_text_reply_reads_the_quote_evolution_moved_to_data_context_info():
    item = only("2.3.7-messages-upsert-reply-text.json")
    assert item.text == "Essa aqui, tem no tamanho M?"
    quote = item.reply_to
    assert (quote.wa_message_id, quote.author_jid, quote.category) == (
        "3A5F1C2B9D7E4A6B8C01",
        CUSTOMER,
        "image",
    )
    assert quote.text and quote.placeholder.startswith("data:image/jpeg;base64,")


def test_media_reply_in_2_4_reads_the_nodes_own_context():
    item = only("2.4.0-rc2-messages-upsert-reply-image.json")
    assert (item.reply_to.wa_message_id, item.reply_to.text, item.reply_to.category) == (
        "3EB0C1D2E3F4A5B6C7D8E9",
        "Temos estes modelos",
        "",
    )
    assert (item.chat_jid, item.chat_alt_jid) == (CUSTOMER, LID)


def test_reaction_and_its_removal():
    put, removed = (
        only("2.3.7-messages-upsert-reaction.json"),
        only("2.3.7-messages-upsert-reaction-removed.json"),
    )
    assert isinstance(put, Reaction) and isinstance(removed, Reaction)
    assert (put.target_wa_id, put.emoji, removed.emoji) == ("3A5F1C2B9D7E4A6B8C01", "👍", "")
    assert put.where.chat_jid == CUSTOMER and not put.where.from_me
    assert put.where.at.timestamp() == 1779283900 and removed.where.at > put.where.at


def test_forwarded_view_once_and_round_video():
    forwarded = only("2.3.7-messages-upsert-forwarded-image.json")
    assert (forwarded.forwarded, forwarded.forwarding_score) == (True, 5)
    view_once = only("2.3.7-messages-upsert-view-once-image.json")
    assert view_once.is_view_once and view_once.media.category == "image"
    round_video = only("2.3.7-messages-upsert-ptv-round-video.json")
    assert round_video.media.category == "video" and round_video.media.hints["round"] is True


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("2.3.7-messages-edited.json", "Olá, vocês entregam em Campinas e Valinhos?"),
        ("2.2.3-messages-edited.json", "Olá, vocês entregam em Valinhos?"),
        ("2.3.7-messages-update-edit.json", "Olá, vocês entregam em Campinas hoje?"),
    ],
)
def test_edits_in_every_shape(name, text):
    item = only(name)
    assert isinstance(item, Edit)
    assert (item.target_wa_id, item.new_text) == ("3A00AA11BB22CC33DD44", text)


def test_the_edits_key_names_our_own_number_so_it_does_not_name_the_chat():
    assert only("2.3.7-messages-edited.json").where.chat_jid == ""


def test_an_update_labelled_deleted_is_no_receipt_and_no_delete():
    assert isinstance(only("2.3.4-messages-update-deleted-label.json"), Ignored)


@pytest.mark.parametrize(
    "name",
    [
        "2.3.7-messages-delete.json",
        "2.3.4-messages-delete.json",
        "2.3.7-messages-edited-revoke.json",
        "2.2.3-messages-upsert-revoke.json",
    ],
)
def test_revokes_in_every_shape(name):
    item = only(name)
    assert isinstance(item, Revoke) and item.target_wa_id == "3A5F1C2B9D7E4A6B8C01"


@pytest.mark.parametrize(
    ("name", "chat", "alt"),
    [
        ("2.3.4-messages-upsert-lid-senderpn.json", CUSTOMER, LID),
        ("2.3.7-messages-upsert-lid-only.json", LID, ""),
        ("2.4.0-rc2-messages-upsert-lid-swapped.json", CUSTOMER, LID),
    ],
)
def test_lid_addressing_in_every_version(name, chat, alt):
    item = only(name)
    assert (item.chat_jid, item.chat_alt_jid) == (chat, alt)


def test_group_author_from_participant_pn():
    item = only("2.3.4-messages-upsert-group-participantpn.json")
    assert item.author_jid == "5511977770000@s.whatsapp.net" and item.author_alt_jid.endswith("@lid")


def test_contact_sync_null_picture_is_unknown_and_a_bare_number_is_no_name():
    first, second = parse_webhook(traffic("2.3.7-contacts-upsert-sync.json")).items
    assert isinstance(first, ContactUpdate)
    assert (first.push_name, first.picture_url) == ("", None)
    assert (second.push_name, second.picture_url) == ("Ana Prado", None)


def test_group_metadata_events():
    assert only("2.3.7-groups-upsert.json") == GroupUpdate("120363123456789012@g.us", "Pedidos ACME")
    assert only("2.3.7-groups-update.json").subject == "Pedidos ACME — Junho"


@pytest.mark.parametrize(
    ("status", "ours"), [("sent", "sent"), ("delivered", "delivered"), ("failed", "failed")]
)
def test_cloud_integration_statuses_are_about_our_messages(status, ours):
    item = only(f"2.3.7-cloud-messages-update-{status}.json")
    assert isinstance(item, StatusUpdate)
    assert (item.status, item.from_me, item.direction_known) == (ours, True, True)


def test_cloud_read_may_be_either_direction():
    item = only("2.3.7-cloud-messages-update-read.json")
    assert (item.status, item.direction_known) == ("read", False)


def test_cloud_document_keeps_name_type_and_meta_media_id():
    item = only("2.3.7-cloud-messages-upsert-document.json")
    assert isinstance(item, IncomingMessage)
    assert (item.media.file_name, item.media.mime_type, item.text) == (
        "boleto-maio.pdf",
        "application/pdf",
        "Boleto de maio",
    )
    assert item.evolution_message["message"]["documentMessage"]["id"] == "1234567890123456"
    assert item.media.file_sha256 is not None and len(item.media.file_sha256) == 32


def test_evolution_1_8_receipt_with_id():
    item = only("1.8.2-messages-update-delivery.json")
    assert (item.wa_message_id, item.status, item.from_me) == ("3EB0C1D2E3F4A5B6C7D8E9", "delivered", True)


def test_wrappers_nest_in_any_order():
    node = {"imageMessage": {"mimetype": "image/jpeg"}}
    message = node
    for wrapper in ("groupMentionedMessage", "botInvokeMessage", "viewOnceMessage", "ephemeralMessage"):
        message = {wrapper: {"message": message}}
    unwrapped = wa_content.unwrap(message)
    assert "imageMessage" in unwrapped.message and unwrapped.view_once


def test_every_wrapper_and_content_key_is_in_the_table():
    assert set(wa_content.MEDIA_KEYS) <= set(wa_content.CONTENT_TABLE)
    assert {"reactionMessage", "protocolMessage", "albumMessage", "templateMessage"} <= set(
        wa_content.CONTENT_TABLE
    )


ODD_VALUES = [
    None,
    "",
    0,
    -1,
    2**70,
    True,
    [],
    {},
    "x" * 5000,
    {"0": 300},
    [{"id": None}],
    "🙂",
    {"low": "a"},
]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _set(node, path, value):
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value


@pytest.mark.parametrize("name", TRAFFIC_FILES)
def test_every_field_of_every_shape_may_be_odd_and_nothing_raises(name):
    """Each field of each real shape replaced by odd values, one at a time: parsing gives items or
    `Ignored`, never an exception (which the webhook would turn into a 500)."""
    import random

    body = traffic(name)
    paths = [p for p in _paths(body["data"]) if p]
    rng = random.Random(name)
    for path in rng.sample(paths, min(len(paths), 60)):
        for value in ODD_VALUES:
            mutated = traffic(name)
            _set(mutated["data"], path, value)
            for item in parse_webhook(mutated).items:
                assert item is not None
