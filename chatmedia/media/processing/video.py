"""Videos → duration, dimensions (as displayed, after the rotation phones record), codec and pixel
format, a `poster` frame and a `thumb`; never a full transcode here (a video browsers cannot play
gets its `playback` copy from `media.playback`, in its own task). Runs inside the processing process.
"""

from __future__ import annotations

import av

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing.audio import open_container, probed_seconds
from chatmedia.media.processing.images import display_mode, still_renditions
from chatmedia.media.processing.renditions import Analysis, Unprocessable

# Audio-only files in a video container (an MP4 of a song, a WebM from a browser's recorder).
AUDIO_TYPE_OF_CONTAINER = {
    "video/mp4": "audio/mp4",
    "video/quicktime": "audio/mp4",
    "video/3gpp": "audio/3gpp",
    "video/webm": "audio/webm",
    "video/ogg": "audio/ogg",
}


def _video_stream(container):
    for stream in container.streams.video:
        if not stream.disposition & av.stream.Disposition.attached_pic:  # cover art is no video
            return stream
    return None


def holds_video(path: str) -> bool | None:
    """True: a video track; False: audio only; None: neither (or unreadable)."""
    try:
        with av.open(path, metadata_errors="ignore") as container:
            if _video_stream(container) is not None:
                return True
            return False if container.streams.audio else None
    except (av.FFmpegError, UnicodeDecodeError, ValueError):
        return None


def analyze_video(path: str, policy: MediaPolicy, out_dir: str) -> Analysis:
    with open_container(path, "video") as container:
        stream = _video_stream(container)
        if stream is None:
            raise Unprocessable("the file has no video track")
        stream.codec_context.thread_count = 1
        context = stream.codec_context
        # What decides whether browsers play it as it is (else a `playback` copy is made later).
        metadata: dict = {
            "codec": context.name,
            "pixel_format": context.format.name if context.format else "",
        }
        duration = probed_seconds(container, stream)
        if duration is not None:
            metadata["duration"] = duration
        width, height = stream.codec_context.width, stream.codec_context.height
        if width and height:
            metadata.update(width=width, height=height)
            if width * height > policy.image_max_pixels:
                raise Unprocessable(
                    f"the video frames have {width * height} pixels; too large to preview",
                    metadata,
                    code="too_many_pixels",
                )
        frame = _first_frame(container, stream, metadata, policy.video_poster_max_packets)
        rotation = getattr(frame, "rotation", 0) or 0
        picture = frame.to_image()
        if rotation % 360:
            # `rotation` is counter-clockwise degrees to turn the frame to display it upright.
            picture = picture.rotate(rotation, expand=True)
        metadata.update(width=picture.width, height=picture.height)
        picture = display_mode(picture)
    analysis = still_renditions(picture, policy, out_dir, metadata)
    analysis.renditions["poster"] = analysis.renditions.pop("preview")
    return analysis


def _first_frame(container, stream, metadata: dict, max_packets: int):
    """The first frame that decodes, reading at most `max_packets` packets (a crafted file of
    undecodable packets would otherwise be read to its end)."""
    try:
        for count, packet in enumerate(container.demux(stream)):
            if count >= max_packets:
                break
            for frame in packet.decode():
                return frame
    except (av.FFmpegError, ValueError) as exc:
        raise Unprocessable("the video is damaged and cannot be decoded", metadata) from exc
    raise Unprocessable("the video has no frame that decodes", metadata)
