"""WhatsApp media encryption (shared/spec/whatsapp-media-crypto.md), stricter than Baileys.

`decrypt` streams an `.enc` file (ciphertext || 10-byte MAC) into a plaintext sink and checks, in
this order of reporting: the file's shape (`length`), the truncated HMAC-SHA256 over iv||ciphertext
(`mac`), SHA-256 of the whole `.enc` (`file_enc_sha256`), the PKCS#7 padding (`padding`), SHA-256 of
the plaintext (`file_sha256`) and the plaintext length (`length`). The sink receives plaintext
while it is being checked, so callers must give it a temporary place and publish nothing unless
`decrypt` returns: bytes that failed a check must never be stored.

A ranged decrypt (`decrypt_range`) cannot be authenticated (the MAC covers the whole file); it is
for previews and seeking only. This module does no I/O of its own beyond the streams it is given.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import BinaryIO

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import padding as sym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAC_LENGTH = 10
BLOCK = 16
MEDIA_KEY_LENGTH = 32
_CHUNK = 256 * 1024

# Baileys' MEDIA_HKDF_KEY_MAPPING: media type -> label in "WhatsApp <label> Keys".
HKDF_LABELS: dict[str, str] = {
    "image": "Image",
    "sticker": "Image",
    "product": "Image",
    "biz-cover-photo": "Image",
    "video": "Video",
    "gif": "Video",
    "ptv": "Video",
    "audio": "Audio",
    "ptt": "Audio",
    "document": "Document",
    "thumbnail-image": "Image Thumbnail",
    "thumbnail-video": "Video Thumbnail",
    "thumbnail-document": "Document Thumbnail",
    "thumbnail-link": "Link Thumbnail",
    "md-msg-hist": "History",
    "md-app-state": "App State",
    "payment-bg-image": "Payment Background",
    "ppic": "",  # "WhatsApp  Keys" (two spaces): an artifact of the table, kept for completeness
    "product-catalog-image": "",
}
MEDIA_TYPES = tuple(HKDF_LABELS)

# Content key of a message -> media type whose keys decrypt it.
MESSAGE_MEDIA_TYPES = {
    "imageMessage": "image",
    "stickerMessage": "sticker",
    "videoMessage": "video",
    "ptvMessage": "ptv",
    "audioMessage": "audio",
    "documentMessage": "document",
}


class MediaIntegrityError(ValueError):
    """A check failed. `check` is one of: length, mac, file_enc_sha256, padding, file_sha256."""

    def __init__(self, check: str, detail: str) -> None:
        super().__init__(f"{check}: {detail}")
        self.check = check
        self.detail = detail


@dataclass(frozen=True)
class MediaKeys:
    iv: bytes
    cipher_key: bytes
    mac_key: bytes
    ref_key: bytes


def hkdf_info(media_type: str) -> bytes:
    try:
        label = HKDF_LABELS[media_type]
    except KeyError:
        raise ValueError(f"unknown media type {media_type!r}; one of: {', '.join(MEDIA_TYPES)}") from None
    return f"WhatsApp {label} Keys".encode("ascii")


def derive_keys(media_key: bytes, media_type: str) -> MediaKeys:
    if len(media_key) != MEDIA_KEY_LENGTH:
        raise ValueError(f"mediaKey must be {MEDIA_KEY_LENGTH} bytes, got {len(media_key)}")
    expanded = HKDF(algorithm=hashes.SHA256(), length=112, salt=None, info=hkdf_info(media_type)).derive(
        media_key
    )
    return MediaKeys(expanded[0:16], expanded[16:48], expanded[48:80], expanded[80:112])


def encrypted_length(plain_length: int) -> int:
    """Size of the `.enc` file for a plaintext of `plain_length` bytes (PKCS#7 always pads)."""
    return BLOCK * (plain_length // BLOCK + 1) + MAC_LENGTH


@dataclass(frozen=True)
class DecryptResult:
    plain_length: int
    plain_sha256: bytes
    enc_sha256: bytes


def decrypt(
    enc: BinaryIO,
    sink: BinaryIO,
    *,
    media_key: bytes,
    media_type: str,
    file_sha256: bytes | None = None,
    file_enc_sha256: bytes | None = None,
    file_length: int | None = None,
    max_enc_bytes: int | None = None,
) -> DecryptResult:
    """Stream-decrypt `enc` into `sink`; raise MediaIntegrityError unless every check passes."""
    keys = derive_keys(media_key, media_type)
    mac = hmac.new(keys.mac_key, keys.iv, hashlib.sha256)
    enc_digest, plain_digest = hashlib.sha256(), hashlib.sha256()
    decryptor = Cipher(algorithms.AES(keys.cipher_key), modes.CBC(keys.iv)).decryptor()
    unpadder = sym_padding.PKCS7(BLOCK * 8).unpadder()
    if file_length is not None and max_enc_bytes is None:
        max_enc_bytes = encrypted_length(file_length)
    held = b""  # the last MAC_LENGTH bytes seen: the MAC candidate, never fed to the cipher
    total = plain_length = 0
    padding_error = False

    def emit(ciphertext: bytes) -> None:
        nonlocal plain_length, padding_error
        mac.update(ciphertext)
        plain = decryptor.update(ciphertext)
        if padding_error:
            return
        try:
            plain = unpadder.update(plain)
        except ValueError:
            padding_error = True
            return
        plain_digest.update(plain)
        plain_length += len(plain)
        sink.write(plain)

    while chunk := enc.read(_CHUNK):
        total += len(chunk)
        if max_enc_bytes is not None and total > max_enc_bytes:
            raise MediaIntegrityError("length", f"encrypted file is longer than the expected {max_enc_bytes}")
        enc_digest.update(chunk)
        data = held + chunk
        held = data[-MAC_LENGTH:]
        if len(data) > MAC_LENGTH:
            emit(data[:-MAC_LENGTH])

    if total < BLOCK + MAC_LENGTH or (total - MAC_LENGTH) % BLOCK:
        raise MediaIntegrityError("length", f"encrypted file is truncated or malformed ({total} bytes)")
    if not hmac.compare_digest(mac.digest()[:MAC_LENGTH], held):
        raise MediaIntegrityError("mac", "MAC mismatch: the file was altered or the key/type is wrong")
    enc_sha256 = enc_digest.digest()
    if file_enc_sha256 is not None and not hmac.compare_digest(enc_sha256, file_enc_sha256):
        raise MediaIntegrityError("file_enc_sha256", "SHA-256 of the encrypted file does not match")
    if not padding_error:
        try:
            tail = unpadder.update(decryptor.finalize()) + unpadder.finalize()
        except ValueError:
            padding_error = True
        else:
            plain_digest.update(tail)
            plain_length += len(tail)
            sink.write(tail)
    if padding_error:
        raise MediaIntegrityError("padding", "invalid PKCS#7 padding")
    plain_sha256 = plain_digest.digest()
    if file_sha256 is not None and not hmac.compare_digest(plain_sha256, file_sha256):
        raise MediaIntegrityError("file_sha256", "SHA-256 of the decrypted file does not match")
    if file_length is not None and plain_length != file_length:
        raise MediaIntegrityError("length", f"decrypted {plain_length} bytes, the message says {file_length}")
    return DecryptResult(plain_length, plain_sha256, enc_sha256)


def decrypt_range(enc: BinaryIO, *, media_key: bytes, media_type: str, start: int, end: int) -> bytes:
    """Plaintext bytes [start, end) from a seekable `.enc`, UNAUTHENTICATED (previews/seeking only)."""
    if not 0 <= start < end:
        raise ValueError("need 0 <= start < end")
    keys = derive_keys(media_key, media_type)
    first, last = start // BLOCK, -(-end // BLOCK)
    if first == 0:
        iv = keys.iv
        enc.seek(0)
    else:
        enc.seek(BLOCK * (first - 1))
        iv = enc.read(BLOCK)
    ciphertext = enc.read(BLOCK * (last - first))
    if len(ciphertext) % BLOCK or len(iv) != BLOCK:
        raise MediaIntegrityError("length", "range is outside the encrypted file")
    decryptor = Cipher(algorithms.AES(keys.cipher_key), modes.CBC(iv)).decryptor()
    plain = decryptor.update(ciphertext) + decryptor.finalize()
    return plain[start - BLOCK * first : end - BLOCK * first]


def encrypt(plain: BinaryIO, sink: BinaryIO, *, media_type: str, media_key: bytes | None = None) -> dict:
    """Encrypt like WhatsApp's send path; returns the message fields (bytes values raw).

    Used by the fake WhatsApp side and tests to make `.enc` files; our own sends go through Evolution.
    """
    media_key = media_key or os.urandom(MEDIA_KEY_LENGTH)
    keys = derive_keys(media_key, media_type)
    encryptor = Cipher(algorithms.AES(keys.cipher_key), modes.CBC(keys.iv)).encryptor()
    padder = sym_padding.PKCS7(BLOCK * 8).padder()
    mac = hmac.new(keys.mac_key, keys.iv, hashlib.sha256)
    plain_digest, enc_digest = hashlib.sha256(), hashlib.sha256()
    length = 0

    def out(ciphertext: bytes) -> None:
        mac.update(ciphertext)
        enc_digest.update(ciphertext)
        sink.write(ciphertext)

    while chunk := plain.read(_CHUNK):
        length += len(chunk)
        plain_digest.update(chunk)
        out(encryptor.update(padder.update(chunk)))
    out(encryptor.update(padder.finalize()) + encryptor.finalize())
    tag = mac.digest()[:MAC_LENGTH]
    enc_digest.update(tag)
    sink.write(tag)
    return {
        "mediaKey": media_key,
        "fileSha256": plain_digest.digest(),
        "fileEncSha256": enc_digest.digest(),
        "fileLength": length,
    }
