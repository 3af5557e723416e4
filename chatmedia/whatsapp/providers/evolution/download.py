"""Getting the verified plaintext of an incoming WhatsApp media message.

In order (shared/spec/evolution-api.md §7): Evolution's inline `base64` (handled by the webhook,
which stores it at once) → the CDN `.enc` file, decrypted here with the MAC and both hashes checked
→ Evolution `getBase64FromMediaMessage` (the only way to recover expired CDN media). Bytes from any
source must match the message's `fileSha256`/`fileLength` when the message states them; bytes that
fail a check are dropped, never stored.
Every function returns a spooled temp file at position 0 and raises `FetchError` otherwise.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import tempfile
from typing import BinaryIO

from django.conf import settings

from chatmedia.media.policy import human_size
from chatmedia.ops import metrics
from chatmedia.whatsapp.outbound import FetchError, fetch_to_spool
from chatmedia.whatsapp.providers.evolution import client as evolution
from chatmedia.whatsapp.providers.evolution.crypto import MediaIntegrityError, decrypt, encrypted_length

logger = logging.getLogger(__name__)

# Baileys sends this Origin to the CDN; so do we.
CDN_HEADERS = {"Origin": "https://web.whatsapp.com"}
# Most to least telling when every source failed: the reason the attachment is marked failed with.
_FAILURE_PRIORITY = ("integrity", "too_large", "expired", "evolution_refused", "evolution_auth")


def _raw(source: dict, name: str) -> bytes | None:
    value = source.get(name)
    return base64.b64decode(value) if value else None


def _spool():
    return tempfile.SpooledTemporaryFile(max_size=settings.MEDIA_SPOOL_MEMORY_BYTES)


def max_bytes_for(source: dict, limit: int | None = None) -> int:
    """The most bytes to accept (the category's limit); refuses at once when WhatsApp's
    `fileLength` is already above it, so nothing is downloaded for nothing."""
    limit = settings.MEDIA_MAX_OBJECT_BYTES if limit is None else limit
    declared = source.get("file_length")
    if isinstance(declared, int) and declared > limit:
        raise FetchError(
            "too_large", f"the file has {human_size(declared)}; the limit is {human_size(limit)}"
        )
    return limit


def decode_base64(text: str, max_bytes: int):
    """Decode base64 in slices into a spooled file (no second full copy in memory)."""
    text = text.strip()
    if text.startswith("data:") and "," in text[:200]:
        text = text.split(",", 1)[1]
    if len(text) // 4 * 3 > max_bytes + 3:
        raise FetchError("too_large", f"the file is larger than the limit of {human_size(max_bytes)}")
    spool = _spool()
    step = 4 * 256 * 1024
    try:
        for offset in range(0, len(text), step):
            spool.write(base64.b64decode(text[offset : offset + step], validate=True))
    except (binascii.Error, ValueError):
        spool.close()
        raise FetchError("bad_base64", "the inline media is not valid base64") from None
    spool.seek(0)
    return spool


def check_plaintext(file: BinaryIO, source: dict) -> None:
    """Raise FetchError('integrity') unless `file` matches the message's fileSha256 and fileLength."""
    expected_sha = _raw(source, "file_sha256")
    expected_length = source.get("file_length")
    digest, length = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(settings.MEDIA_STREAM_CHUNK_BYTES):
        digest.update(chunk)
        length += len(chunk)
    file.seek(0)
    if expected_sha is not None and not hmac.compare_digest(digest.digest(), expected_sha):
        raise FetchError("integrity", "the file does not match the SHA-256 WhatsApp gave for it")
    if isinstance(expected_length, int) and expected_length and length != expected_length:
        raise FetchError("integrity", f"the file has {length} bytes; WhatsApp said {expected_length}")


def from_inline(text: str, source: dict, max_bytes: int | None = None):
    spool = decode_base64(text, max_bytes_for(source, max_bytes))
    try:
        check_plaintext(spool, source)
    except FetchError:
        spool.close()
        raise
    return spool


def cdn_urls(source: dict) -> list[str]:
    urls = []
    if source.get("direct_path", "").startswith("/"):
        urls.append(settings.WHATSAPP_MEDIA_BASE_URL.rstrip("/") + source["direct_path"])
    url = source.get("url", "")
    # A sticker's `url` can be a dummy host; only a real media-host URL is a fallback.
    if url.startswith("https://mmg.whatsapp.net/") and url not in urls:
        urls.append(url)
    return urls


def has_cdn_source(source: dict) -> bool:
    return bool(source.get("media_key") and cdn_urls(source))


def from_cdn(source: dict, max_bytes: int | None = None):
    max_plain = max_bytes_for(source, max_bytes)
    length = source.get("file_length")
    max_enc = (
        encrypted_length(length) if isinstance(length, int) and length > 0 else encrypted_length(max_plain)
    )
    errors: list[FetchError] = []
    for url in cdn_urls(source):
        try:
            with metrics.phase("fetch", source="cdn"):
                enc = fetch_to_spool(url, max_enc, CDN_HEADERS)
        except FetchError as exc:
            errors.append(exc)
            if exc.code == "too_large":
                break
            continue
        plain = _spool()
        try:
            with enc, metrics.phase("decrypt"):
                decrypt(
                    enc,
                    plain,
                    media_key=_raw(source, "media_key"),
                    media_type=source["media_type"],
                    file_sha256=_raw(source, "file_sha256"),
                    file_enc_sha256=_raw(source, "file_enc_sha256"),
                    file_length=length if isinstance(length, int) and length > 0 else None,
                    max_enc_bytes=max_enc,
                )
        except MediaIntegrityError as exc:
            plain.close()
            raise FetchError("integrity", f"the downloaded file failed the {exc.check} check") from None
        except ValueError as exc:  # e.g. a media key of the wrong length
            plain.close()
            raise FetchError("integrity", f"cannot decrypt: {exc}") from None
        plain.seek(0)
        return plain
    if not errors:
        raise FetchError("no_source", "the message has no CDN location")
    # What the CDN said for certain (expired, refused) beats a second URL that did not answer.
    raise next((e for e in errors if not e.transient), errors[0])


def from_evolution(connection, source: dict, max_bytes: int | None = None):
    message = source.get("evolution_message")
    if not message:
        raise FetchError("no_source", "no message to ask Evolution API about")
    with metrics.phase("fetch", source="evolution"):
        text, _ = evolution.get_base64_from_media_message(connection, message)
    with metrics.phase("decrypt", source="evolution"):  # base64 → bytes, checked against the hashes
        return from_inline(text, source, max_bytes)


def obtain(connection, source: dict, max_bytes: int | None = None):
    """The verified plaintext from the CDN, else from Evolution; FetchError with the best reason.
    `max_bytes`: the attachment category's limit (default: the largest object storage takes)."""
    errors: list[FetchError] = []
    attempts = []
    if has_cdn_source(source):
        attempts.append(("cdn", lambda: from_cdn(source, max_bytes)))
    if evolution.is_configured(connection) and source.get("evolution_message"):
        attempts.append(("evolution", lambda: from_evolution(connection, source, max_bytes)))
    if not attempts:
        raise FetchError("no_source", "the message carries no way to download the media")
    for name, attempt in attempts:
        try:
            return attempt()
        except FetchError as exc:
            logger.info("media from %s failed: %s (%s)", name, exc.code, exc)
            errors.append(exc)
    transient = [e for e in errors if e.transient]
    if transient:
        raise transient[0]
    for code in _FAILURE_PRIORITY:
        for error in errors:
            if error.code == code:
                raise error
    raise errors[0]
