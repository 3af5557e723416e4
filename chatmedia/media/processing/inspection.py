"""The media processing step both directions share: a file on disk in → its real type, category,
metadata and rendition files out (nothing is stored here; `pipeline` stores).

`inspect` is what workers and `manage.py inspect_media` run. It has two halves:
- `screen` (in the caller's process, cheap, no decoder): libmagic type, category, size limit,
  allowed types, and no HTML/script inside a picture. A refusal ends here: the attachment fails.
- `analyze` (in an isolated process, see `isolation`): decoders make renditions and metadata.
  When that cannot be done (damaged file, pixel bomb, timeout, memory, crash) the file is still
  accepted, without previews, and `metadata["preview_error"]` says why.
No Django here: the isolated process does not set Django up.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from dataclasses import dataclass, field, replace

from chatmedia.media import kinds
from chatmedia.media.policy import MediaPolicy, Refusal
from chatmedia.media.processing import isolation, office
from chatmedia.media.processing.audio import analyze_audio
from chatmedia.media.processing.documents import analyze_office, analyze_pdf, plain_text
from chatmedia.media.processing.images import analyze_image
from chatmedia.media.processing.renditions import Analysis, RenditionFile, Unprocessable
from chatmedia.media.processing.sniff import (
    SNIFF_BYTES,
    UNKNOWN,
    canonical_mime_type,
    carries_markup,
    detect_mime_type,
)
from chatmedia.media.processing.video import AUDIO_TYPE_OF_CONTAINER, analyze_video, holds_video

logger = logging.getLogger(__name__)

# libmagic's answer for containers whose exact type it cannot tell: a declared type (or a file
# name's extension) of one of these more exact types is believed, as the bytes are the same kind.
VAGUE_TYPES = {
    "text/plain": {"text/csv", "text/tab-separated-values"},
    "application/zip": {
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    },
    "application/x-ole-storage": {
        "application/msword",
        "application/vnd.ms-excel",
        "application/vnd.ms-powerpoint",
    },
    "application/cdfv2": {"application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"},
}
_AUDIO_CATEGORIES = tuple(kind.name for kind in kinds.KINDS if kind.analyzer == "audio")


@dataclass(frozen=True)
class Screening:
    mime_type: str
    category: str
    category_given: bool
    size: int
    refusal: Refusal | None = None


@dataclass
class Inspection:
    ok: bool
    category: str | None
    mime_type: str | None
    size: int
    metadata: dict = field(default_factory=dict)
    renditions: dict[str, RenditionFile] = field(default_factory=dict)
    error_code: str | None = None
    error: str | None = None
    text: str = ""  # a document's own text, for search (not in as_json, inspect_media's contract)

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "category": self.category,
            "mime_type": self.mime_type,
            "size": self.size,
            "metadata": self.metadata,
            "renditions": {name: rendition.describe() for name, rendition in self.renditions.items()},
            "error": self.error,
        }


def _hinted_type(detected: str, declared_type: str, file_name: str) -> str:
    hinted = canonical_mime_type(declared_type) if declared_type else ""
    if not hinted and file_name:
        hinted = canonical_mime_type(mimetypes.guess_type(file_name)[0] or "")
    return hinted if hinted in VAGUE_TYPES.get(detected, ()) else detected


def screen(
    path: str,
    policy: MediaPolicy,
    *,
    category: str | None = None,
    declared_type: str = "",
    file_name: str = "",
) -> Screening:
    size = os.path.getsize(path)
    with open(path, "rb") as file:
        screening = screen_head(
            file.read(SNIFF_BYTES),
            size,
            policy,
            category=category,
            declared_type=declared_type,
            file_name=file_name,
        )
        if screening.refusal is None and screening.mime_type.startswith("image/") and carries_markup(file):
            refusal = Refusal("unsafe_content", "the picture carries HTML or script and is not accepted")
            return replace(screening, refusal=refusal)
    return screening


def screen_head(
    head: bytes,
    size: int,
    policy: MediaPolicy,
    *,
    category: str | None = None,
    declared_type: str = "",
    file_name: str = "",
) -> Screening:
    """The cheap half of `screen` on the first SNIFF_BYTES of a file of `size` bytes (an upload is
    checked this way at completion, before a worker reads all of it)."""
    mime_type = _hinted_type(detect_mime_type(head), declared_type, file_name)
    if category in _AUDIO_CATEGORIES:
        # A recorder's WebM or MP4 looks like video to libmagic; the decoder tells for sure.
        mime_type = AUDIO_TYPE_OF_CONTAINER.get(mime_type, mime_type)
    final_category = category or policy.category_for(mime_type)
    refusal = policy.check(final_category, mime_type, size)
    return Screening(mime_type, final_category, category is not None, size, refusal)


def analyze(
    path: str, screening: Screening, policy: MediaPolicy, out_dir: str, declared_duration: float | None = None
) -> Inspection:
    """Decode and make renditions; runs in the isolated process. `declared_duration`: what the
    sender's app said (WhatsApp's `seconds`), checked against the analysis budget before decoding."""
    mime_type, category = screening.mime_type, screening.category
    if mime_type in AUDIO_TYPE_OF_CONTAINER and holds_video(path) is False:
        mime_type = AUDIO_TYPE_OF_CONTAINER[mime_type]
        if not screening.category_given:
            category = policy.category_for(mime_type)
        refusal = policy.check(category, mime_type, screening.size)
        if refusal is not None:
            return _refused(screening, refusal)
    inspection = Inspection(True, category, mime_type, screening.size)
    try:
        analysis = _analyze_kind(path, mime_type, category, policy, out_dir, declared_duration)
    except Unprocessable as exc:
        inspection.metadata = {**exc.metadata, "preview_error": exc.reason, "preview_error_code": exc.code}
        return inspection
    inspection.metadata = analysis.metadata
    inspection.renditions = analysis.renditions
    inspection.text = analysis.text
    return inspection


def _analyze_kind(
    path: str,
    mime_type: str,
    category: str,
    policy: MediaPolicy,
    out_dir: str,
    declared_duration: float | None,
) -> Analysis:
    """The analyzer of the kind the bytes are (a photo sent as a document is read as a photo)."""
    analyzer = ANALYZERS[kinds.default_for(mime_type).analyzer]
    return analyzer(path, mime_type, category, policy, out_dir, declared_duration)


def _image(path, mime_type, category, policy, out_dir, declared_duration) -> Analysis:
    return analyze_image(path, policy, out_dir, sticker=category == "sticker")


def _audio(path, mime_type, category, policy, out_dir, declared_duration) -> Analysis:
    voice = category == "voice"
    return analyze_audio(
        path, policy, out_dir, mime_type=mime_type, voice=voice, declared_duration=declared_duration
    )


def _video(path, mime_type, category, policy, out_dir, declared_duration) -> Analysis:
    return analyze_video(path, policy, out_dir)


def _document(path, mime_type, category, policy, out_dir, declared_duration) -> Analysis:
    if mime_type == "application/pdf":
        return analyze_pdf(path, policy, out_dir)
    text = mime_type in ("text/plain", "text/csv", "text/tab-separated-values")
    if mime_type in office.TYPES and policy.office is not None:
        analysis = analyze_office(path, mime_type, policy, out_dir)
        if text:  # a CSV's own text, not its PDF's (cells cut at the page edge)
            analysis.text = plain_text(path, policy.document_text_max_chars)
        return analysis
    if text:
        return Analysis(text=plain_text(path, policy.document_text_max_chars))
    return Analysis()


# `MediaKind.analyzer` → what reads the file.
ANALYZERS = {"image": _image, "audio": _audio, "video": _video, "document": _document}


def _refused(screening: Screening, refusal: Refusal) -> Inspection:
    mime_type = None if screening.mime_type == UNKNOWN and screening.size == 0 else screening.mime_type
    return Inspection(
        False,
        screening.category,
        mime_type,
        screening.size,
        error_code=refusal.code,
        error=refusal.message,
    )


def inspect(
    path: str,
    policy: MediaPolicy,
    out_dir: str,
    *,
    category: str | None = None,
    declared_type: str = "",
    file_name: str = "",
    declared_duration: float | None = None,
) -> Inspection:
    """Everything a worker does to a file but storing it. Renditions are written into `out_dir`."""
    screening = screen(path, policy, category=category, declared_type=declared_type, file_name=file_name)
    if screening.refusal is not None:
        return _refused(screening, screening.refusal)
    timeout, memory_bytes = policy.timeout_seconds, policy.max_memory_bytes
    if screening.mime_type in office.TYPES and policy.office is not None:
        # LibreOffice's own time on top (it is killed at its limit first), and its memory budget.
        timeout, memory_bytes = timeout + policy.office.timeout_seconds, policy.office.max_memory_bytes
    outcome = isolation.run_isolated(
        analyze,
        path,
        screening,
        policy,
        out_dir,
        declared_duration,
        timeout=timeout,
        memory_bytes=memory_bytes,
    )
    if outcome.failure is None:
        return outcome.result
    logger.warning("processing %s failed: %s %s", screening.mime_type, outcome.failure, outcome.detail)
    reason = outcome.reason(timeout)
    return Inspection(
        True,
        screening.category,
        screening.mime_type,
        screening.size,
        metadata={"preview_error": reason, "preview_error_code": outcome.failure},
    )
