"""The media kinds (an attachment's category): each defined once, here.

A kind has a name (the category stored on an attachment and named in the API), a label for
messages to people, its default limits and allowed types (settings.py builds MEDIA_MAX_BYTES,
UPLOAD_MAX_BYTES, MEDIA_ALLOWED_TYPES and MEDIA_CACHE_SECONDS from these, each overridable by
environment), the analyzer that reads its files, and the renditions it may have. Derived from it:
`Attachment.Category` and `Rendition.Variant` (model choices), `policy.CATEGORIES` /
`CATEGORY_LABELS`, the kinds an agent may upload (`/api/uploads/policy/`), the variants a signed
URL may name, which kinds serve their original in place of a missing `playback`, and which are
transcribed. The `source` rendition is an agent's own file kept beside the copy made WhatsApp-ready
(media.processing.outgoing): the copy is what is sent and shown, the source what they may download.

Pure: no Django (settings.py and the isolated processing process import it).
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024
DAY = 86400

# Types per family, as `sniff` names them (one canonical name each).
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/heif", "image/avif")
AUDIO_TYPES = (
    "audio/mpeg",
    "audio/ogg",
    "audio/wav",
    "audio/aac",
    "audio/mp4",
    "audio/amr",
    "audio/webm",
    "audio/3gpp",
)
VIDEO_TYPES = ("video/mp4", "video/quicktime", "video/x-msvideo", "video/3gpp", "video/webm")
OFFICE_TYPES = (
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/rtf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation",
)


@dataclass(frozen=True)
class MediaKind:
    name: str
    label: str  # plural, in messages: "the limit for images is 10 MB"
    max_bytes: int  # largest file, both directions (seed: image 10 MB, audio 16 MB, document 25 MB…)
    # Largest file an agent may upload (WhatsApp's own limits); None: agents do not send this kind.
    upload_max_bytes: int | None
    allowed_types: tuple[str, ...]  # detected from the bytes, never declared
    cache_seconds: int  # how long our cache and the browser keep a served object
    analyzer: str  # what reads its files in the isolated process (`inspection.ANALYZERS`)
    renditions: tuple[str, ...]  # the variants its attachments may have
    # The top-level MIME type ("image", …) whose files are this kind when nobody said which.
    default_for: str = ""
    # A missing `playback` rendition means the original plays everywhere: it is served instead.
    plays_original: bool = False
    # Its recordings are transcribed once ready, when transcription is on (media.transcription).
    transcribes: bool = False


KINDS: tuple[MediaKind, ...] = (
    MediaKind(
        "image",
        "images",
        10 * MB,
        16 * MB,  # pictures above WHATSAPP_IMAGE_MAX_BYTES are recompressed before sending
        IMAGE_TYPES,
        7 * DAY,
        "image",
        ("thumb", "preview", "source"),  # source: the agent's own file, when a converted copy was sent
        default_for="image",
    ),
    MediaKind("sticker", "stickers", 1 * MB, None, ("image/webp", "image/png"), 7 * DAY, "image", ("thumb",)),
    MediaKind(
        "audio",
        "audio files",
        16 * MB,
        16 * MB,
        AUDIO_TYPES,
        3 * DAY,
        "audio",
        ("playback", "source"),
        default_for="audio",
        plays_original=True,
        transcribes=True,
    ),
    MediaKind(
        "voice",
        "voice notes",
        16 * MB,
        16 * MB,
        AUDIO_TYPES,
        3 * DAY,
        "audio",
        ("playback", "source"),
        plays_original=True,
        transcribes=True,
    ),
    MediaKind(
        "video",
        "videos",
        50 * MB,
        100 * MB,  # an agent's video is converted to fit WhatsApp's 16 MB before sending (transcode)
        VIDEO_TYPES,
        3 * DAY,
        "video",
        # playback: an H.264 copy of what browsers cannot play; source: what the agent sent, converted
        ("poster", "thumb", "playback", "source"),
        default_for="video",
        plays_original=True,
    ),
    # A document may be a photo or a recording sent "as a document" (WhatsApp does that to avoid
    # compression), so it takes every type above. SVG and HTML are in no list: they carry script.
    MediaKind(
        "document",
        "documents",
        25 * MB,
        100 * MB,
        OFFICE_TYPES + IMAGE_TYPES + AUDIO_TYPES + VIDEO_TYPES,
        1 * DAY,
        "document",  # by its real type: a PDF's first page, a photo's, a video's poster…
        ("thumb", "preview", "playback", "poster"),
    ),
)

BY_NAME: dict[str, MediaKind] = {kind.name: kind for kind in KINDS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
FALLBACK = "document"  # the kind of a file whose type says nothing more
UPLOADABLE: tuple[str, ...] = tuple(k.name for k in KINDS if k.upload_max_bytes is not None)
PLAYS_ORIGINAL: frozenset[str] = frozenset(k.name for k in KINDS if k.plays_original)
TRANSCRIBES: frozenset[str] = frozenset(k.name for k in KINDS if k.transcribes)
# Every variant any kind may have, in first-seen order; `original` is the file itself.
RENDITIONS: tuple[str, ...] = tuple(dict.fromkeys(v for k in KINDS for v in k.renditions))
VARIANTS: tuple[str, ...] = ("original", *RENDITIONS)


# The gallery's tabs (the conversation's side panel): which kinds each shows, by what reads them.
GALLERY_TABS: dict[str, tuple[str, ...]] = {
    "media": tuple(k.name for k in KINDS if k.analyzer in ("image", "video")),
    "documents": tuple(k.name for k in KINDS if k.analyzer == "document"),
    "audio": tuple(k.name for k in KINDS if k.analyzer == "audio"),
}


def of(name: str) -> MediaKind:
    return BY_NAME[name]


def default_for(mime_type: str) -> MediaKind:
    """The kind a file of this type is when nobody said (its family's, else a document)."""
    family = mime_type.split("/", 1)[0]
    for kind in KINDS:
        if kind.default_for and kind.default_for == family:
            return kind
    return BY_NAME[FALLBACK]
