"""The processing corpus: every real and hostile file gets exactly the outcome a user should see.

Files come from tests/media/corpus.py (made by Pillow, pillow-heif and FFmpeg, or kept tiny under
tests/data/). Everything runs through `processing.inspect`, the code workers run, including the
isolated process.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from PIL import Image

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing.inspection import inspect
from tests.media import corpus


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    return corpus.materialize(tmp_path_factory.mktemp("corpus"))


@pytest.fixture
def policy(settings) -> MediaPolicy:
    return MediaPolicy.from_settings()


@pytest.fixture
def run(files, policy, tmp_path):
    def run(name: str, category: str | None = None, policy=policy, **hints):
        out = tmp_path / f"out-{len(list(tmp_path.iterdir()))}"
        out.mkdir()
        return inspect(str(files[name]), policy, str(out), category=category, **hints)

    return run


def _opened(rendition):
    return Image.open(rendition.path)


def _assert_pixels_only(rendition) -> None:
    with _opened(rendition) as picture:
        assert picture.format == "WEBP"
        assert not picture.getexif(), "EXIF (GPS, camera) must not reach a rendition"
        assert "exif" not in picture.info and "xmp" not in picture.info
        assert "icc_profile" not in picture.info


# --- images -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("orientation", range(1, 9))
def test_exif_orientation_is_applied_and_metadata_stripped(run, orientation):
    result = run(f"exif-orientation-{orientation}.jpg", "image")
    assert result.ok and result.mime_type == "image/jpeg"
    assert (result.metadata["width"], result.metadata["height"]) == corpus.UPRIGHT_SIZE
    thumb = result.renditions["thumb"]
    assert (thumb.width, thumb.height) == corpus.UPRIGHT_SIZE
    _assert_pixels_only(thumb)
    with _opened(thumb) as picture:
        picture = picture.convert("RGB")
        width, height = picture.size
        corners = {
            "top_left": picture.getpixel((width // 4, height // 4)),
            "top_right": picture.getpixel((3 * width // 4, height // 4)),
            "bottom_left": picture.getpixel((width // 4, 3 * height // 4)),
            "bottom_right": picture.getpixel((3 * width // 4, 3 * height // 4)),
        }
    for corner, expected in corpus.QUADRANTS.items():
        assert all(abs(a - b) < 40 for a, b in zip(corners[corner], expected, strict=True)), (corner, corners)


def test_photo_gets_thumb_preview_blurhash(run, policy):
    result = run("photo.jpg", "image")
    assert result.ok and result.error is None
    assert result.metadata["width"] == 1600 and result.metadata["height"] == 1200
    assert len(result.metadata["blurhash"]) >= 20
    preview, thumb = result.renditions["preview"], result.renditions["thumb"]
    assert (preview.width, preview.height) == (1600, 1200)
    assert max(thumb.width, thumb.height) == policy.thumb_max_px
    assert thumb.mime_type == preview.mime_type == "image/webp"
    assert thumb.bytes < preview.bytes
    _assert_pixels_only(preview)


def test_big_photo_is_decoded_at_reduced_scale(run, files, tmp_path, policy):
    big = tmp_path / "big.jpg"
    big.write_bytes(corpus.jpeg((4000, 3000)))
    files["big.jpg"] = big
    result = run("big.jpg", "image")
    assert (result.metadata["width"], result.metadata["height"]) == (4000, 3000)
    assert (
        max(result.renditions["preview"].width, result.renditions["preview"].height) == policy.preview_max_px
    )


@pytest.mark.parametrize(("name", "mime"), [("photo.heic", "image/heic"), ("photo.avif", "image/avif")])
def test_heic_and_avif(run, name, mime):
    result = run(name, "image")
    assert result.ok and result.mime_type == mime
    assert (result.metadata["width"], result.metadata["height"]) == (800, 600)
    assert result.renditions["thumb"].width == 640


def test_cmyk_jpeg_becomes_rgb(run):
    result = run("cmyk.jpg", "image")
    with _opened(result.renditions["thumb"]) as picture:
        assert picture.mode == "RGB"
        # the top-left corner of the photo is black, the bottom-right light: not inverted
        assert sum(picture.getpixel((1, 1))) < 120
        assert sum(picture.getpixel((picture.width - 2, picture.height - 2))) > 500


def test_16_bit_png_keeps_its_gradient(run):
    result = run("gray-16bit.png", "image")
    with _opened(result.renditions["thumb"]) as picture:
        row = [picture.convert("L").getpixel((x, 10)) for x in (5, 128, 250)]
    assert row[0] < 20 and 100 < row[1] < 160 and row[2] > 235, row


def test_palette_png_keeps_transparency(run):
    result = run("palette-transparent.png", "image")
    with _opened(result.renditions["thumb"]) as picture:
        assert picture.mode == "RGBA"
        assert picture.getpixel((10, 50))[3] == 0
        assert picture.getpixel((90, 50))[:3] == (255, 0, 0) or picture.getpixel((90, 50))[0] > 240


def test_animated_gif_keeps_moving(run):
    result = run("animated.gif", "image")
    assert result.metadata["animated"] is True and result.metadata["frames"] == 5
    assert set(result.renditions) == {"thumb"}  # the lightbox plays the original GIF
    with _opened(result.renditions["thumb"]) as picture:
        assert picture.n_frames == 5


def test_animated_sticker_keeps_its_animation(run, policy):
    result = run("animated-sticker.webp", "sticker")
    assert result.ok and result.category == "sticker"
    assert result.metadata == {**result.metadata, "animated": True, "frames": 4}
    thumb = result.renditions["thumb"]
    assert thumb.width == policy.animated_thumb_max_px
    with _opened(thumb) as picture:
        assert picture.n_frames == 4


def test_frame_cap_makes_a_still_thumb(run, settings):
    settings.MEDIA_IMAGE_MAX_FRAMES = 3
    result = run("animated.gif", "image", policy=MediaPolicy.from_settings())
    assert result.metadata["animated"] is True and "frames" not in result.metadata
    with _opened(result.renditions["thumb"]) as picture:
        assert getattr(picture, "n_frames", 1) == 1
    assert "preview" in result.renditions


def test_static_sticker(run):
    result = run("sticker.webp", "sticker")
    assert result.metadata["animated"] is False
    assert set(result.renditions) == {"thumb"}


@pytest.mark.parametrize(
    ("name", "size", "reason"),
    [
        ("truncated.jpg", (1600, 1200), "the picture is incomplete (the file is truncated)"),
        ("truncated.png", (800, 600), "the picture is incomplete (the file is truncated)"),
        (
            "pixel-bomb.png",
            (100_000, 100_000),
            "the picture has 10000000000 pixels; previews are made up to 50000000",
        ),
        (
            "huge-compressed.png",
            (12000, 6000),
            "the picture has 72000000 pixels; previews are made up to 50000000",
        ),
    ],
)
def test_broken_or_huge_pictures_stay_downloadable_without_previews(run, name, size, reason):
    result = run(name, "image")
    assert result.ok and result.error is None
    assert result.renditions == {}
    assert (result.metadata["width"], result.metadata["height"]) == size
    assert result.metadata["preview_error"] == reason


@pytest.mark.parametrize(
    ("name", "category", "code", "error"),
    [
        ("script.svg", "image", "type_not_allowed", "image/svg+xml files are not accepted as images"),
        ("script.svg", None, "type_not_allowed", "image/svg+xml files are not accepted as documents"),
        ("page-renamed.jpg", "image", "type_not_allowed", "text/html files are not accepted as images"),
        ("page-renamed.jpg", "document", "type_not_allowed", "text/html files are not accepted as documents"),
        ("polyglot.jpg", "image", "unsafe_content", "the picture carries HTML or script and is not accepted"),
        (
            "polyglot.jpg",
            "document",
            "unsafe_content",
            "the picture carries HTML or script and is not accepted",
        ),
        ("empty.bin", "image", "empty", "the file is empty"),
        ("voice.ogg", "image", "type_not_allowed", "audio/ogg files are not accepted as images"),
        ("photo.jpg", "sticker", "type_not_allowed", "image/jpeg files are not accepted as stickers"),
    ],
)
def test_hostile_files_are_refused(run, name, category, code, error):
    result = run(name, category, declared_type="image/jpeg", file_name="foto.jpg")
    assert not result.ok
    assert (result.error_code, result.error) == (code, error)
    assert result.renditions == {}


def test_category_size_limit(run, settings):
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "image": 10_000}
    result = run("photo.jpg", "image", policy=MediaPolicy.from_settings())
    assert (result.ok, result.error_code) == (False, "too_large")
    assert result.error == "the file has 59.2 KB; the limit for images is 9.8 KB"


# --- documents --------------------------------------------------------------------------------------


def test_multi_page_pdf(run, policy):
    result = run("three-pages.pdf", "document")
    assert result.ok and result.mime_type == "application/pdf"
    assert result.metadata["pages"] == 3
    preview = result.renditions["preview"]
    assert (preview.width, preview.height) == (1200, 1600)  # a 300 x 400 pt page, upright
    assert "thumb" in result.renditions


@pytest.mark.parametrize(
    ("name", "reason", "code"),
    [
        ("encrypted.pdf", "the PDF is password-protected", "protected"),
        ("corrupt.pdf", "the PDF is damaged and cannot be read", "unreadable"),
    ],
)
def test_unreadable_pdf_stays_downloadable_with_the_reason(run, name, reason, code):
    result = run(name, "document")
    assert result.ok and result.mime_type == "application/pdf" and result.renditions == {}
    assert result.metadata == {"preview_error": reason, "preview_error_code": code}


def test_other_documents_have_type_and_size(run, files):
    result = run("notes.txt", "document")
    assert (result.ok, result.mime_type, result.size) == (
        True,
        "text/plain",
        files["notes.txt"].stat().st_size,
    )
    assert result.metadata == {} and result.renditions == {}


def test_declared_type_refines_a_vague_detection(run):
    assert run("notes.txt", "document", declared_type="text/csv").mime_type == "text/csv"
    assert run("notes.txt", "document", file_name="pedidos.csv").mime_type == "text/csv"
    # a hint never turns bytes into something else
    assert run("notes.txt", "document", declared_type="application/pdf").mime_type == "text/plain"


# --- audio ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "category", "mime_type", "duration", "playback"),
    [
        ("voice.ogg", "voice", "audio/ogg", 2.0, True),
        ("browser-voice.webm", "voice", "audio/webm", 2.0, True),
        ("old-phone.amr", "voice", "audio/amr", 2.0, True),
        ("song.mp3", "audio", "audio/mpeg", 2.0, False),
        ("song.m4a", "audio", "audio/mp4", 2.0, False),
        ("memo.wav", "audio", "audio/wav", 2.0, False),
        ("song.m4a", None, "audio/mp4", 2.0, False),
    ],
)
def test_audio(run, name, category, mime_type, duration, playback):
    result = run(name, category)
    assert result.ok and result.mime_type == mime_type
    assert result.category == (category or "audio")
    assert result.metadata["duration"] == pytest.approx(duration, abs=0.06)
    waveform = result.metadata["waveform"]
    assert len(waveform) == 64 and all(isinstance(v, int) and 0 <= v <= 100 for v in waveform)
    assert max(waveform) == 100
    assert waveform[2] < waveform[32] < waveform[60]  # the tone gets louder
    assert ("playback" in result.renditions) == playback
    if playback:
        rendition = result.renditions["playback"]
        assert rendition.mime_type == "audio/mp4"
        import av

        with av.open(rendition.path) as played:
            stream = played.streams.audio[0]
            assert stream.codec_context.name == "aac"
            assert played.format.name.startswith("mov")
            if category == "voice":
                assert stream.codec_context.channels == 1
            assert float(played.duration / av.time_base) == pytest.approx(duration, abs=0.1)


# --- video ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mime_type", "size"),
    [
        ("clip.mp4", "video/mp4", (320, 240)),
        ("clip.mov", "video/quicktime", (320, 240)),
        ("portrait.mp4", "video/mp4", (240, 320)),
    ],
)
def test_video_poster_and_duration(run, name, mime_type, size):
    result = run(name, "video")
    assert result.ok and result.mime_type == mime_type
    assert result.metadata["duration"] == pytest.approx(1.0, abs=0.05)
    assert (result.metadata["width"], result.metadata["height"]) == size
    poster = result.renditions["poster"]
    assert (poster.width, poster.height) == size
    with _opened(poster) as picture:
        red, _green, blue = picture.convert("RGB").getpixel((poster.width // 2, poster.height // 2))
    assert red > 200 and blue < 60  # the first frame
    assert result.renditions["thumb"].mime_type == "image/webp"
    assert "blurhash" in result.metadata


def test_audio_only_mp4_is_audio(run, files, tmp_path):
    path = tmp_path / "song-in-mp4.mp4"
    path.write_bytes(corpus.tone("mp4", "aac", rate=44100))
    files["song-in-mp4.mp4"] = path
    result = run("song-in-mp4.mp4")
    assert (result.category, result.mime_type) == ("audio", "audio/mp4")
    assert len(result.metadata["waveform"]) == 64


# --- limits of the isolated process -----------------------------------------------------------------


def test_timeout_leaves_the_file_downloadable(run, settings):
    settings.MEDIA_PROCESS_TIMEOUT_SECONDS = 0.001
    result = run("photo.jpg", "image", policy=MediaPolicy.from_settings())
    assert result.ok and result.renditions == {}
    assert result.metadata == {
        "preview_error": "processing the file took longer than 0.001 s",
        "preview_error_code": "timeout",
    }


def test_memory_budget_leaves_the_file_downloadable(run, files, tmp_path, settings):
    big = tmp_path / "big.png"
    big.write_bytes(corpus._save(corpus.photo((6000, 4000)), "PNG", compress_level=1))
    files["big.png"] = big
    settings.MEDIA_PROCESS_MAX_MEMORY_BYTES = 32 * 1024 * 1024  # the picture alone needs 72 MB
    result = run("big.png", "image", policy=MediaPolicy.from_settings())
    assert result.ok and result.renditions == {}
    assert result.metadata["preview_error"] == "processing the file needed more memory than allowed"


# --- the command ------------------------------------------------------------------------------------


def test_inspect_media_command_prints_one_json_object(files, capsys):
    call_command("inspect_media", str(files["voice.ogg"]), "--category", "voice")
    printed = json.loads(capsys.readouterr().out)
    assert set(printed) == {"ok", "category", "mime_type", "size", "metadata", "renditions", "error"}
    assert printed["ok"] is True and printed["category"] == "voice" and printed["error"] is None
    assert printed["renditions"]["playback"]["mime_type"] == "audio/mp4"
    assert printed["renditions"]["playback"]["width"] is None
    assert len(printed["metadata"]["waveform"]) == 64


def test_inspect_media_command_exits_2_on_refusal(files, capsys):
    with pytest.raises(SystemExit) as exit_info:
        call_command("inspect_media", str(files["page-renamed.jpg"]), "--declared-type", "image/jpeg")
    assert exit_info.value.code == 2
    printed = json.loads(capsys.readouterr().out)
    assert printed == {
        "ok": False,
        "category": "document",
        "mime_type": "text/html",
        "size": len(corpus.HTML_PAGE),
        "metadata": {},
        "renditions": {},
        "error": "text/html files are not accepted as documents",
    }


def test_inspect_media_command_keeps_renditions_on_request(files, tmp_path, capsys):
    keep = tmp_path / "kept"
    call_command("inspect_media", str(files["photo.jpg"]), "--keep", str(keep))
    assert sorted(p.name for p in keep.iterdir()) == ["preview.webp", "thumb.webp"]
    shutil.rmtree(keep)
