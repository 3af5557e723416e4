"""What the bytes really are (libmagic via python-magic); a declared type is only ever a hint."""

from __future__ import annotations

from typing import BinaryIO

import magic

# Bytes read from the start of a file to detect its type: enough for every container libmagic knows
# (MP4 boxes, Office zips put the marker a little way in).
SNIFF_BYTES = 64 * 1024
UNKNOWN = "application/octet-stream"


def detect_mime_type(head: bytes) -> str:
    if not head:
        return UNKNOWN
    detected = magic.from_buffer(head, mime=True) or UNKNOWN
    return detected.split(";", 1)[0].strip().lower() or UNKNOWN


def detect_file_mime_type(file: BinaryIO) -> str:
    """Detect from the start of a seekable file and put it back at position 0."""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    return detect_mime_type(head)
