"""What one WhatsApp `message` object is: the table of wrappers and content keys, and the pure
functions that reduce any of them to what we keep (shared/spec/evolution-api.md §6.3-§6.4).

A message object holds one content key, often inside wrappers that each hold `{"message": {...}}`
(view-once, ephemeral, an album's child, a Lottie sticker, a mention of a group, a bot invocation,
a document with caption, an edit), in any order and nesting. `unwrap` peels them recursively (at
most MAX_WRAPPER_DEPTH levels) and remembers what the peeling told (view-once; album parent).
`CONTENT_TABLE` says what every content key we read becomes; everything else is not shown.

Business messages (`templateMessage`, `interactiveMessage`, `buttonsMessage`) put a document or
picture (a boleto, an invoice) in a header: `media_node` finds it there too, and their text becomes
the caption. A customer's tap on a button or a list comes back as text.

Pure: no database, no I/O. Unknown shapes give None/'' (the caller turns them into `Ignored`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chatmedia.whatsapp.values import decode_long, normalize_jid

# wrapper key -> what it says about the message inside (None: nothing)
WRAPPERS: dict[str, str | None] = {
    "ephemeralMessage": None,
    "viewOnceMessage": "view_once",
    "viewOnceMessageV2": "view_once",
    "viewOnceMessageV2Extension": "view_once",
    "documentWithCaptionMessage": None,
    "editedMessage": "edited",
    "associatedChildMessage": None,  # an album's photo or video (its parent is in messageContextInfo)
    "lottieStickerMessage": None,  # an animated (Lottie) sticker: a stickerMessage inside
    "groupMentionedMessage": None,
    "botInvokeMessage": None,
    "deviceSentMessage": None,  # what our own other device sent (holds destinationJid too)
    "futureProofMessage": None,
}
MAX_WRAPPER_DEPTH = 8

# Media content key -> Attachment category (audio: a voice note when `ptt`).
MEDIA_KEYS: dict[str, str] = {
    "imageMessage": "image",
    "videoMessage": "video",
    "ptvMessage": "video",  # round video note: metadata.round
    "audioMessage": "audio",
    "documentMessage": "document",
    "stickerMessage": "sticker",
}
# Business messages whose header may hold one of the media nodes, and where their text is.
_BUSINESS_CONTAINERS = ("templateMessage", "interactiveMessage", "buttonsMessage")

# What each content key becomes (kept in step with `describe`; the README's table is this one).
CONTENT_TABLE: dict[str, str] = {
    **{key: "media" for key in MEDIA_KEYS},
    "conversation": "text",
    "extendedTextMessage": "text",
    "templateMessage": "media or text (header document/image/video; hydrated text as caption)",
    "interactiveMessage": "media or text (header media; body text as caption)",
    "buttonsMessage": "media or text (header media; contentText as caption)",
    "buttonsResponseMessage": "text (the button the customer tapped)",
    "templateButtonReplyMessage": "text (the button the customer tapped)",
    "listResponseMessage": "text (the row the customer picked)",
    "interactiveResponseMessage": "text (the reply's body)",
    "reactionMessage": "reaction on another message",
    "protocolMessage": "REVOKE: deletes another message; MESSAGE_EDIT: edits it; others ignored",
    "albumMessage": "an album's announcement (how many photos and videos follow)",
}
# protocolMessage types (Baileys proto enum; names in ≤2.3.2 JSON, numbers after).
PROTOCOL_REVOKE = ("REVOKE", 0)
PROTOCOL_EDIT = ("MESSAGE_EDIT", 14)
ALBUM_ASSOCIATION = ("MEDIA_ALBUM", 1)


@dataclass
class Unwrapped:
    message: dict  # the innermost message object
    view_once: bool = False
    album_parent_id: str = ""  # the album announcement's key.id, for an album's child
    context_infos: list[dict] = field(default_factory=list)  # messageContextInfo of every level


def _dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value: Any, limit: int = 65536) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _album_parent(context: dict) -> str:
    association = _dict(context.get("messageAssociation"))
    kind = association.get("associationType")
    if kind not in ALBUM_ASSOCIATION:
        return ""
    parent = _dict(association.get("parentMessageKey")).get("id")
    return parent.strip()[:128] if isinstance(parent, str) else ""


def unwrap(message: Any) -> Unwrapped:
    current = _dict(message)
    result = Unwrapped(message=current)
    for _ in range(MAX_WRAPPER_DEPTH + 1):
        context = _dict(current.get("messageContextInfo"))
        if context:
            result.context_infos.append(context)
            result.album_parent_id = result.album_parent_id or _album_parent(context)
        wrapper = next((k for k in WRAPPERS if isinstance(current.get(k), dict)), None)
        if wrapper is None:
            break
        inner = current[wrapper].get("message")
        if not isinstance(inner, dict):
            break
        if WRAPPERS[wrapper] == "view_once":
            result.view_once = True
        current = inner
    result.message = current
    return result


def media_node(message: dict) -> tuple[str, dict, dict] | None:
    """(content key, node, container) of the media in `message`; container is the business
    message holding it in its header ({} when the node is at the top)."""
    for key in MEDIA_KEYS:
        if isinstance(message.get(key), dict):
            return key, message[key], {}
    for container_key in _BUSINESS_CONTAINERS:
        container = _dict(message.get(container_key))
        for holder in _business_holders(container):
            for key in MEDIA_KEYS:
                if isinstance(holder.get(key), dict):
                    return key, holder[key], container
    return None


def _business_holders(container: dict) -> list[dict]:
    """Where a business message keeps its media: a hydrated template, a four-row template, an
    interactive header, or the buttons message itself."""
    return [
        _dict(container.get("hydratedTemplate")),
        _dict(container.get("hydratedFourRowTemplate")),
        _dict(container.get("fourRowTemplate")),
        _dict(_dict(container.get("interactiveMessageTemplate")).get("header")),
        _dict(container.get("header")),
        container,
    ]


def business_text(container: dict) -> str:
    """The words of a template / interactive / buttons message (body, then footer)."""
    parts = []
    for holder in _business_holders(container):
        for key in ("hydratedContentText", "contentText", "text"):
            if isinstance(holder.get(key), str) and holder[key].strip():
                parts.append(holder[key].strip())
                break
    body = _dict(container.get("body")).get("text")
    if isinstance(body, str) and body.strip():
        parts.append(body.strip())
    footer = _dict(container.get("footer")).get("text")
    for candidate in (footer, *(h.get("hydratedFooterText") for h in _business_holders(container))):
        if isinstance(candidate, str) and candidate.strip():
            parts.append(candidate.strip())
            break
    unique = list(dict.fromkeys(parts))
    return "\n".join(unique)


def plain_text(message: dict) -> str | None:
    """The text of a text-like message (None when `message` is not one)."""
    if isinstance(message.get("conversation"), str):
        return message["conversation"]
    extended = message.get("extendedTextMessage")
    if isinstance(extended, dict):
        return _text(extended.get("text"))
    for key, path in (
        ("buttonsResponseMessage", ("selectedDisplayText",)),
        ("templateButtonReplyMessage", ("selectedDisplayText",)),
        ("listResponseMessage", ("title",)),
        ("interactiveResponseMessage", ("body", "text")),
    ):
        node = message.get(key)
        if isinstance(node, dict):
            value: Any = node
            for step in path:
                value = _dict(value).get(step)
            if isinstance(value, str) and value:
                return value
    for container_key in _BUSINESS_CONTAINERS:
        container = message.get(container_key)
        if isinstance(container, dict):
            text = business_text(container)
            if text:
                return text
    return None


def caption_of(message: dict) -> str:
    """Text of any content: a text, a media caption, an edit's new content."""
    text = plain_text(message)
    if text is not None:
        return text
    found = media_node(message)
    if found is not None:
        _, node, container = found
        return _text(node.get("caption")) or (business_text(container) if container else "")
    return ""


def category_of(message: dict) -> str:
    """Attachment category of a (quoted) message, '' for text."""
    found = media_node(unwrap(message).message)
    if found is None:
        return ""
    key, node, _ = found
    if key == "audioMessage":
        return "voice" if node.get("ptt") is True else "audio"
    return MEDIA_KEYS[key]


def context_info(message: dict, data: dict) -> dict:
    """The contextInfo (quote, forwarding) of the content: the media node's or text's own, else the
    copy Evolution puts at `data.contextInfo` (2.3.x; it removes extendedTextMessage from texts)."""
    found = media_node(message)
    if found is not None and isinstance(found[1].get("contextInfo"), dict):
        return found[1]["contextInfo"]
    for key in ("extendedTextMessage", "buttonsResponseMessage", "templateButtonReplyMessage"):
        node = _dict(message.get(key))
        if isinstance(node.get("contextInfo"), dict):
            return node["contextInfo"]
    for key in _BUSINESS_CONTAINERS:
        node = _dict(message.get(key))
        if isinstance(node.get("contextInfo"), dict):
            return node["contextInfo"]
    top = data.get("contextInfo")
    if isinstance(top, dict) and ("stanzaId" in top or "isForwarded" in top or "quotedMessage" in top):
        return top
    return {}


@dataclass
class Protocol:
    kind: str  # "revoke" | "edit"
    target_id: str
    target_remote_jid: str  # as the sender wrote it: often our own number (Evolution #1367)
    new_text: str = ""
    at_ms: int | None = None


def protocol(message: dict) -> Protocol | None:
    """A revoke or an edit of another message (a `protocolMessage`, maybe inside `editedMessage`)."""
    node = message.get("protocolMessage")
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    key = _dict(node.get("key"))
    target = key.get("id")
    if not isinstance(target, str) or not target.strip():
        return None
    remote = normalize_jid(key.get("remoteJid"))
    if kind in PROTOCOL_REVOKE:
        return Protocol("revoke", target.strip()[:128], remote)
    if kind in PROTOCOL_EDIT or (kind is None and isinstance(node.get("editedMessage"), dict)):
        edited = unwrap(_dict(node.get("editedMessage"))).message
        return Protocol(
            "edit", target.strip()[:128], remote, caption_of(edited), decode_long(node.get("timestampMs"))
        )
    return None
