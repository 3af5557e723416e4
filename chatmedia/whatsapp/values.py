"""Evolution's encodings of bytes, 64-bit numbers and JIDs, which change between versions
(shared/spec/evolution-api.md §6.5), and the identity of a profile picture URL: pure functions that
return None/'' for what they cannot read."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from typing import Any
from urllib.parse import urlsplit


def decode_bytes(value: Any) -> bytes | None:
    """Bytes in any of Evolution's serializations; None when absent or unreadable."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("data:") and "," in text:
            text = text.split(",", 1)[1]
        text += "=" * (-len(text) % 4)
        try:
            if "-" in text or "_" in text:
                return base64.urlsafe_b64decode(text)
            return base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            return None
    if isinstance(value, dict):
        if value.get("type") == "Buffer" and isinstance(value.get("data"), list):
            return _bytes_from_ints(value["data"])
        if value and all(isinstance(k, str) and k.isdigit() for k in value):
            # Sort numerically: a store that sorts keys as strings puts "10" before "2".
            ordered = sorted(value.items(), key=lambda item: int(item[0]))
            if [int(k) for k, _ in ordered] != list(range(len(ordered))):
                return None
            return _bytes_from_ints([v for _, v in ordered])
        return None
    if isinstance(value, list):
        return _bytes_from_ints(value)
    return None


def _bytes_from_ints(values: list) -> bytes | None:
    if not all(isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= 255 for v in values):
        return None
    return bytes(values)


def decode_long(value: Any) -> int | None:
    """A 64-bit integer as int, float, decimal string or `{low, high, unsigned}`."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if re.fullmatch(r"-?\d{1,20}", text) else None
    if isinstance(value, dict) and "low" in value and "high" in value:
        low, high = value.get("low"), value.get("high")
        if not (isinstance(low, int) and isinstance(high, int)):
            return None
        unsigned_value = (high % 2**32) * 2**32 + (low % 2**32)
        if not value.get("unsigned") and unsigned_value >= 2**63:
            return unsigned_value - 2**64
        return unsigned_value
    return None


# What a JID is (`user[:device]@server`): a phone number or LID of up to 20 digits, a group id
# (`120363…` or the old `5511…-1600000000`), `status@broadcast`; servers are WhatsApp's few names.
# Bounded so that nothing longer than our columns (255) is ever stored: a 10 000-character
# `remoteJid` is not a chat, it is an error in the payload.
JID_MAX_CHARS = 128
_JID = re.compile(r"[0-9a-z][0-9a-z._-]{0,79}(?::[0-9]{1,5})?@[a-z][a-z0-9.-]{0,39}")


def normalize_jid(jid: Any) -> str:
    """`5511...:12@s.whatsapp.net` -> `5511...@s.whatsapp.net`; '' for anything that is not a JID."""
    if not isinstance(jid, str) or "@" not in jid or len(jid) > JID_MAX_CHARS:
        return ""
    jid = jid.strip().lower()
    if not _JID.fullmatch(jid):
        return ""
    user, _, server = jid.partition("@")
    return f"{user.split(':', 1)[0]}@{server}"


def is_phone_jid(jid: str) -> bool:
    return jid.endswith("@s.whatsapp.net")


def is_group_jid(jid: str) -> bool:
    return jid.endswith("@g.us")


def is_lid_jid(jid: str) -> bool:
    return jid.endswith("@lid")


_BARE_NUMBER = re.compile(r"\+?[\d\s().-]{6,24}")


def looks_like_bare_number(name: str) -> bool:
    """A phone number (or a JID's digits) where a name goes: Evolution fills contacts without a
    name with their number. Never a name to show or keep."""
    return bool(name) and bool(_BARE_NUMBER.fullmatch(name.strip())) and sum(c.isdigit() for c in name) >= 6


def picture_source_hash(url: str) -> str:
    """WhatsApp re-signs picture URLs (the query changes); the path changes when the picture does."""
    return hashlib.sha256(urlsplit(url).path.encode()).hexdigest()
