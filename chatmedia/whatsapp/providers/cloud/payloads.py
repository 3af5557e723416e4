"""Meta's WhatsApp Cloud API webhooks → our typed items (pure: no database, no I/O).

Shapes (Meta's documented webhook payload, `field: messages`, Graph API v21.0):
`{"object": "whatsapp_business_account", "entry": [{"id": WABA, "changes": [{"field": "messages",
"value": {"messaging_product": "whatsapp", "metadata": {"display_phone_number", "phone_number_id"},
"contacts": [{"profile": {"name"}, "wa_id"}], "messages": [...], "statuses": [...]}}]}]}`.
- a message: `{from, id: "wamid.…", timestamp: "<unix s>", type, <type>: {...}, context?}`; media
  types carry `{id: <media id>, mime_type, sha256 (base64), caption?, filename?, voice?, animated?}`;
  `reaction: {message_id, emoji}` (no emoji: removed); `context: {from, id}` for a reply,
  `context: {forwarded | frequently_forwarded: true}` for a forward; interactive and button replies
  carry the chosen title / text;
- a status: `{id: wamid, status: sent|delivered|read|failed, timestamp, recipient_id, errors?:
  [{code, title, message, error_data: {details}}]}`, always about our own sends.
A change for another number of the same Meta app (`metadata.phone_number_id`) is returned under
that id: the webhook view hands it to that connection, or drops it.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import UTC, datetime

from chatmedia.whatsapp.items import (
    ContactUpdate,
    Envelope,
    Ignored,
    IncomingMessage,
    Item,
    MediaRef,
    QuotedRef,
    Reaction,
    StatusUpdate,
    Webhook,
)
from chatmedia.whatsapp.values import looks_like_bare_number

EVENT = "cloud.messages"
MAX_TEXT = 65_536
# Meta's media types → our attachment category (audio with `voice: true` is a voice note).
MEDIA_TYPES = {
    "image": "image",
    "audio": "audio",
    "video": "video",
    "document": "document",
    "sticker": "sticker",
}
STATUSES = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}
# Meta error codes an agent must understand (the rest keep Meta's own title).
ERROR_CODES = {
    131047: (
        "window_closed",
        "More than 24 hours since the customer last wrote: only an approved template can be sent.",
    ),
    131026: ("undeliverable", "WhatsApp could not deliver it to this number."),
    131051: ("type_not_supported", "WhatsApp does not support this message type."),
    131053: ("media_upload_failed", "WhatsApp could not take the file."),
    470: (
        "window_closed",
        "More than 24 hours since the customer last wrote: only an approved template can be sent.",
    ),
}


class CloudPayloadError(ValueError):
    pass


def parse(body: bytes | str | dict) -> dict[str, Webhook]:
    """phone_number_id → what the webhook says for that number."""
    if isinstance(body, (bytes, str)):
        try:
            body = json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise CloudPayloadError(f"not JSON: {str(exc)[:100]}") from None
    if not isinstance(body, dict) or body.get("object") != "whatsapp_business_account":
        raise CloudPayloadError("not a WhatsApp Business Account webhook")
    by_number: dict[str, Webhook] = {}
    for entry in _list(body.get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            number = str(_dict(value.get("metadata")).get("phone_number_id") or "")
            webhook = by_number.setdefault(number, Webhook(EVENT, number, []))
            if change.get("field") != "messages":
                webhook.items.append(Ignored(f"field {str(change.get('field'))[:40]!r} is not messages"))
                continue
            webhook.items.extend(_items(value))
    return by_number


def _items(value: dict) -> list[Item]:
    names = {}
    items: list[Item] = []
    for contact in _list(value.get("contacts")):
        contact = _dict(contact)
        jid = _jid(contact.get("wa_id"))
        name = _str(_dict(contact.get("profile")).get("name"), 200)
        if jid:
            names[jid] = "" if looks_like_bare_number(name) else name
            items.append(ContactUpdate(jid=jid, push_name=names[jid], picture_url=None))
    for message in _list(value.get("messages")):
        items.append(_message(_dict(message), names))
    for status in _list(value.get("statuses")):
        items.append(_status(_dict(status)))
    return items


def _message(message: dict, names: dict[str, str]) -> Item:
    wa_id = _str(message.get("id"), 128)
    chat = _jid(message.get("from"))
    kind = _str(message.get("type"), 40)
    if not wa_id or not chat:
        return Ignored("a message without id or sender")
    at = _timestamp(message.get("timestamp"))
    if kind == "reaction":
        reaction = _dict(message.get("reaction"))
        target = _str(reaction.get("message_id"), 128)
        if not target:
            return Ignored(f"reaction {wa_id} names no message")
        where = Envelope(chat, "", False, "", names.get(chat, ""), at)
        return Reaction(target, _str(reaction.get("emoji"), 64), where)
    context = _dict(message.get("context"))
    text, media = "", None
    if kind == "text":
        text = _str(_dict(message.get("text")).get("body"), MAX_TEXT)
    elif kind in MEDIA_TYPES:
        node = _dict(message.get(kind))
        media = _media(kind, node)
        if media is None:
            return Ignored(f"{kind} message {wa_id} without a media id")
        text = media.caption
    elif kind == "interactive":
        interactive = _dict(message.get("interactive"))
        reply = _dict(interactive.get("button_reply") or interactive.get("list_reply"))
        text = _str(reply.get("title"), MAX_TEXT)
    elif kind == "button":
        text = _str(_dict(message.get("button")).get("text"), MAX_TEXT)
    else:
        return Ignored(f"message {wa_id} of type {kind!r} is not shown")
    if not text and media is None:
        return Ignored(f"message {wa_id} carries nothing to show")
    reply_to = None
    if context.get("id") and not context.get("forwarded"):
        reply_to = QuotedRef(
            wa_message_id=_str(context.get("id"), 128),
            author_jid=_jid(context.get("from")),
            text="",
            category="",
        )
    return IncomingMessage(
        event=EVENT,
        wa_message_id=wa_id,
        chat_jid=chat,
        chat_alt_jid="",
        from_me=False,
        author_jid="",
        author_name=names.get(chat, ""),
        timestamp=at,
        text=text,
        media=media,
        reply_to=reply_to,
        forwarded=bool(context.get("forwarded") or context.get("frequently_forwarded")),
        forwarding_score=5 if context.get("frequently_forwarded") else (1 if context.get("forwarded") else 0),
    )


def _media(kind: str, node: dict) -> MediaRef | None:
    media_id = _str(node.get("id"), 128)
    if not media_id:
        return None
    mime_type = _str(node.get("mime_type"), 255).split(";")[0].strip().lower()
    category = MEDIA_TYPES[kind]
    if kind == "audio" and node.get("voice") is True:
        category = "voice"
    digest = sha256_bytes(node.get("sha256"))
    hints = {"ptt": True} if category == "voice" else {}
    if kind == "sticker" and node.get("animated") is True:
        hints["animated"] = True
    return MediaRef(
        content_key=f"cloud.{kind}",
        media_type=kind,
        category=category,
        mime_type=mime_type,
        file_sha256=digest,
        file_name=_str(node.get("filename"), 255),
        caption=_str(node.get("caption"), MAX_TEXT),
        hints=hints,
        provider_source={
            "kind": "cloud",
            "media_id": media_id,
            "mime_type": mime_type,
            "sha256": digest.hex() if digest else "",
        },
    )


def _status(status: dict) -> Item:
    wa_id = _str(status.get("id"), 128)
    raw = _str(status.get("status"), 40)
    ours = STATUSES.get(raw)
    if not wa_id or ours is None:
        return Ignored(f"status {raw!r} of {wa_id!r} is not one we track")
    code, message = "", ""
    errors = [_dict(e) for e in _list(status.get("errors"))]
    if ours == "failed" and errors:
        code, message = error_of(errors[0])
    return StatusUpdate(
        wa_message_id=wa_id,
        from_me=True,
        status=ours,
        evolution_status=raw.upper(),
        error_code=code,
        error_message=message,
    )


def error_of(error: dict) -> tuple[str, str]:
    """(our code, a message for the agent) of one of Meta's `errors[]` entries."""
    number = error.get("code")
    if isinstance(number, int) and number in ERROR_CODES:
        return ERROR_CODES[number]
    details = _str(_dict(error.get("error_data")).get("details"), 300)
    title = _str(error.get("title") or error.get("message"), 200)
    return f"cloud_{number}" if isinstance(number, int) else "cloud_error", (
        details or title or "WhatsApp refused it"
    )


def sha256_bytes(value) -> bytes | None:
    """Meta gives a file's SHA-256 as base64 in webhooks and as hex in media lookups."""
    if not isinstance(value, str) or not value:
        return None
    if len(value) == 64:
        try:
            return bytes.fromhex(value)
        except ValueError:
            pass
    try:
        decoded = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None
    return decoded if len(decoded) == 32 else None


def _jid(value) -> str:
    digits = value if isinstance(value, str) else ""
    if not digits.isdigit() or not 5 <= len(digits) <= 20:
        return ""
    return f"{digits}@s.whatsapp.net"


def _timestamp(value) -> datetime:
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return datetime.now(tz=UTC)
    if not 0 < seconds < 32_503_680_000:
        return datetime.now(tz=UTC)
    return datetime.fromtimestamp(seconds, tz=UTC)


def _str(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []
