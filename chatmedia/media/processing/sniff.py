"""What the bytes really are (libmagic via python-magic); a declared type is only ever a hint.

Types are reported under one canonical name each (libmagic says `audio/x-wav`, `audio/x-m4a`,
browsers and WhatsApp say `audio/wav`, `audio/mp4`), so allow-lists list a type once.
"""

from __future__ import annotations

from typing import BinaryIO

import magic

# Bytes read from the start of a file to detect its type: enough for every container libmagic knows
# (MP4 boxes, Office zips put the marker a little way in).
SNIFF_BYTES = 64 * 1024
UNKNOWN = "application/octet-stream"

CANONICAL_TYPES = {
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/x-hx-aac-adts": "audio/aac",
    "audio/x-aac": "audio/aac",
    "audio/mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/opus": "audio/ogg",
    "image/heif-sequence": "image/heif",
    "image/heic-sequence": "image/heic",
    "image/x-ms-bmp": "image/bmp",
    "video/x-matroska": "video/webm",
    "text/rtf": "application/rtf",
}

# Markup that makes a browser run script if it ever treats the file as HTML or SVG. A photo has no
# reason to carry any of it; a JPEG/HTML polyglot does. Matched on lower-cased bytes. Every needle is
# at least 6 bytes long so random compressed image data matches one with a chance of about 1e-6 per
# 10 MB (a 4-byte `<svg` would match one photo in fifty).
MARKUP_NEEDLES = (
    b"<script",
    b"<!doctype html",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<meta http-equiv",
    b"javascript:",
    b"onload=",
    b"onerror=",
)
_NEEDLE_OVERLAP = max(len(n) for n in MARKUP_NEEDLES)


def canonical_mime_type(mime_type: str) -> str:
    mime_type = (mime_type or "").split(";", 1)[0].strip().lower()
    return CANONICAL_TYPES.get(mime_type, mime_type) or UNKNOWN


def detect_mime_type(head: bytes) -> str:
    if not head:
        return UNKNOWN
    return canonical_mime_type(magic.from_buffer(head, mime=True) or UNKNOWN)


def detect_file_mime_type(file: BinaryIO) -> str:
    """Detect from the start of a seekable file and put it back at position 0."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return detect_mime_type(head)


def carries_markup(file: BinaryIO, chunk_size: int = 1024 * 1024) -> bool:
    """True when the file contains HTML/SVG/script markup anywhere (streamed, constant memory)."""
    file.seek(0)
    tail = b""
    try:
        while chunk := file.read(chunk_size):
            window = tail + chunk.lower()
            if any(needle in window for needle in MARKUP_NEEDLES):
                return True
            tail = window[-_NEEDLE_OVERLAP:]
        return False
    finally:
        file.seek(0)
