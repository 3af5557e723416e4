"""Benchmark of the outgoing video conversion (`media.processing.transcode`): a 60 s 1080p HEVC clip
with AAC sound, as an iPhone records it, made WhatsApp-ready (H.264 High + AAC in MP4, +faststart,
1280 px, 30 fps, a bitrate that fits 16 MB) by our path — `conversion.make_sendable`, the isolated
process the worker uses — against the `ffmpeg` command line doing the same conversion with the same
settings (scale, pixel format, frame rate, libx264 preset, profile, bitrate, maxrate, bufsize, AAC
bitrate), in the same run. Goal: ours ÷ ffmpeg ≤ 1.1. Both outputs are probed: same codecs, both fit.

The clip is made once per run (x265 `ultrafast`, a moving picture and a tone) and not timed.
The `ffmpeg` CLI is Debian's (`make bench-transcode` installs it); its FFmpeg and libx264 builds
are not PyAV's, which the ratio includes.

Usage: .venv/bin/python bench/transcode.py [--seconds 60] [--size 1920x1080]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")

import django  # noqa: E402

django.setup()

from chatmedia.media.policy import MediaPolicy  # noqa: E402
from chatmedia.media.processing import conversion, isolation, transcode  # noqa: E402
from tests.media import corpus  # noqa: E402


def ffmpeg_args(source: str, out: str, planned: transcode.Plan) -> list[str]:
    """The same conversion on the command line (ffmpeg autorotates, as our filter graph does)."""
    rate = planned.video_bitrate
    return [
        "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", source,
        "-vf", f"scale={planned.width}:{planned.height},format=yuv420p", "-r", str(planned.fps),
        "-c:v", "libx264", "-preset", planned.preset, "-profile:v", "high",
        "-b:v", str(rate), "-maxrate", str(int(rate * 1.5)), "-bufsize", str(rate * 2),
        "-c:a", "aac", "-b:a", str(planned.audio_bitrate), "-ar", str(transcode.AUDIO_RATE), "-ac", "2",
        "-movflags", "+faststart", out,
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--size", default="1920x1080")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    if shutil.which("ffmpeg") is None:
        sys.exit("bench/transcode.py needs the ffmpeg command line (Debian's ffmpeg; make bench-transcode)")
    policy = MediaPolicy.for_uploads()
    with tempfile.TemporaryDirectory(prefix="bench-transcode-") as scratch:
        source = os.path.join(scratch, "IMG_0001.MOV")
        started = time.perf_counter()
        with open(source, "wb") as file:
            file.write(
                corpus.movie(
                    "mov", "libx265", "aac", size=(width, height), seconds=args.seconds, preset="ultrafast"
                )
            )
        made = time.perf_counter() - started
        mib = os.path.getsize(source) / 2**20
        print(f"clip: {args.seconds:g} s {width}x{height} HEVC + AAC, {mib:.1f} MiB (made in {made:.0f} s)")
        found = transcode.probe(source)
        planned = transcode.plan(found, policy.video_target)
        print(
            f"plan: {planned.width}x{planned.height} {planned.fps} fps, "
            f"video {planned.video_bitrate} bit/s, audio {planned.audio_bitrate} bit/s"
        )
        isolation.warm_up()
        ours_dir = os.path.join(scratch, "ours")
        os.mkdir(ours_dir)
        started = time.perf_counter()
        converted = conversion.make_sendable(source, "video", policy, ours_dir)
        ours = time.perf_counter() - started
        assert converted.refusal is None and converted.file is not None, converted
        theirs_out = os.path.join(scratch, "ffmpeg.mp4")
        started = time.perf_counter()
        subprocess.run(ffmpeg_args(source, theirs_out, planned), check=True)
        theirs = time.perf_counter() - started
        limit = policy.video_target.max_bytes
        for name, path in (("ours", converted.file.path), ("ffmpeg", theirs_out)):
            out = transcode.probe(path)
            fits = out.size <= limit
            print(
                f"{name:>6}: {out.video_codec} {out.profile} {out.pixel_format} {out.width}x{out.height} "
                f"{out.fps:g} fps + {out.audio_codec}, {out.size / 2**20:.2f} MiB "
                f"(fits {limit / 2**20:g} MiB: {fits}), index first: {out.faststart}, "
                f"ready: {transcode.ready(out, policy.video_target)}"
            )
            assert fits and out.video_codec == "h264" and out.audio_codec == "aac"
        print(f"time: ours {ours:.1f} s, ffmpeg CLI {theirs:.1f} s, ratio {ours / theirs:.2f} (goal <= 1.1)")
        target = dataclasses.asdict(policy.video_target)
        print(
            f"settings: preset {target['preset']}, max {target['max_long_side']} px, {target['max_fps']} fps"
        )


if __name__ == "__main__":
    main()
