"""Evolution API webhook JSON -> typed objects (shared/spec/evolution-api.md §5-§9).

Evolution's shapes change between versions: bytes arrive as base64 strings, index-keyed objects
(`{"0": 194, ...}`, whose keys must be sorted numerically), lists of ints or Node Buffer JSON;
64-bit numbers as ints, decimal strings or `{low, high, unsigned}`; `data` as an object or a list.
Everything here is pure computation: no database, no I/O. Anything not understood becomes `Ignored`
with a reason, never an exception the webhook would turn into a 500.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from chatmedia.whatsapp.crypto import MESSAGE_MEDIA_TYPES
from chatmedia.whatsapp.values import decode_bytes, decode_long, is_group_jid, is_phone_jid, normalize_jid

WRAPPERS = (
    "ephemeralMessage",
    "viewOnceMessage",
    "viewOnceMessageV2",
    "viewOnceMessageV2Extension",
    "documentWithCaptionMessage",
    "editedMessage",
)
MAX_WRAPPER_DEPTH = 5
MEDIA_CONTENT_KEYS = (
    "imageMessage",
    "videoMessage",
    "ptvMessage",
    "audioMessage",
    "documentMessage",
    "stickerMessage",
)
# Baileys' numeric receipt states, as some payloads carry them.
_STATUS_NUMBERS = {0: "ERROR", 1: "PENDING", 2: "SERVER_ACK", 3: "DELIVERY_ACK", 4: "READ", 5: "PLAYED"}
# Evolution status -> our Message.status.
STATUS_MAP = {
    "ERROR": "failed",
    "PENDING": "pending",
    "SERVER_ACK": "sent",
    "DELIVERY_ACK": "delivered",
    "READ": "read",
    "PLAYED": "played",
}
# What Evolution needs of a media node to download it again (getBase64FromMediaMessage); the rest
# (thumbnails, annotations, context) would only bloat the stored copy.
EVOLUTION_NODE_FIELDS = frozenset(
    {
        "url",
        "directPath",
        "mediaKey",
        "fileSha256",
        "fileEncSha256",
        "fileLength",
        "mediaKeyTimestamp",
        "mimetype",
        "fileName",
        "ptt",
        "seconds",
        "gifPlayback",
        "width",
        "height",
        "isAnimated",
    }
)
# Largest inline JPEG thumbnail we pass on to the UI as a placeholder (base64 bytes in JSON).
MAX_PLACEHOLDER_BYTES = 4096


class PayloadError(ValueError):
    pass


def _text(value: Any, limit: int = 65536) -> str:
    return value[:limit] if isinstance(value, str) else ""


# --- typed results ----------------------------------------------------------------------------------


@dataclass
class MediaRef:
    """What we need to get and describe the bytes of one media message."""

    content_key: str  # imageMessage, audioMessage, ...
    media_type: str  # crypto media type (whose HKDF keys decrypt it)
    category: str  # Attachment.Category value
    mime_type: str  # declared, parameters removed
    url: str = ""
    direct_path: str = ""
    media_key: bytes | None = None
    file_sha256: bytes | None = None
    file_enc_sha256: bytes | None = None
    file_length: int | None = None
    file_name: str = ""
    caption: str = ""
    hints: dict = field(default_factory=dict)  # width/height/duration/ptt/waveform/pages/placeholder
    inline_base64: str | None = None  # Evolution's `data.message.base64` (decrypted file)

    def source(self) -> dict:
        """JSON for Attachment.source (secret: holds the media key)."""

        def b64(value: bytes | None) -> str | None:
            return base64.b64encode(value).decode() if value is not None else None

        return {
            "kind": "whatsapp",
            "content_key": self.content_key,
            "media_type": self.media_type,
            "url": self.url,
            "direct_path": self.direct_path,
            "media_key": b64(self.media_key),
            "file_sha256": b64(self.file_sha256),
            "file_enc_sha256": b64(self.file_enc_sha256),
            "file_length": self.file_length,
        }


@dataclass
class IncomingMessage:
    event: str
    wa_message_id: str
    chat_jid: str  # the conversation: phone JID when known, else LID, or the group
    chat_alt_jid: str  # the other address of a 1:1 peer (LID or phone), if any
    from_me: bool
    author_jid: str  # group author (phone preferred), '' in 1:1
    author_name: str
    timestamp: datetime
    text: str
    media: MediaRef | None
    # `{"key":…, "message":{<content key>: node}}` for Evolution getBase64FromMediaMessage.
    evolution_message: dict | None = None

    @property
    def is_group(self) -> bool:
        return is_group_jid(self.chat_jid)


@dataclass
class StatusUpdate:
    wa_message_id: str
    from_me: bool
    status: str  # our Message.status value
    evolution_status: str


@dataclass
class ContactUpdate:
    jid: str
    push_name: str
    # None: the event says nothing about the picture; "": no picture (or hidden); else a URL.
    picture_url: str | None


@dataclass
class Ignored:
    reason: str


Item = IncomingMessage | StatusUpdate | ContactUpdate | Ignored


@dataclass
class Webhook:
    event: str
    instance: str
    items: list[Item]


# --- parsing ----------------------------------------------------------------------------------------


EVENT_NAME_MAX_CHARS = 64  # Evolution's longest is `messages.edited`-sized; more is not an event name


def parse_webhook_body(raw: bytes | str) -> Webhook:
    """`parse_webhook` of a request body. Not JSON, or JSON nested deeper than the interpreter
    recurses (`[[[[…` of a few kilobytes), is a PayloadError like any other shape we cannot use."""
    try:
        body = json.loads(raw)
    except RecursionError:
        raise PayloadError("the JSON is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, and bytes that are not UTF-8
        raise PayloadError(f"the body is not JSON ({str(exc)[:100]})") from None
    return parse_webhook(body)


def parse_webhook(body: Any) -> Webhook:
    if not isinstance(body, dict):
        raise PayloadError("the body is not a JSON object")
    event = body.get("event")
    if not isinstance(event, str) or not event:
        raise PayloadError("no event name")
    event = event.strip().lower().replace("_", ".")[:EVENT_NAME_MAX_CHARS]
    instance = body.get("instance") if isinstance(body.get("instance"), str) else ""
    data = body.get("data")
    entries = data if isinstance(data, list) else [data]
    parser = _PARSERS.get(event)
    if parser is None:
        return Webhook(event, instance, [Ignored(f"event {event} is not handled")])
    items: list[Item] = []
    for entry in entries:
        if not isinstance(entry, dict):
            items.append(Ignored(f"{event}: an entry is not an object"))
            continue
        try:
            items.append(parser(event, entry))
        except PayloadError as exc:
            items.append(Ignored(f"{event}: {exc}"))
    return Webhook(event, instance, items)


def unwrap_message(message: Any) -> dict:
    current = message if isinstance(message, dict) else {}
    for _ in range(MAX_WRAPPER_DEPTH):
        wrapper = next((k for k in WRAPPERS if isinstance(current.get(k), dict)), None)
        if wrapper is None:
            break
        inner = current[wrapper].get("message")
        if not isinstance(inner, dict):
            break
        current = inner
    return current


def _parse_message(event: str, data: dict) -> Item:
    key = data.get("key")
    if not isinstance(key, dict):
        raise PayloadError("no message key")
    wa_id = key.get("id")
    if not isinstance(wa_id, str) or not wa_id.strip():
        raise PayloadError("no key.id")
    remote = normalize_jid(key.get("remoteJid"))
    alt = normalize_jid(key.get("remoteJidAlt"))
    if not remote:
        raise PayloadError("no key.remoteJid")
    if remote.endswith("@broadcast") or remote.endswith("@newsletter"):
        return Ignored(f"{remote.split('@')[1]} messages are not chats")
    chat, chat_alt = remote, alt if alt != remote else ""
    if not is_group_jid(remote) and not is_phone_jid(remote) and is_phone_jid(alt):
        chat, chat_alt = alt, remote  # key contacts by phone, keep the LID as alias
    from_me = key.get("fromMe") is True
    author = ""
    if is_group_jid(chat):
        participant = normalize_jid(key.get("participant"))
        participant_alt = normalize_jid(key.get("participantAlt"))
        author = participant_alt if is_phone_jid(participant_alt) else participant
    push_name = _text(data.get("pushName"), 255)
    if from_me and push_name == "Você":  # Evolution's placeholder, not a name
        push_name = ""
    seconds = decode_long(data.get("messageTimestamp"))
    timestamp = (
        datetime.fromtimestamp(seconds, tz=UTC) if seconds and 0 < seconds < 2**33 else datetime.now(UTC)
    )

    outer = data.get("message") if isinstance(data.get("message"), dict) else {}
    content = unwrap_message(outer)
    media = _parse_media(content, outer)
    if media is not None:
        text = media.caption
    elif isinstance(content.get("conversation"), str):
        text = content["conversation"]
    elif isinstance(content.get("extendedTextMessage"), dict):
        text = _text(content["extendedTextMessage"].get("text"))
    else:
        kinds = sorted(k for k in content if k not in ("messageContextInfo", "base64", "mediaUrl"))
        return Ignored(f"message {wa_id} is not text or media ({', '.join(kinds) or 'empty'})")
    evolution_message = None
    if media is not None:
        node = content[media.content_key]
        evolution_message = {
            "key": {"remoteJid": key.get("remoteJid"), "fromMe": from_me, "id": wa_id},
            "message": {media.content_key: {k: v for k, v in node.items() if k in EVOLUTION_NODE_FIELDS}},
        }
    return IncomingMessage(
        event=event,
        wa_message_id=wa_id.strip()[:128],
        chat_jid=chat,
        chat_alt_jid=chat_alt,
        from_me=from_me,
        author_jid=author,
        author_name=push_name,
        timestamp=timestamp,
        text=_text(text),
        media=media,
        evolution_message=evolution_message,
    )


def _parse_media(content: dict, outer: dict) -> MediaRef | None:
    content_key = next((k for k in MEDIA_CONTENT_KEYS if isinstance(content.get(k), dict)), None)
    if content_key is None:
        return None
    node = content[content_key]
    mime = _text(node.get("mimetype"), 255).split(";", 1)[0].strip().lower()
    category = {
        "imageMessage": "image",
        "stickerMessage": "sticker",
        "videoMessage": "video",
        "ptvMessage": "video",
        "documentMessage": "document",
    }.get(content_key)
    if content_key == "audioMessage":
        category = "voice" if node.get("ptt") is True else "audio"
    hints: dict[str, Any] = {}
    for source_name, hint in (("width", "width"), ("height", "height"), ("pageCount", "pages")):
        number = decode_long(node.get(source_name))
        if number and 0 < number < 10**6:
            hints[hint] = number
    seconds = decode_long(node.get("seconds"))
    if seconds is not None and 0 <= seconds < 10**7:
        hints["duration"] = seconds
    if category == "voice":
        hints["ptt"] = True
    if node.get("gifPlayback") is True:
        hints["gif"] = True
    if node.get("isAnimated") is True:
        hints["animated"] = True
    waveform = decode_bytes(node.get("waveform"))
    if waveform:
        hints["waveform"] = [min(b, 100) for b in waveform[:64]]
    thumbnail = decode_bytes(node.get("jpegThumbnail"))
    if thumbnail and len(thumbnail) <= MAX_PLACEHOLDER_BYTES and thumbnail[:3] == b"\xff\xd8\xff":
        hints["placeholder"] = "data:image/jpeg;base64," + base64.b64encode(thumbnail).decode()
    inline = outer.get("base64") if isinstance(outer.get("base64"), str) and outer["base64"] else None
    return MediaRef(
        content_key=content_key,
        media_type=MESSAGE_MEDIA_TYPES[content_key],
        category=category,
        mime_type=mime,
        url=_text(node.get("url"), 4096),
        direct_path=_text(node.get("directPath"), 4096),
        media_key=decode_bytes(node.get("mediaKey")),
        file_sha256=decode_bytes(node.get("fileSha256")),
        file_enc_sha256=decode_bytes(node.get("fileEncSha256")),
        file_length=decode_long(node.get("fileLength")),
        file_name=_text(node.get("fileName"), 255),
        caption=_text(node.get("caption")),
        hints=hints,
        inline_base64=inline,
    )


def _parse_status(event: str, data: dict) -> Item:
    key = data.get("key") if isinstance(data.get("key"), dict) else {}
    wa_id = data.get("keyId") or key.get("id")
    if not isinstance(wa_id, str) or not wa_id:
        raise PayloadError("no keyId")
    raw = data.get("status")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = _STATUS_NUMBERS.get(raw)
    status = STATUS_MAP.get(raw.upper()) if isinstance(raw, str) else None
    if status is None:
        return Ignored(f"status update of {wa_id} without a known status ({raw!r})")
    from_me = data.get("fromMe") is True
    from_me = from_me or key.get("fromMe") is True
    return StatusUpdate(wa_message_id=wa_id, from_me=from_me, status=status, evolution_status=raw.upper())


def _parse_contact(event: str, data: dict) -> Item:
    jid = normalize_jid(data.get("remoteJid") or data.get("id"))
    if not jid:
        raise PayloadError("no remoteJid")
    picture: str | None = None
    if "profilePicUrl" in data:
        value = data.get("profilePicUrl")
        picture = value.strip() if isinstance(value, str) and value.strip() else ""
    return ContactUpdate(jid=jid, push_name=_text(data.get("pushName"), 255), picture_url=picture)


_PARSERS = {
    "messages.upsert": _parse_message,
    "send.message": _parse_message,
    "messages.update": _parse_status,
    "contacts.update": _parse_contact,
    "contacts.upsert": _parse_contact,
}

# Events with a parser (anything else is answered and ignored); also the label values of metrics.
HANDLED_EVENTS = frozenset(_PARSERS)
