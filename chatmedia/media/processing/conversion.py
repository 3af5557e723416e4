"""Make a file fit to go somewhere else: WhatsApp (`make_sendable`, before a send) or a browser
(`make_browser_copy`, a video's `playback` copy). The decoders meet the bytes in an isolated process
(`isolation`) with the transcode budgets for video and the processing ones otherwise; the answer is a
`Conversion`: a new file, nothing to do, or a refusal with its reason. No Django here.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, replace

from chatmedia.media.policy import MediaPolicy, Refusal, VideoTarget
from chatmedia.media.processing import isolation, transcode
from chatmedia.media.processing.audio import to_aac, to_voice_note
from chatmedia.media.processing.images import fit_for_whatsapp, is_animated_gif
from chatmedia.media.processing.renditions import RenditionFile, Unprocessable
from chatmedia.media.processing.sniff import detect_file_mime_type


@dataclass(frozen=True)
class Conversion:
    """What `make_sendable` did: `file` is the converted file (None: send the file as it is), or
    `refusal` says why it cannot be sent; `category`: the kind it now is, when that changed (an
    animated GIF becomes a video)."""

    file: RenditionFile | None = None
    refusal: Refusal | None = None
    category: str | None = None


# Where a conversion in the isolated process writes how far it has come (a fraction, as text).
PROGRESS_FILE = "progress"


def _progress_writer(out_dir: str):
    path = os.path.join(out_dir, PROGRESS_FILE)

    def write(fraction: float) -> None:
        with open(path + ".tmp", "w") as file:
            file.write(f"{fraction:.3f}")
        os.replace(path + ".tmp", path)

    return write


def _convert(path: str, category: str, policy: MediaPolicy, out_dir: str, target: VideoTarget) -> Conversion:
    """Runs in the isolated process: decoders meet the uploaded bytes here."""
    try:
        if category == "voice":
            out = os.path.join(out_dir, "voice.ogg")
            return Conversion(
                to_voice_note(
                    path,
                    out,
                    bit_rate=policy.voice_note_bitrate,
                    max_seconds=policy.voice_note_max_seconds,
                )
            )
        if category == "image" and is_animated_gif(path):
            # WhatsApp shows a GIF as a short video (its apps turn GIFs into MP4 too).
            converted = _convert_video(path, out_dir, target)
            return dataclasses.replace(converted, category="video") if converted.file else converted
        if category == "audio":
            with open(path, "rb") as file:
                mime_type = detect_file_mime_type(file)
            if mime_type in policy.whatsapp_audio_types:
                return Conversion()
            out = os.path.join(out_dir, "whatsapp.m4a")
            return Conversion(
                to_aac(
                    path,
                    out,
                    bit_rate=policy.playback_audio_bitrate,
                    max_seconds=policy.voice_note_max_seconds,
                )
            )
        if category == "image":
            out = os.path.join(out_dir, "whatsapp.jpg")
            converted = fit_for_whatsapp(
                path,
                out,
                size=os.path.getsize(path),
                max_px=policy.whatsapp_image_max_px,
                max_bytes=policy.whatsapp_image_max_bytes,
                quality=policy.whatsapp_jpeg_quality,
                max_pixels=policy.image_max_pixels,
            )
            return Conversion(converted)
        if category == "video":
            return _convert_video(path, out_dir, target)
    except Unprocessable as exc:
        return Conversion(refusal=Refusal("unsendable", exc.reason))
    return Conversion()


def _convert_video(path: str, out_dir: str, target: VideoTarget) -> Conversion:
    found = transcode.probe(path)
    if found.width * found.height > target.max_pixels:
        return Conversion(
            refusal=Refusal(
                "video_too_long",
                f"the video is {found.width}×{found.height}; videos are converted up to "  # noqa: RUF001
                f"{target.max_pixels} pixels a frame — send it as a document",
            )
        )
    if transcode.ready(found, target):
        return Conversion()
    planned = transcode.plan(found, target)
    if isinstance(planned, Refusal):
        return Conversion(refusal=planned)
    out = os.path.join(out_dir, "whatsapp.mp4")
    return Conversion(transcode.transcode(path, out, planned, progress=_progress_writer(out_dir)))


def _browser_copy(path: str, out_dir: str, target: VideoTarget) -> Conversion:
    """Runs in the isolated process: an H.264 + AAC MP4 `playback` copy browsers all play."""
    try:
        found = transcode.probe(path)
        if found.width * found.height > target.max_pixels:
            return Conversion(refusal=Refusal("too_many_pixels", "the video is too large to convert"))
        planned = transcode.plan(found, target)
        if isinstance(planned, Refusal):
            return Conversion(refusal=planned)
        made = transcode.transcode(path, os.path.join(out_dir, "playback.mp4"), planned)
    except Unprocessable as exc:
        return Conversion(refusal=Refusal("unreadable", exc.reason))
    return Conversion(dataclasses.replace(made, variant="playback"))


def make_browser_copy(path: str, policy: MediaPolicy, out_dir: str) -> Conversion:
    """The `playback` copy of a video browsers cannot play, in an isolated process with the
    transcode budgets; or why there is none."""
    target = policy.playback_target
    outcome = isolation.run_isolated(
        _browser_copy,
        path,
        out_dir,
        target,
        timeout=target.timeout_seconds,
        memory_bytes=target.max_memory_bytes,
    )
    if outcome.failure is not None:
        reason = outcome.reason(target.timeout_seconds)
        return Conversion(refusal=Refusal(outcome.failure, reason))
    return outcome.result


def make_sendable(
    path: str, category: str, policy: MediaPolicy, out_dir: str, *, max_bytes: int | None = None
) -> Conversion:
    """Voice notes → Ogg/Opus mono 48 kHz; pictures over WhatsApp's limits or of another type than
    JPEG/PNG → a JPEG that fits; an animated GIF → an MP4 video; audio WhatsApp does not play →
    AAC in M4A; videos that are not WhatsApp-ready → H.264 + AAC MP4 that fits (`max_bytes`: the
    number's provider's limit for videos, when lower than ours), its progress in
    `out_dir/PROGRESS_FILE`; other files unchanged. In an isolated process with the processing
    budgets (a video: the transcode ones)."""
    if category not in ("voice", "image", "video", "audio"):
        return Conversion()
    target = policy.video_target
    if max_bytes:
        target = replace(target, max_bytes=min(target.max_bytes, max_bytes))
    video = category == "video" or (category == "image" and is_animated_gif(path))
    timeout = target.timeout_seconds if video else policy.timeout_seconds
    outcome = isolation.run_isolated(
        _convert,
        path,
        category,
        policy,
        out_dir,
        target,
        timeout=timeout,
        memory_bytes=target.max_memory_bytes if video else policy.max_memory_bytes,
    )
    if outcome.failure is not None:
        reason = outcome.reason(timeout)
        return Conversion(refusal=Refusal("unsendable", reason))
    return outcome.result
