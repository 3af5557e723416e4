"""Evolution API webhook JSON -> typed objects (shared/spec/evolution-api.md §5-§9).

Evolution's shapes change between versions: bytes arrive as base64 strings, index-keyed objects
(`{"0": 194, ...}`, whose keys must be sorted numerically), lists of ints or Node Buffer JSON;
64-bit numbers as ints, decimal strings or `{low, high, unsigned}`; `data` as an object or a list.
Everything here is pure computation: no database, no I/O. The typed results are in `items.py`;
what one `message` object is (wrappers, content keys) in `content.py`. Anything not understood
becomes `Ignored` with a reason, never an exception the webhook would turn into a 500.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from chatmedia.whatsapp.items import (
    AlbumAnnouncement,
    ConnectionState,
    ContactUpdate,
    Edit,
    Envelope,
    GroupUpdate,
    Ignored,
    IncomingMessage,
    Item,
    MediaRef,
    QuotedRef,
    Reaction,
    Revoke,
    StatusUpdate,
    Webhook,
)
from chatmedia.whatsapp.providers.evolution import content as wa_content
from chatmedia.whatsapp.providers.evolution.crypto import MESSAGE_MEDIA_TYPES
from chatmedia.whatsapp.values import (
    decode_bytes,
    decode_long,
    is_group_jid,
    is_lid_jid,
    is_phone_jid,
    looks_like_bare_number,
    normalize_jid,
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
    # Evolution's Cloud API integration (WHATSAPP-BUSINESS) passes Meta's names on, upper-cased.
    "SENT": "sent",
    "DELIVERED": "delivered",
    "FAILED": "failed",
}
# Statuses only Meta sends, and only about our own messages (Evolution marks them fromMe:false).
CLOUD_ONLY_STATUSES = frozenset({"SENT", "DELIVERED", "FAILED"})
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
        # Evolution's Cloud API integration: Meta's media id (what getBase64FromMediaMessage needs),
        # and Meta's names for type, name and hash.
        "id",
        "mime_type",
        "filename",
        "sha256",
    }
)
# Largest inline JPEG thumbnail we pass on to the UI as a placeholder (base64 bytes in JSON).
MAX_PLACEHOLDER_BYTES = 4096


class PayloadError(ValueError):
    pass


def _text(value: Any, limit: int = 65536) -> str:
    return value[:limit] if isinstance(value, str) else ""


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
    return wa_content.unwrap(message).message


def _first_of(jids: list[str], test) -> str:
    return next((j for j in jids if j and test(j)), "")


def _addresses(key: dict) -> tuple[str, str]:
    """(chat, alt) of a key: the phone JID when any field has it, the LID as alias. Evolution puts
    the phone in `senderPn` (2.3.0-2.3.5), `remoteJidAlt` (2.3.6+; 2.4.0 swaps them properly)."""
    remote = normalize_jid(key.get("remoteJid"))
    if not remote or is_group_jid(remote):
        return remote, ""
    candidates = [remote] + [
        normalize_jid(key.get(name)) for name in ("remoteJidAlt", "senderPn", "senderLid")
    ]
    phone = _first_of(candidates, is_phone_jid)
    lid = _first_of(candidates, is_lid_jid)
    if phone:
        return phone, lid
    alt = _first_of(candidates[1:], lambda j: j != remote)
    return remote, alt


def _author(key: dict) -> tuple[str, str]:
    """(author, alt) of a group message: phone preferred (`participantAlt` 2.3.6+, `participantPn`
    2.3.0-2.3.5), the LID kept as alias."""
    candidates = [
        normalize_jid(key.get(name))
        for name in ("participant", "participantAlt", "participantPn", "participantLid")
    ]
    phone = _first_of(candidates, is_phone_jid)
    lid = _first_of(candidates, is_lid_jid)
    first = _first_of(candidates, bool)
    author = phone or first
    alt = lid if phone else _first_of(candidates, lambda j: j != author)
    return author, alt if alt != author else ""


def _timestamp(value: Any) -> datetime:
    seconds = decode_long(value)
    if seconds and seconds > 10**11:  # milliseconds (reactions' senderTimestampMs)
        seconds //= 1000
    if seconds and 0 < seconds < 2**33:
        return datetime.fromtimestamp(seconds, tz=UTC)
    return datetime.now(UTC)


def _quote(context: dict) -> QuotedRef | None:
    stanza = context.get("stanzaId")
    if not isinstance(stanza, str) or not stanza.strip():
        return None
    quoted = context.get("quotedMessage") if isinstance(context.get("quotedMessage"), dict) else {}
    inner = wa_content.unwrap(quoted).message
    placeholder = ""
    found = wa_content.media_node(inner)
    if found is not None:
        placeholder = _placeholder(found[1].get("jpegThumbnail"))
    return QuotedRef(
        wa_message_id=stanza.strip()[:128],
        author_jid=normalize_jid(context.get("participant")),
        text=_text(wa_content.caption_of(inner), 1024),
        category=wa_content.category_of(quoted),
        placeholder=placeholder,
    )


def _placeholder(value: Any) -> str:
    thumbnail = decode_bytes(value)
    if thumbnail and len(thumbnail) <= MAX_PLACEHOLDER_BYTES and thumbnail[:3] == b"\xff\xd8\xff":
        return "data:image/jpeg;base64," + base64.b64encode(thumbnail).decode()
    return ""


def _parse_message(event: str, data: dict) -> Item:
    key = data.get("key")
    if not isinstance(key, dict):
        raise PayloadError("no message key")
    wa_id = key.get("id")
    if not isinstance(wa_id, str) or not wa_id.strip():
        raise PayloadError("no key.id")
    remote = normalize_jid(key.get("remoteJid"))
    if not remote:
        raise PayloadError("no key.remoteJid")
    if remote.endswith("@broadcast") or remote.endswith("@newsletter"):
        return Ignored(f"{remote.split('@')[1]} messages are not chats")
    chat, chat_alt = _addresses(key)
    from_me = key.get("fromMe") is True
    author, author_alt = _author(key) if is_group_jid(chat) else ("", "")
    push_name = _text(data.get("pushName"), 255)
    if (from_me and push_name == "Você") or looks_like_bare_number(push_name):
        push_name = ""  # Evolution's placeholder, or the number put where a name goes: not a name
    timestamp = _timestamp(data.get("messageTimestamp"))
    where = Envelope(chat, chat_alt, from_me, author, push_name, timestamp)

    outer = data.get("message") if isinstance(data.get("message"), dict) else {}
    unwrapped = wa_content.unwrap(outer)
    content = unwrapped.message
    special = _special_content(content, where, wa_id.strip()[:128])
    if special is not None:
        return special
    media = _parse_media(content, outer)
    if media is not None:
        text = media.caption
    else:
        text = wa_content.plain_text(content)
        if text is None:
            kinds = sorted(k for k in content if k not in ("messageContextInfo", "base64", "mediaUrl"))
            return Ignored(f"message {wa_id} is not text or media ({', '.join(kinds) or 'empty'})")
    evolution_message = None
    if media is not None:
        _, node, _ = wa_content.media_node(content)
        evolution_message = {
            "key": {"remoteJid": key.get("remoteJid"), "fromMe": from_me, "id": wa_id},
            "message": {media.content_key: {k: v for k, v in node.items() if k in EVOLUTION_NODE_FIELDS}},
        }
    context = wa_content.context_info(content, data)
    score = decode_long(context.get("forwardingScore")) or 0
    view_once = unwrapped.view_once or (media is not None and media.hints.get("view_once") is True)
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
        reply_to=_quote(context),
        forwarded=context.get("isForwarded") is True or score > 0,
        forwarding_score=max(0, min(score, 10**6)),
        is_view_once=view_once,
        album_parent_id=unwrapped.album_parent_id,
        author_alt_jid=author_alt,
    )


def _special_content(content: dict, where: Envelope, wa_id: str) -> Item | None:
    """Reactions, revokes, edits and album announcements carried by a message."""
    reaction = content.get("reactionMessage")
    if isinstance(reaction, dict):
        target = _dict_get_str(reaction.get("key"), "id")
        if not target:
            return Ignored(f"reaction {wa_id} names no message")
        stamp = reaction.get("senderTimestampMs")
        at = _timestamp(stamp) if decode_long(stamp) else where.at
        envelope = Envelope(**{**where.__dict__, "at": at})
        return Reaction(target, _text(reaction.get("text"), 32).strip(), envelope)
    protocol = wa_content.protocol(content)
    if protocol is not None:
        if protocol.kind == "revoke":
            return Revoke(protocol.target_id, where)
        return Edit(protocol.target_id, protocol.new_text, where)
    if isinstance(content.get("protocolMessage"), dict):
        return Ignored(f"protocol message {wa_id} is neither a revoke nor an edit")
    album = content.get("albumMessage")
    if isinstance(album, dict):
        images = decode_long(album.get("expectedImageCount")) or 0
        videos = decode_long(album.get("expectedVideoCount")) or 0
        count = max(0, min(images + videos, 1000))
        return AlbumAnnouncement(wa_id, where.chat_jid, count)
    return None


def _dict_get_str(value: Any, name: str) -> str:
    found = value.get(name) if isinstance(value, dict) else None
    return found.strip()[:128] if isinstance(found, str) and found.strip() else ""


def _parse_media(content: dict, outer: dict) -> MediaRef | None:
    found = wa_content.media_node(content)
    if found is None:
        return None
    content_key, node, container = found
    mime = _text(node.get("mimetype") or node.get("mime_type"), 255).split(";", 1)[0].strip().lower()
    category = wa_content.MEDIA_KEYS[content_key]
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
    if content_key == "ptvMessage":
        hints["round"] = True
    if node.get("gifPlayback") is True:
        hints["gif"] = True
    if node.get("isAnimated") is True or node.get("isLottie") is True:
        hints["animated"] = True
    if node.get("isLottie") is True:
        hints["lottie"] = True
    if node.get("viewOnce") is True:
        hints["view_once"] = True
    waveform = decode_bytes(node.get("waveform"))
    if waveform:
        hints["waveform"] = [min(b, 100) for b in waveform[:64]]
    placeholder = _placeholder(node.get("jpegThumbnail"))
    if placeholder:
        hints["placeholder"] = placeholder
    inline = outer.get("base64") if isinstance(outer.get("base64"), str) and outer["base64"] else None
    caption = _text(node.get("caption")) or (wa_content.business_text(container) if container else "")
    return MediaRef(
        content_key=content_key,
        media_type=MESSAGE_MEDIA_TYPES[content_key],
        category=category,
        mime_type=mime,
        url=_text(node.get("url"), 4096),
        direct_path=_text(node.get("directPath"), 4096),
        media_key=decode_bytes(node.get("mediaKey")),
        file_sha256=decode_bytes(node.get("fileSha256") or node.get("sha256")),
        file_enc_sha256=decode_bytes(node.get("fileEncSha256")),
        file_length=decode_long(node.get("fileLength")),
        file_name=_text(node.get("fileName") or node.get("filename") or node.get("title"), 255),
        caption=caption,
        hints=hints,
        inline_base64=inline,
    )


def _parse_status(event: str, data: dict) -> Item:
    """`messages.update`: a receipt, or (2.3.7) an edit carried in `data.message`. Shapes: 2.x
    `keyId`, 1.8 `id`; Baileys' names or numbers; Meta's names via Evolution's Cloud integration."""
    key = data.get("key") if isinstance(data.get("key"), dict) else {}
    wa_id = data.get("keyId") or key.get("id") or data.get("id")
    if not isinstance(wa_id, str) or not wa_id.strip():
        raise PayloadError("no keyId")
    wa_id = wa_id.strip()[:128]
    from_me = data.get("fromMe") is True or key.get("fromMe") is True
    if isinstance(data.get("message"), dict) and data["message"]:
        edited = _edit_in_update(wa_id, data, from_me)
        if edited is not None:
            return edited
    raw = data.get("status")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = _STATUS_NUMBERS.get(raw)
    if isinstance(raw, str) and raw.upper() == "DELETED":
        # 2.3.0-2.3.4 label an update without a status DELETED (edits among them); a real delete
        # comes as messages.delete.
        return Ignored(f"update of {wa_id} labelled DELETED is not a receipt")
    status = STATUS_MAP.get(raw.upper()) if isinstance(raw, str) else None
    if status is None:
        return Ignored(f"status update of {wa_id} without a known status ({raw!r})")
    raw = raw.upper()
    direction_known = True
    if raw in CLOUD_ONLY_STATUSES:
        from_me = True  # Meta reports statuses of the business's own messages only
    elif raw == "READ" and not from_me:
        direction_known = False  # Baileys: our phone read theirs; Cloud: they read ours
    return StatusUpdate(
        wa_message_id=wa_id,
        from_me=from_me,
        status=status,
        evolution_status=raw,
        direction_known=direction_known,
    )


def _edit_in_update(wa_id: str, data: dict, from_me: bool) -> Item | None:
    content = wa_content.unwrap(data["message"]).message
    protocol = wa_content.protocol(content)
    text = protocol.new_text if protocol is not None and protocol.kind == "edit" else None
    if text is None:
        text = wa_content.caption_of(content) or None
    if text is None:
        return None
    chat, alt = _addresses({"remoteJid": data.get("remoteJid")})
    where = Envelope(chat, alt, from_me, "", "", datetime.now(UTC))
    return Edit(wa_id, _text(text), where)


def _parse_delete(event: str, data: dict) -> Item:
    """`messages.delete`: the key of the revoked message (2.3.7 adds status DELETED; ≤2.3.4 and the
    Cloud integration send the bare key)."""
    key = data.get("key") if isinstance(data.get("key"), dict) else data
    wa_id = _dict_get_str(key, "id") or _dict_get_str(data, "keyId")
    if not wa_id:
        raise PayloadError("no message id")
    chat, alt = _addresses(key if "remoteJid" in key else {"remoteJid": data.get("remoteJid")})
    author, _ = _author(key) if is_group_jid(chat) else ("", "")
    where = Envelope(chat, alt, key.get("fromMe") is True, author, "", datetime.now(UTC))
    return Revoke(wa_id, where)


def _parse_edited(event: str, data: dict) -> Item:
    """`messages.edited`: Baileys' protocolMessage as it came. Its key is the sender's view (fromMe
    true and our own number as remoteJid when the customer edits, Evolution #1367): only the id
    is used. A revoke travels here too (any protocolMessage does, 2.3.x)."""
    node = data.get("protocolMessage") if isinstance(data.get("protocolMessage"), dict) else data
    protocol = wa_content.protocol({"protocolMessage": node})
    if protocol is None:
        nested = data.get("message") if isinstance(data.get("message"), dict) else {}
        protocol = wa_content.protocol(wa_content.unwrap(nested).message)
    if protocol is None:
        return Ignored("messages.edited without a revoke or an edit")
    where = Envelope(
        "", "", False, "", "", _timestamp(protocol.at_ms) if protocol.at_ms else datetime.now(UTC)
    )
    if protocol.kind == "revoke":
        return Revoke(protocol.target_id, where)
    return Edit(protocol.target_id, protocol.new_text, where)


def _parse_contact(event: str, data: dict) -> Item:
    jid = normalize_jid(data.get("remoteJid") or data.get("id"))
    if not jid:
        raise PayloadError("no remoteJid")
    picture: str | None = None
    for name in ("profilePicUrl", "profilePictureUrl", "imgUrl"):
        value = data.get(name)
        if isinstance(value, str) and value.strip():
            # Baileys' own contact events say "removed" / "changed" instead of a URL.
            picture = {"removed": "", "changed": None}.get(value.strip(), value.strip())
            break
    push_name = _text(data.get("pushName") or data.get("name") or data.get("notify"), 255).strip()
    if looks_like_bare_number(push_name):
        push_name = ""  # contacts.upsert puts the number where a contact has no name
    alt = ""
    for name in ("lid", "phoneNumber", "jidAlt"):
        other = normalize_jid(data.get(name))
        if other and other != jid:
            alt = other
            break
    return ContactUpdate(jid=jid, push_name=push_name, picture_url=picture, alt_jid=alt)


def _parse_group(event: str, data: dict) -> Item:
    jid = normalize_jid(data.get("id") or data.get("remoteJid") or data.get("groupJid"))
    if not is_group_jid(jid):
        raise PayloadError("no group id")
    subject = data.get("subject")
    if not isinstance(subject, str) or not subject.strip():
        return Ignored(f"group update of {jid} without a subject")
    return GroupUpdate(jid=jid, subject=subject.strip()[:255])


# Evolution's `connection.update` states (spec §11: open | connecting | close | refused).
CONNECTION_STATES = {"open": "connected", "close": "disconnected", "refused": "auth_error"}


def _parse_connection(event: str, data: dict) -> Item:
    state = _text(data.get("state"), 40).strip().lower()
    status = CONNECTION_STATES.get(state)
    if status is None:
        return Ignored(f"connection state {state!r} changes nothing")
    reason = data.get("statusReason")
    if status == "disconnected" and reason == 401:  # logged out on the phone: a new QR code is needed
        status = "auth_error"
    detail = f"Evolution: {state}" + (f" ({reason})" if isinstance(reason, int) else "")
    wuid = normalize_jid(data.get("wuid"))
    phone = wuid.split("@")[0] if wuid.endswith("@s.whatsapp.net") else ""
    return ConnectionState(status=status, detail=detail, phone=phone)


_PARSERS = {
    "connection.update": _parse_connection,
    "messages.upsert": _parse_message,
    "send.message": _parse_message,
    "messages.update": _parse_status,
    "messages.delete": _parse_delete,
    "messages.edited": _parse_edited,
    "contacts.update": _parse_contact,
    "contacts.upsert": _parse_contact,
    "groups.upsert": _parse_group,
    "groups.update": _parse_group,
}

# Events with a parser (anything else is answered and ignored); also the label values of metrics.
HANDLED_EVENTS = frozenset(_PARSERS)
