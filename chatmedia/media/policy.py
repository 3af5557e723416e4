"""What the media pipeline accepts and how far it goes: categories (the kinds of `kinds`), size
limits, allowed types, and the budgets of the processing step.

`MediaPolicy` is a plain value built from settings once per job and handed to the processing
process, which must not import Django. Every field is a named setting (see settings.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from chatmedia.media import kinds

CATEGORIES = kinds.NAMES
CATEGORY_LABELS = {kind.name: kind.label for kind in kinds.KINDS}


# Refusals of the file itself: fetching or sending the same bytes again gets the same answer, so
# nobody is offered to try again (the web chat hides "Tentar de novo" for them).
FINAL_REFUSAL_CODES = frozenset(
    {"empty", "too_large", "type_not_allowed", "unsafe_content", "infected", "unsendable", "video_too_long"}
)


@dataclass(frozen=True)
class Refusal:
    """Why a file is not accepted at all (the attachment becomes `failed`)."""

    code: str
    message: str


@dataclass(frozen=True)
class VideoTarget:
    """What a video sent to WhatsApp must be (media.processing.transcode; settings WHATSAPP_VIDEO_*):
    at most `max_bytes` (the lower of ours and the number's provider's), this long side and frame
    rate; converted at a bitrate from its duration, never below `min_video_bitrate` (then it is
    refused with "send it as a document")."""

    max_bytes: int = 16 * 1024 * 1024
    max_long_side: int = 1280
    max_fps: int = 30
    max_video_bitrate: int = 2_500_000
    min_video_bitrate: int = 250_000
    audio_bitrate: int = 128_000
    max_seconds: float = 600.0  # longer inputs are not converted at all
    max_pixels: int = 4096 * 2304  # nor larger frames
    preset: str = "veryfast"
    timeout_seconds: float = 900.0
    max_memory_bytes: int = 2 * 1024 * 1024 * 1024


@dataclass(frozen=True)
class OfficeTarget:
    """How LibreOffice is run (settings OFFICE_PREVIEW_*): the program, how long one document may take
    and how much memory the processing child (and so LibreOffice) may use, whether it runs in a
    network namespace of its own."""

    binary: str
    timeout_seconds: float = 60.0
    max_memory_bytes: int = 1536 * 1024 * 1024
    network_namespace: bool = True


@dataclass(frozen=True)
class MediaPolicy:
    max_bytes: dict[str, int]
    allowed_types: dict[str, tuple[str, ...]]
    image_max_pixels: int = 50_000_000
    image_max_frames: int = 150
    thumb_max_px: int = 640
    preview_max_px: int = 1600
    animated_thumb_max_px: int = 384
    webp_quality: int = 80
    playback_voice_bitrate: int = 64_000
    playback_audio_bitrate: int = 128_000
    # Sending to WhatsApp: pictures above these limits are recompressed; voice notes become Ogg/Opus.
    whatsapp_image_max_px: int = 4096
    whatsapp_image_max_bytes: int = 5 * 1024 * 1024
    whatsapp_jpeg_quality: int = 85
    voice_note_bitrate: int = 32_000
    voice_note_max_seconds: int = 1800
    # Incoming recordings: a waveform and a playback copy are made of at most this much sound (a
    # recording that says, or turns out, to be longer is ready with its duration only).
    audio_analysis_max_seconds: float = 900.0
    # Videos: packets read looking for the first frame that decodes, for the poster.
    video_poster_max_packets: int = 600
    # Documents: at most this much of their own text is extracted, for search.
    document_text_max_chars: int = 100_000
    timeout_seconds: float = 120.0
    max_memory_bytes: int = 1024 * 1024 * 1024
    video_target: VideoTarget = field(default_factory=VideoTarget)
    # Incoming videos Chromium, Firefox and Safari all play as they are; others (HEVC, ProRes, 10-bit…)
    # get an H.264 `playback` copy made to `playback_target` (media.playback).
    browser_video_codecs: tuple[str, ...] = ("h264", "vp8", "vp9", "av1")
    browser_pixel_formats: tuple[str, ...] = ("yuv420p", "yuvj420p")
    playback_target: VideoTarget = field(
        default_factory=lambda: VideoTarget(max_bytes=64 * 1024 * 1024, max_seconds=600.0)
    )
    # Audio WhatsApp plays inline (Meta's list; Evolution's too): other audio files an agent sends
    # become AAC in M4A.
    whatsapp_audio_types: tuple[str, ...] = field(
        default=("audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/amr")
    )
    # Types every browser (Safari included) plays; other audio gets a `playback` rendition.
    browser_audio_types: tuple[str, ...] = field(
        default=("audio/mpeg", "audio/mp4", "audio/aac", "audio/wav")
    )

    # Office previews through LibreOffice (media.processing.office); None: not on this machine, or off.
    office: OfficeTarget | None = None

    @classmethod
    def from_settings(cls) -> MediaPolicy:
        from django.conf import settings

        from chatmedia.media.processing import office_setup

        return cls(
            max_bytes=dict(settings.MEDIA_MAX_BYTES),
            allowed_types={k: tuple(v) for k, v in settings.MEDIA_ALLOWED_TYPES.items()},
            image_max_pixels=settings.MEDIA_IMAGE_MAX_PIXELS,
            image_max_frames=settings.MEDIA_IMAGE_MAX_FRAMES,
            thumb_max_px=settings.MEDIA_THUMB_MAX_PX,
            preview_max_px=settings.MEDIA_PREVIEW_MAX_PX,
            animated_thumb_max_px=settings.MEDIA_ANIMATED_THUMB_MAX_PX,
            webp_quality=settings.MEDIA_WEBP_QUALITY,
            playback_voice_bitrate=settings.MEDIA_PLAYBACK_VOICE_BITRATE,
            playback_audio_bitrate=settings.MEDIA_PLAYBACK_AUDIO_BITRATE,
            whatsapp_image_max_px=settings.WHATSAPP_IMAGE_MAX_PX,
            whatsapp_image_max_bytes=settings.WHATSAPP_IMAGE_MAX_BYTES,
            whatsapp_jpeg_quality=settings.WHATSAPP_IMAGE_JPEG_QUALITY,
            voice_note_bitrate=settings.VOICE_NOTE_OPUS_BITRATE,
            voice_note_max_seconds=settings.VOICE_NOTE_MAX_SECONDS,
            audio_analysis_max_seconds=settings.MEDIA_AUDIO_ANALYSIS_MAX_SECONDS,
            video_poster_max_packets=settings.MEDIA_VIDEO_POSTER_MAX_PACKETS,
            document_text_max_chars=settings.MEDIA_DOCUMENT_TEXT_MAX_CHARS,
            timeout_seconds=settings.MEDIA_PROCESS_TIMEOUT_SECONDS,
            max_memory_bytes=settings.MEDIA_PROCESS_MAX_MEMORY_BYTES,
            video_target=VideoTarget(
                max_bytes=settings.WHATSAPP_VIDEO_MAX_BYTES,
                max_long_side=settings.WHATSAPP_VIDEO_MAX_PX,
                max_fps=settings.WHATSAPP_VIDEO_MAX_FPS,
                max_video_bitrate=settings.WHATSAPP_VIDEO_MAX_BITRATE,
                min_video_bitrate=settings.WHATSAPP_VIDEO_MIN_BITRATE,
                audio_bitrate=settings.WHATSAPP_VIDEO_AUDIO_BITRATE,
                max_seconds=settings.TRANSCODE_MAX_SECONDS,
                max_pixels=settings.TRANSCODE_MAX_PIXELS,
                preset=settings.TRANSCODE_PRESET,
                timeout_seconds=settings.TRANSCODE_TIMEOUT_SECONDS,
                max_memory_bytes=settings.TRANSCODE_MAX_MEMORY_BYTES,
            ),
            playback_target=VideoTarget(
                max_bytes=settings.VIDEO_PLAYBACK_MAX_BYTES,
                max_long_side=settings.WHATSAPP_VIDEO_MAX_PX,
                max_video_bitrate=settings.WHATSAPP_VIDEO_MAX_BITRATE,
                min_video_bitrate=settings.WHATSAPP_VIDEO_MIN_BITRATE,
                max_seconds=settings.VIDEO_PLAYBACK_MAX_SECONDS,
                max_pixels=settings.TRANSCODE_MAX_PIXELS,
                preset=settings.TRANSCODE_PRESET,
                timeout_seconds=settings.TRANSCODE_TIMEOUT_SECONDS,
                max_memory_bytes=settings.TRANSCODE_MAX_MEMORY_BYTES,
            ),
            office=office_setup.target(),
        )

    @classmethod
    def for_uploads(cls) -> MediaPolicy:
        """The same rules with the size limits of files agents send (UPLOAD_MAX_BYTES)."""
        from django.conf import settings

        policy = cls.from_settings()
        return replace(policy, max_bytes={**policy.max_bytes, **settings.UPLOAD_MAX_BYTES})

    def browser_plays(self, metadata: dict) -> bool:
        """Whether an analysed video plays in every browser as it is (codec and pixel format)."""
        codec, pixels = metadata.get("codec"), metadata.get("pixel_format")
        if codec is None:  # analysed before codecs were recorded: as before, the original plays
            return True
        return codec in self.browser_video_codecs and pixels in self.browser_pixel_formats

    def category_for(self, mime_type: str) -> str:
        """The category a file of this type belongs to when nobody said (an upload, inspect_media)."""
        kind = kinds.default_for(mime_type).name
        return kind if mime_type in self.allowed_types.get(kind, ()) else kinds.FALLBACK

    def limit_for(self, category: str) -> int:
        return self.max_bytes[category]

    def check(self, category: str, mime_type: str, size: int) -> Refusal | None:
        label = CATEGORY_LABELS[category]
        if size == 0:
            return Refusal("empty", "the file is empty")
        limit = self.max_bytes[category]
        if size > limit:
            return Refusal(
                "too_large", f"the file has {human_size(size)}; the limit for {label} is {human_size(limit)}"
            )
        if mime_type not in self.allowed_types[category]:
            return Refusal("type_not_allowed", f"{mime_type} files are not accepted as {label}")
        return None


def human_size(size: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size} bytes"
