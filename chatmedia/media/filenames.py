"""File names shown to people and used in downloads: sanitized, never used in a storage key."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from datetime import datetime

MAX_FILE_NAME_LENGTH = 200
# Control and reserved characters, plus the invisible bidi controls that make "fdp.exe" look like
# "exe.pdf" (U+202E) and zero-width characters that hide part of a name.
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]+')
# Extensions mimetypes picks oddly for common types.
_PREFERRED_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
    "image/webp": ".webp",
    "text/plain": ".txt",
}


def extension_for(mime_type: str) -> str:
    return _PREFERRED_EXTENSIONS.get(mime_type) or mimetypes.guess_extension(mime_type) or ".bin"


def safe_file_name(name: str) -> str:
    """Only the last path component, no control or reserved characters, bounded length; may be ''."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().strip(".").strip()
    if len(name) > MAX_FILE_NAME_LENGTH:
        stem, dot, ext = name.rpartition(".")
        ext = ext if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: MAX_FILE_NAME_LENGTH - len(ext) - 1] + (f".{ext}" if ext else "")
    return name


# The names WhatsApp itself gives files in Portuguese ("Imagem do WhatsApp de 2026-12-01 às 08.15.02").
_KIND_NAMES = {
    "image": "Imagem",
    "sticker": "Figurinha",
    "audio": "Áudio",
    "voice": "Mensagem de voz",
    "video": "Vídeo",
    "document": "Documento",
}


_DEFAULT_NAME = re.compile(
    "^(?:" + "|".join(re.escape(k) for k in [*_KIND_NAMES.values(), "Arquivo"]) + r") do WhatsApp de "
    r"\d{4}-\d{2}-\d{2} às \d{2}\.\d{2}\.\d{2}(?:\.\w{1,10})?$"
)


def is_default_file_name(name: str) -> bool:
    """Whether `name` is one `default_file_name` made (it says nothing of the file's content)."""
    return bool(_DEFAULT_NAME.match(name or ""))


def default_file_name(category: str, mime_type: str, when: datetime) -> str:
    """A name for a file sent without one, in the agents' language and local time (TIME_ZONE)."""
    from django.utils import timezone

    local = timezone.localtime(when) if timezone.is_aware(when) else when
    kind = _KIND_NAMES.get(category, "Arquivo")
    return f"{kind} do WhatsApp de {local:%Y-%m-%d} às {local:%H.%M.%S}{extension_for(mime_type)}"
