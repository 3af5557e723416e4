"""Meta's webhook JSON → our items (chatmedia.whatsapp.providers.cloud.payloads; pure). Shapes from
Meta's documented Cloud API webhooks (field `messages`, Graph API v21.0)."""

from __future__ import annotations

import base64
import contextlib
import copy
import hashlib

import pytest

from chatmedia.whatsapp.items import ContactUpdate, Ignored, IncomingMessage, Reaction, StatusUpdate
from chatmedia.whatsapp.providers.cloud.payloads import CloudPayloadError, parse, sha256_bytes
from tools.fake_graph import FakeGraph, GraphState

GRAPH = FakeGraph.__new__(FakeGraph)  # only its payload builders: no server
GRAPH.state = GraphState()
GRAPH._counter = 0


def only(payload) -> list:
    (webhook,) = parse(payload).values()
    return webhook.items


def test_a_document_with_its_name_caption_and_hash():
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "1",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "5511999990000",
                                "phone_number_id": "106540352242922",
                            },
                            "contacts": [{"profile": {"name": "Maria"}, "wa_id": "5511988887777"}],
                            "messages": [
                                {
                                    "from": "5511988887777",
                                    "id": "wamid.HBgN",
                                    "timestamp": "1764590000",
                                    "type": "document",
                                    "document": {
                                        "caption": "Segue o boleto",
                                        "filename": "boleto.pdf",
                                        "mime_type": "application/pdf",
                                        "sha256": base64.b64encode(hashlib.sha256(b"pdf").digest()).decode(),
                                        "id": "1234567890",
                                    },
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    contact, message = only(body)
    assert contact == ContactUpdate("5511988887777@s.whatsapp.net", "Maria", None)
    assert isinstance(message, IncomingMessage) and message.chat_jid == "5511988887777@s.whatsapp.net"
    assert message.author_name == "Maria" and message.text == "Segue o boleto" and not message.from_me
    media = message.media
    assert media.category == "document" and media.file_name == "boleto.pdf"
    assert media.source() == {
        "kind": "cloud",
        "media_id": "1234567890",
        "mime_type": "application/pdf",
        "sha256": hashlib.sha256(b"pdf").hexdigest(),
    }


def test_voice_notes_stickers_reactions_and_statuses():
    voice = only(
        GRAPH.message("audio", "5511988887777", data=b"", mime_type="audio/ogg; codecs=opus", voice=True)
    )
    assert voice[1].media.category == "voice" and voice[1].media.mime_type == "audio/ogg"
    audio = only(GRAPH.message("audio", "5511988887777", data=b"x", mime_type="audio/mpeg"))
    assert audio[1].media.category == "audio"
    sticker = only(
        GRAPH.message("sticker", "5511988887777", data=b"x", mime_type="image/webp", animated=True)
    )
    assert sticker[1].media.category == "sticker" and sticker[1].media.hints["animated"]
    (_, reaction) = only(GRAPH.message("reaction", "5511988887777", message_id="wamid.A", emoji="❤️"))
    assert isinstance(reaction, Reaction) and reaction.target_wa_id == "wamid.A" and reaction.emoji == "❤️"
    (failed,) = only(
        GRAPH.status("wamid.B", "failed", "5511988887777", [{"code": 131047, "title": "Re-engagement"}])
    )
    assert (
        isinstance(failed, StatusUpdate)
        and failed.status == "failed"
        and failed.error_code == "window_closed"
    )
    (other,) = only(
        GRAPH.status("wamid.B", "failed", "5511988887777", [{"code": 131999, "title": "Something"}])
    )
    assert other.error_code == "cloud_131999" and other.error_message == "Something"
    (read,) = only(GRAPH.status("wamid.B", "read", "5511988887777"))
    assert read.status == "read" and read.from_me


def test_what_is_not_shown_is_ignored_with_its_reason():
    location = GRAPH.envelope(
        {
            "messages": [
                {
                    "from": "5511988887777",
                    "id": "wamid.L",
                    "type": "location",
                    "location": {"latitude": -23.5, "longitude": -46.6},
                }
            ]
        }
    )
    (ignored,) = only(location)
    assert isinstance(ignored, Ignored) and "location" in ignored.reason
    for body in ("not json", b"[]", '{"object": "page"}'):
        with pytest.raises(CloudPayloadError):
            parse(body)


def test_meta_gives_hashes_as_base64_or_hex():
    digest = hashlib.sha256(b"x").digest()
    assert sha256_bytes(digest.hex()) == digest == sha256_bytes(base64.b64encode(digest).decode())
    assert sha256_bytes("not a hash") is None and sha256_bytes(None) is None


def _mutations(node, path=()):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _mutations(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mutations(value, (*path, index))
    yield path


@pytest.mark.parametrize("odd", [None, "", 0, -1, 10**30, "x" * 100_000, [], {}, True, "wamid.\x00"])
def test_every_field_of_every_shape_made_odd_never_raises(odd):
    shapes = [
        GRAPH.message(
            "image",
            "5511988887777",
            data=b"x",
            mime_type="image/jpeg",
            caption="c",
            context={"from": "5511988887777", "id": "wamid.Q"},
        ),
        GRAPH.message("reaction", "5511988887777", message_id="wamid.A", emoji="👍"),
        GRAPH.status(
            "wamid.B", "failed", "5511988887777", [{"code": 131047, "error_data": {"details": "d"}}]
        ),
    ]
    for shape in shapes:
        for path in _mutations(shape):
            if not path:
                continue
            mutated = copy.deepcopy(shape)
            target = mutated
            for step in path[:-1]:
                target = target[step]
            target[path[-1]] = odd
            with contextlib.suppress(CloudPayloadError):
                parse(mutated)
