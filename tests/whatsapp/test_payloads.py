"""Parsing every Evolution shape of fixtures/evolution and the spec's serialization quirks."""

from __future__ import annotations

import base64
import json

import pytest

from chatmedia.whatsapp.items import ConnectionState
from chatmedia.whatsapp.providers.evolution.payloads import (
    ContactUpdate,
    Ignored,
    IncomingMessage,
    StatusUpdate,
    parse_webhook,
    unwrap_message,
)
from chatmedia.whatsapp.values import decode_bytes, decode_long, normalize_jid
from tests.whatsapp.fixtures import EVOLUTION_FILES, VECTORS, evolution, plain_bytes, raw

WEBHOOK_FILES = [name for name in EVOLUTION_FILES if "event" in evolution(name)]

MEDIA_FIXTURES = {
    "messages-upsert-image-caption.json": ("image-01", "image", "image"),
    "messages-upsert-ptt-voice-note.json": ("ptt-01", "voice", "audio"),
    "messages-upsert-audio-file.json": ("audio-01", "audio", "audio"),
    "messages-upsert-document-pdf.json": ("document-01", "document", "document"),
    "messages-upsert-video.json": ("video-01", "video", "video"),
    "messages-upsert-sticker.json": ("sticker-01", "sticker", "sticker"),
    "messages-upsert-group-image.json": ("image-01", "image", "image"),
    "messages-upsert-image-with-base64.json": ("image-01", "image", "image"),
    "messages-upsert-image-with-mediaurl.json": ("image-01", "image", "image"),
    "messages-upsert-image-fromme-phone.json": ("image-01", "image", "image"),
    "messages-upsert-image-legacy-v2.2.json": ("image-01", "image", "image"),
    "send-message-image.json": ("image-01", "image", "image"),
}


@pytest.mark.parametrize("name", WEBHOOK_FILES)
def test_every_webhook_fixture_parses_without_error(name):
    webhook = parse_webhook(evolution(name))
    assert webhook.instance == "acme-vendas"
    assert webhook.items


@pytest.mark.parametrize(("name", "expected"), MEDIA_FIXTURES.items())
def test_media_fields_decode_to_the_vector(name, expected):
    vector_id, category, media_type = expected
    (item,) = parse_webhook(evolution(name)).items
    assert isinstance(item, IncomingMessage)
    media = item.media
    vector = VECTORS[vector_id]
    assert media.category == category
    assert media.media_type == media_type
    assert media.media_key == raw(vector, "media_key")
    assert media.file_sha256 == raw(vector, "file_sha256")
    assert media.file_enc_sha256 == raw(vector, "file_enc_sha256")
    assert media.file_length == vector["file_length"]
    assert media.direct_path.startswith("/v/t62.0000-24/FIXTURE_")
    assert ";" not in media.mime_type


def test_image_with_caption_in_a_lid_addressed_chat():
    (item,) = parse_webhook(evolution("messages-upsert-image-caption.json")).items
    assert item.chat_jid == "5511999990000@s.whatsapp.net"
    assert item.text == "Foto do produto com defeito"
    assert item.author_name == "João Cliente"
    assert not item.from_me and not item.is_group
    assert item.timestamp.timestamp() == 1779283200
    assert item.media.hints["width"] == 320 and item.media.hints["height"] == 240
    assert item.media.hints["placeholder"].startswith("data:image/jpeg;base64,/9j/")
    assert item.evolution_message["key"]["id"] == "3A5F1C2B9D7E4A6B8C01"
    assert list(item.evolution_message["message"]) == ["imageMessage"]


def test_voice_note_keeps_ptt_waveform_and_the_lid_as_alias():
    (item,) = parse_webhook(evolution("messages-upsert-ptt-voice-note.json")).items
    assert item.chat_alt_jid == "123456789012345@lid"
    assert item.media.hints["ptt"] is True
    assert len(item.media.hints["waveform"]) == 64
    assert all(0 <= bar <= 100 for bar in item.media.hints["waveform"])
    assert item.media.hints["duration"] == 4


def test_group_image_author_is_the_phone_of_the_participant():
    (item,) = parse_webhook(evolution("messages-upsert-group-image.json")).items
    assert item.is_group
    assert item.chat_jid == "120363123456789012@g.us"
    assert item.author_jid == "5511977770000@s.whatsapp.net"
    assert item.author_name == "Maria Souza"


def test_document_name_caption_and_pages():
    (item,) = parse_webhook(evolution("messages-upsert-document-pdf.json")).items
    assert item.media.file_name == "fixture-invoice.pdf"
    assert item.text == "Segue a nota fiscal"
    assert item.media.hints["pages"] == 1


def test_sticker_dummy_url_is_kept_but_direct_path_is_what_counts():
    (item,) = parse_webhook(evolution("messages-upsert-sticker.json")).items
    assert item.media.url == "https://web.whatsapp.net"
    assert item.media.direct_path


def test_inline_base64_is_the_plaintext():
    (item,) = parse_webhook(evolution("messages-upsert-image-with-base64.json")).items
    assert base64.b64decode(item.media.inline_base64) == plain_bytes(VECTORS["image-01"])


def test_from_me_typed_on_the_phone():
    (item,) = parse_webhook(evolution("messages-upsert-image-fromme-phone.json")).items
    assert item.from_me


def test_send_message_drops_the_voce_placeholder_name():
    (item,) = parse_webhook(evolution("send-message-image.json")).items
    assert item.from_me and item.author_name == ""


def test_text_message():
    (item,) = parse_webhook(evolution("messages-upsert-text.json")).items
    assert item.media is None
    assert item.text == "Olá, vocês entregam em Campinas?"


@pytest.mark.parametrize(
    ("name", "status"),
    [("messages-update-delivery-ack.json", "delivered"), ("messages-update-read.json", "read")],
)
def test_status_updates(name, status):
    (item,) = parse_webhook(evolution(name)).items
    assert item == StatusUpdate("3EB0C1D2E3F4A5B6C7D8E9", True, status, item.evolution_status)


@pytest.mark.parametrize("raw_status", [4, "READ", "read"])
def test_status_as_number_or_any_case(raw_status):
    body = evolution("messages-update-read.json")
    body["data"]["status"] = raw_status
    (item,) = parse_webhook(body).items
    assert item.status == "read"


def test_played_is_its_own_status_and_unknown_status_is_ignored():
    body = evolution("messages-update-read.json")
    body["data"]["status"] = "PLAYED"
    assert parse_webhook(body).items[0].status == "played"
    body["data"]["status"] = "WEIRD"
    assert isinstance(parse_webhook(body).items[0], Ignored)


def test_contacts_update_as_array_and_as_object():
    array = parse_webhook(evolution("contacts-update-array.json")).items
    single = parse_webhook(evolution("contacts-update-single.json")).items
    assert [type(i) for i in array] == [ContactUpdate, ContactUpdate]
    assert array[0].picture_url.startswith("https://pps.whatsapp.net/")
    assert array[1].picture_url is None  # null: not looked up (or hidden): never "removed"
    assert single[0].jid == "5511999990000@s.whatsapp.net"


def test_connection_update_is_the_numbers_state_and_unknown_events_are_ignored():
    (opened,) = parse_webhook(evolution("connection-update-open.json")).items
    assert opened == ConnectionState("connected", "Evolution: open (200)", "5511988880000")
    closed = evolution("connection-update-open.json")
    closed["data"].update(state="close", statusReason=401)  # logged out on the phone
    assert parse_webhook(closed).items[0].status == "auth_error"
    closed["data"].update(state="close", statusReason=428)  # the connection dropped
    assert parse_webhook(closed).items[0].status == "disconnected"
    closed["data"].update(state="connecting")
    assert isinstance(parse_webhook(closed).items[0], Ignored)
    assert isinstance(parse_webhook({"event": "chats.upsert", "data": []}).items[0], Ignored)


# --- serializations ------------------------------------------------------------------------------


def test_bytes_in_every_serialization():
    data = bytes(range(20))
    index_keyed = {str(i): b for i, b in enumerate(data)}
    string_sorted = dict(sorted(index_keyed.items()))  # "10" before "2", as JSONB stores it
    assert list(string_sorted)[:3] == ["0", "1", "10"]
    for value in (
        base64.b64encode(data).decode(),
        base64.b64encode(data).decode().rstrip("="),
        base64.urlsafe_b64encode(data).decode(),
        "data:;base64," + base64.b64encode(data).decode(),
        index_keyed,
        string_sorted,
        json.loads(json.dumps(string_sorted)),
        list(data),
        {"type": "Buffer", "data": list(data)},
    ):
        assert decode_bytes(value) == data, value


@pytest.mark.parametrize(
    "value", [None, "", "not base64!", {"0": 1, "2": 3}, {"0": 300}, [1, -1], {"a": 1}, 12, True]
)
def test_unreadable_bytes_are_none(value):
    assert decode_bytes(value) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (8625, 8625),
        ("8625", 8625),
        ({"low": 8625, "high": 0, "unsigned": True}, 8625),
        ({"low": 1167038456, "high": 414, "unsigned": False}, 414 * 2**32 + 1167038456),
        ({"low": -1, "high": 0, "unsigned": True}, 2**32 - 1),
        ({"low": -1, "high": -1, "unsigned": False}, -1),
        (12.0, 12),
        (None, None),
        ("12a", None),
        (True, None),
        ({"low": "x", "high": 0}, None),
    ],
)
def test_longs_in_every_serialization(value, expected):
    assert decode_long(value) == expected


def test_jid_normalization():
    assert normalize_jid("5511999990000:12@s.whatsapp.net") == "5511999990000@s.whatsapp.net"
    assert normalize_jid(" 123456789012345@LID ") == "123456789012345@lid"
    assert normalize_jid("no-at-sign") == ""
    assert normalize_jid(None) == ""


def test_wrappers_are_unwrapped():
    image = evolution("messages-upsert-image-caption.json")
    node = image["data"]["message"]["imageMessage"]
    for wrapper in ("ephemeralMessage", "viewOnceMessage", "viewOnceMessageV2", "viewOnceMessageV2Extension"):
        body = evolution("messages-upsert-image-caption.json")
        body["data"]["message"] = {wrapper: {"message": {"imageMessage": node}}}
        (item,) = parse_webhook(body).items
        assert item.media.content_key == "imageMessage", wrapper
    nested = {
        "ephemeralMessage": {"message": {"documentWithCaptionMessage": {"message": {"documentMessage": {}}}}}
    }
    assert "documentMessage" in unwrap_message(nested)


def test_lid_only_sender_is_accepted():
    body = evolution("messages-upsert-text.json")
    body["data"]["key"] = {"remoteJid": "123456789012345@lid", "fromMe": False, "id": "LIDONLY1"}
    (item,) = parse_webhook(body).items
    assert item.chat_jid == "123456789012345@lid"


def test_lid_remote_with_phone_alt_is_keyed_by_phone():
    body = evolution("messages-upsert-text.json")
    body["data"]["key"] = {
        "remoteJid": "123456789012345@lid",
        "remoteJidAlt": "5511999990000:3@s.whatsapp.net",
        "fromMe": False,
        "id": "SWAPPED1",
    }
    (item,) = parse_webhook(body).items
    assert item.chat_jid == "5511999990000@s.whatsapp.net"
    assert item.chat_alt_jid == "123456789012345@lid"


def test_status_broadcasts_newsletters_reactions_are_ignored():
    body = evolution("messages-upsert-text.json")
    body["data"]["key"]["remoteJid"] = "status@broadcast"
    assert isinstance(parse_webhook(body).items[0], Ignored)
    body = evolution("messages-upsert-text.json")
    body["data"]["message"] = {"reactionMessage": {"text": "👍"}}
    assert isinstance(parse_webhook(body).items[0], Ignored)


def test_messages_arriving_as_a_list():
    body = evolution("messages-upsert-text.json")
    second = json.loads(json.dumps(body["data"]))
    second["key"]["id"] = "OTHER"
    body["data"] = [body["data"], second, "garbage"]
    items = parse_webhook(body).items
    assert [type(i) for i in items] == [IncomingMessage, IncomingMessage, Ignored]


@pytest.mark.parametrize(
    "data",
    [
        None,
        {},
        {"key": None},
        {"key": {"id": ""}},
        {"key": {"id": "X", "remoteJid": 5}},
        {"key": {"id": "X", "remoteJid": "1@s.whatsapp.net"}, "message": "text"},
        {"key": {"id": "X", "remoteJid": "1@s.whatsapp.net"}, "message": {"imageMessage": {"mediaKey": 5}}},
        {"key": {"id": "X", "remoteJid": "1@s.whatsapp.net"}, "messageTimestamp": "soon", "message": {}},
    ],
)
def test_malformed_messages_never_raise(data):
    items = parse_webhook({"event": "messages.upsert", "instance": "x", "data": data}).items
    assert len(items) == 1
