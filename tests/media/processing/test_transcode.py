"""Videos made WhatsApp-ready (media.processing.transcode): what is ready as it is, the plan of a
copy (size, frame rate, bitrates from the duration and the limit), its refusals, and real copies of
real encodings (HEVC, VP9, H.264 with its index at the end) probed for what WhatsApp needs."""

from __future__ import annotations

import dataclasses

import pytest

from chatmedia.media.policy import Refusal, VideoTarget
from chatmedia.media.processing import conversion, transcode
from tests.media import corpus

MB = 1024 * 1024
PHONE = transcode.Probe(
    container="mov,mp4,m4a,3gp,3g2,mj2",
    video_codec="hevc",
    pixel_format="yuv420p10le",
    profile="Main 10",
    width=1920,
    height=1080,
    rotation=90,
    fps=59.94,
    duration=60.0,
    audio_codec="aac",
    size=60 * MB,
    faststart=False,
)


def test_a_minute_of_4k_hevc_from_a_phone_becomes_720p_h264_that_fits_16_mb():
    planned = transcode.plan(PHONE, VideoTarget())
    assert (planned.width, planned.height) == (720, 1280)  # upright: portrait
    assert planned.fps == 30 and planned.audio_bitrate == 128_000
    expected = int(16 * MB * 8 * transcode.SIZE_MARGIN / 60 - 128_000)
    assert planned.video_bitrate == expected
    assert (planned.video_bitrate + planned.audio_bitrate) * 60 / 8 <= 16 * MB * transcode.SIZE_MARGIN


def test_fewer_bits_mean_fewer_pixels_and_below_the_floor_a_document():
    three_minutes = transcode.plan(dataclasses.replace(PHONE, duration=180, rotation=0), VideoTarget())
    assert (
        500_000 <= three_minutes.video_bitrate < 1_000_000
        and max(three_minutes.width, three_minutes.height) == 854
    )
    five_minutes = transcode.plan(dataclasses.replace(PHONE, duration=300, rotation=0), VideoTarget())
    assert max(five_minutes.width, five_minutes.height) == 640
    ten_minutes = transcode.plan(dataclasses.replace(PHONE, duration=599), VideoTarget())
    assert isinstance(ten_minutes, Refusal) and ten_minutes.code == "video_too_long"
    assert "send it as a document" in ten_minutes.message
    too_long = transcode.plan(dataclasses.replace(PHONE, duration=3600), VideoTarget(max_bytes=2000 * MB))
    assert isinstance(too_long, Refusal) and "converted up to 10 min" in too_long.message
    # A provider's lower limit is the limit.
    small = transcode.plan(PHONE, VideoTarget(max_bytes=8 * MB))
    assert small.video_bitrate < transcode.plan(PHONE, VideoTarget()).video_bitrate


def test_only_h264_aac_mp4_with_its_index_first_is_ready():
    ready = dataclasses.replace(
        PHONE, video_codec="h264", pixel_format="yuv420p", profile="High", width=1280, height=720,
        rotation=0, fps=30, size=10 * MB, faststart=True,
    )  # fmt: skip
    assert transcode.ready(ready, VideoTarget())
    for change in (
        {"faststart": False},
        {"profile": "High 10"},
        {"pixel_format": "yuv422p"},
        {"audio_codec": "opus"},
        {"size": 17 * MB},
        {"width": 1920, "height": 1080},
        {"fps": 60},
        {"container": "matroska,webm"},
    ):
        assert not transcode.ready(dataclasses.replace(ready, **change), VideoTarget()), change
    assert transcode.ready(dataclasses.replace(ready, audio_codec=""), VideoTarget())  # a silent one


@pytest.mark.parametrize(
    ("made", "size"),
    [
        (lambda: corpus.movie("mov", "libx265", "aac", rotation=90), (360, 640)),
        (lambda: corpus.movie("webm", "libvpx-vp9", "libopus"), (640, 360)),
        (lambda: corpus.movie("mp4", "libx264", "aac", size=(1920, 1080), seconds=1), (1280, 720)),
    ],
    ids=["hevc-portrait", "vp9-opus", "h264-1080p-index-last"],
)
def test_real_encodings_become_whatsapp_ready_in_the_isolated_process(tmp_path, made, size):
    source = tmp_path / "in"
    source.write_bytes(made())
    policy = dataclasses.replace(inspection_policy(), video_target=VideoTarget())
    converted = conversion.make_sendable(str(source), "video", policy, str(tmp_path))
    assert converted.refusal is None and converted.file is not None
    found = transcode.probe(converted.file.path)
    assert transcode.ready(found, VideoTarget()) and (found.width, found.height) == size
    assert found.audio_codec == "aac" and found.rotation == 0
    assert (tmp_path / conversion.PROGRESS_FILE).read_text() == "1.000"
    # What it made is ready: a second pass leaves it as it is.
    again = conversion.make_sendable(converted.file.path, "video", policy, str(tmp_path / "again"))
    assert again.file is None and again.refusal is None


def test_a_broken_or_huge_video_is_refused_with_a_reason(tmp_path):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(corpus.truncated(corpus.movie("mp4", "libx264"), 0.1))
    policy = inspection_policy()
    refused = conversion.make_sendable(str(broken), "video", policy, str(tmp_path))
    assert refused.refusal is not None and refused.refusal.code == "unsendable"
    big = tmp_path / "big.mp4"
    big.write_bytes(corpus.movie("mp4", "libx264", size=(640, 360), seconds=0.2))
    tiny = dataclasses.replace(policy, video_target=VideoTarget(max_pixels=1000))
    refused = conversion.make_sendable(str(big), "video", tiny, str(tmp_path))
    assert refused.refusal.code == "video_too_long" and "640×360" in refused.refusal.message  # noqa: RUF001


def inspection_policy():
    from chatmedia.media.policy import MediaPolicy

    return MediaPolicy.for_uploads()
