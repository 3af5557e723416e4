"""Videos → what WhatsApp (and every browser) plays: H.264 (yuv420p, High profile) with AAC in an MP4
whose index comes first (+faststart), upright, scaled to fit, at a bitrate computed from the
duration so the file fits the limit. Runs inside the processing process (PyAV: FFmpeg's decoders,
filters, libx264 and its AAC encoder — the same code paths as the `ffmpeg` CLI).

- `probe(path)` reads what a video is: container, codecs, pixel format, profile, dimensions, duration,
  rotation, and whether the MP4 index comes first.
- `ready(probe, target)` — it can be sent as it is.
- `plan(probe, target)` — the size, frame rate and bitrates of the copy, or a `Refusal` when the video
  cannot fit at an acceptable quality (the agent may send it as a document instead).
- `transcode(path, out, plan, progress=…)` writes the copy, reporting the fraction done.
Pure apart from the files it reads and writes; no Django.
"""

from __future__ import annotations

import fractions
import os
import struct
from collections.abc import Callable
from dataclasses import dataclass

import av

from chatmedia.media.policy import Refusal, VideoTarget
from chatmedia.media.processing.renditions import RenditionFile, Unprocessable

# What WhatsApp's apps play inline: H.264 of these profiles, 8-bit 4:2:0, AAC (or no sound) in MP4.
PLAYABLE_PROFILES = ("Baseline", "Constrained Baseline", "Main", "High")
# Room for the MP4 index and the encoder's rate control wandering around its target.
SIZE_MARGIN = 0.90
AUDIO_RATE = 44100


@dataclass(frozen=True)
class Probe:
    container: str  # FFmpeg's format name ("mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "gif"…)
    video_codec: str
    pixel_format: str
    profile: str
    width: int  # as stored (before rotation)
    height: int
    rotation: int  # counter-clockwise degrees to display it upright
    fps: float
    duration: float
    audio_codec: str  # "" when silent
    size: int
    faststart: bool


@dataclass(frozen=True)
class Plan:
    width: int  # as displayed (after rotation), even
    height: int
    fps: int
    video_bitrate: int
    audio_bitrate: int  # 0: no sound track
    rotation: int
    preset: str
    duration: float


def moov_first(path: str) -> bool:
    """Whether the MP4's index (`moov`) comes before its data (`mdat`): it plays while it downloads."""
    with open(path, "rb") as file:
        for _ in range(64):  # top-level boxes; a real file has a handful
            header = file.read(8)
            if len(header) < 8:
                return False
            size, kind = struct.unpack(">I4s", header)
            if kind == b"moov":
                return True
            if kind == b"mdat":
                return False
            if size == 1:
                size = struct.unpack(">Q", file.read(8))[0] - 8
            elif size < 8:
                return False
            file.seek(size - 8, os.SEEK_CUR)
    return False


def probe(path: str) -> Probe:
    try:
        with av.open(path, metadata_errors="ignore") as container:
            videos = [
                s for s in container.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            ]
            if not videos:
                raise Unprocessable("the file has no video track")
            video = videos[0]
            context = video.codec_context
            rotation = 0
            duration = float(video.duration * video.time_base) if video.duration and video.time_base else 0.0
            if not duration and container.duration:
                duration = container.duration / av.time_base
            for frame in container.decode(video):
                rotation = int(getattr(frame, "rotation", 0) or 0) % 360
                break
            rate = video.average_rate or video.guessed_rate or fractions.Fraction(30)
            audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
            return Probe(
                container=container.format.name,
                video_codec=context.name,
                pixel_format=context.format.name if context.format else "",
                profile=context.profile or "",
                width=context.width,
                height=context.height,
                rotation=rotation,
                fps=float(rate),
                duration=duration,
                audio_codec=audio,
                size=os.path.getsize(path),
                faststart="mp4" in container.format.name and moov_first(path),
            )
    except (av.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise Unprocessable("the video cannot be read (damaged or an unsupported variant)") from exc


def ready(found: Probe, target: VideoTarget) -> bool:
    """WhatsApp plays it as it is: H.264 4:2:0 of a playable profile, AAC or silent, MP4 with the
    index first, within the limits."""
    return (
        "mp4" in found.container
        and found.video_codec == "h264"
        and found.pixel_format == "yuv420p"
        and found.profile in PLAYABLE_PROFILES
        and found.audio_codec in ("", "aac")
        and found.faststart
        and found.size <= target.max_bytes
        and max(found.width, found.height) <= target.max_long_side
        and found.fps <= target.max_fps + 0.5
    )


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def plan(found: Probe, target: VideoTarget, *, with_sound: bool = True) -> Plan | Refusal:
    """The copy to make, or why it cannot be made well: too long for the limit at the quality floor."""
    if found.duration <= 0:
        return Refusal("unsendable", "the video has no duration to plan its size from")
    if found.duration > target.max_seconds:
        return Refusal(
            "video_too_long",
            f"the video lasts {found.duration / 60:.0f} min; videos are converted up to "
            f"{target.max_seconds / 60:g} min — send it as a document",
        )
    audio_bitrate = target.audio_bitrate if with_sound and found.audio_codec else 0
    budget = target.max_bytes * 8 * SIZE_MARGIN / found.duration - audio_bitrate
    video_bitrate = int(min(target.max_video_bitrate, budget))
    if video_bitrate < target.min_video_bitrate:
        limit_mb = target.max_bytes / 1024 / 1024
        return Refusal(
            "video_too_long",
            f"a video of {found.duration:.0f} s does not fit in {limit_mb:g} MB at an acceptable quality"
            " — send it as a document",
        )
    width, height = (
        (found.height, found.width) if found.rotation in (90, 270) else (found.width, found.height)
    )
    # Fewer pixels when the bits are few: 720p needs about 1 Mbit/s, 480p half of it.
    long_side = target.max_long_side
    if video_bitrate < 1_000_000:
        long_side = min(long_side, 854)
    if video_bitrate < 500_000:
        long_side = min(long_side, 640)
    scale = min(1.0, long_side / max(width, height))
    return Plan(
        width=_even(width * scale),
        height=_even(height * scale),
        fps=max(1, min(target.max_fps, round(found.fps) or target.max_fps)),
        video_bitrate=video_bitrate,
        audio_bitrate=audio_bitrate,
        rotation=found.rotation,
        preset=target.preset,
        duration=found.duration,
    )


def _filters(graph, source, planned: Plan):
    """buffer → (turn upright) → scale → yuv420p → sink, as the ffmpeg CLI's autorotate does."""
    nodes = [graph.add_buffer(template=source)]
    if planned.rotation == 90:
        nodes.append(graph.add("transpose", "cclock"))
    elif planned.rotation == 270:
        nodes.append(graph.add("transpose", "clock"))
    elif planned.rotation == 180:
        nodes += [graph.add("hflip"), graph.add("vflip")]
    nodes.append(graph.add("scale", f"{planned.width}:{planned.height}"))
    nodes.append(graph.add("format", "yuv420p"))
    nodes.append(graph.add("buffersink"))
    graph.link_nodes(*nodes).configure()


def transcode(
    path: str, out_path: str, planned: Plan, *, progress: Callable[[float], None] | None = None
) -> RenditionFile:
    """Write the planned copy of `path`; `progress(fraction)` as it goes (at most every 2 %)."""
    try:
        with av.open(path, metadata_errors="ignore") as source:
            video_in = next(
                s for s in source.streams.video if not s.disposition & av.stream.Disposition.attached_pic
            )
            video_in.thread_type = "AUTO"
            audio_in = source.streams.audio[0] if planned.audio_bitrate and source.streams.audio else None
            with av.open(out_path, "w", format="mp4", options={"movflags": "+faststart"}) as output:
                video = output.add_stream("libx264", rate=planned.fps)
                video.width, video.height, video.pix_fmt = planned.width, planned.height, "yuv420p"
                video.bit_rate = planned.video_bitrate
                video.codec_context.time_base = fractions.Fraction(1, planned.fps)
                # Frame threads, as the ffmpeg CLI: PyAV's default (slices only) makes x264 ~1.5x slower.
                video.codec_context.thread_type = "AUTO"
                video.options = {
                    "preset": planned.preset,
                    "profile": "high",
                    "maxrate": str(int(planned.video_bitrate * 1.5)),
                    "bufsize": str(planned.video_bitrate * 2),
                }
                audio = None
                resampler = None
                if audio_in is not None:
                    audio = output.add_stream("aac", rate=AUDIO_RATE, layout="stereo")
                    audio.bit_rate = planned.audio_bitrate
                    resampler = av.AudioResampler(
                        format=audio.codec_context.format,
                        layout="stereo",
                        rate=AUDIO_RATE,
                        frame_size=audio.codec_context.frame_size,
                    )
                graph = av.filter.Graph()
                _filters(graph, video_in, planned)
                streams = [video_in] + ([audio_in] if audio_in is not None else [])
                last_pts, reported = -1, 0.0
                for packet in source.demux(*streams):
                    for frame in packet.decode():
                        if packet.stream is video_in:
                            graph.push(frame)
                            last_pts, reported = _drain(
                                graph, video, output, planned, last_pts, reported, progress
                            )
                        elif audio is not None:
                            for ready_frame in resampler.resample(frame):
                                output.mux(audio.encode(ready_frame))
                graph.push(None)
                _drain(graph, video, output, planned, last_pts, reported, progress)
                output.mux(video.encode(None))
                if audio is not None:
                    for ready_frame in resampler.resample(None):
                        output.mux(audio.encode(ready_frame))
                    output.mux(audio.encode(None))
    except (av.FFmpegError, ValueError, StopIteration) as exc:
        raise Unprocessable("the video could not be converted (damaged or an unsupported variant)") from exc
    if progress is not None:
        progress(1.0)
    return RenditionFile(
        "original", out_path, "video/mp4", planned.width, planned.height, os.path.getsize(out_path)
    )


def _drain(graph, video, output, planned: Plan, last_pts: int, reported: float, progress):
    """Encode what the filters have ready, on a constant frame rate (repeats dropped)."""
    while True:
        try:
            frame = graph.pull()
        except (BlockingIOError, EOFError, av.error.BlockingIOError, av.error.EOFError):
            return last_pts, reported
        if frame.time is None:
            continue
        pts = round(frame.time * planned.fps)
        if pts <= last_pts:
            continue  # faster than the target rate: this frame is dropped
        last_pts = pts
        frame.pts, frame.time_base = pts, fractions.Fraction(1, planned.fps)
        frame.pict_type = av.video.frame.PictureType.NONE
        output.mux(video.encode(frame))
        done = min(1.0, frame.time / planned.duration) if planned.duration else 0.0
        if progress is not None and done - reported >= 0.02:
            reported = done
            progress(done)
