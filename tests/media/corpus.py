"""Real and hostile media files, made on the fly (or kept tiny under tests/data/) for the processing
tests. Each maker returns bytes; `CORPUS` names them. Nothing here is downloaded."""

from __future__ import annotations

import fractions
import io
import math
import struct
import subprocess
import zlib
from pathlib import Path

import av
import numpy as np
import pillow_heif
from PIL import Image

DATA = Path(__file__).resolve().parent.parent / "data"

# An upright picture with four coloured quadrants: after correct EXIF handling the thumb looks like it.
UPRIGHT_SIZE = (120, 80)
QUADRANTS = {
    "top_left": (255, 0, 0),
    "top_right": (0, 255, 0),
    "bottom_left": (0, 0, 255),
    "bottom_right": (255, 255, 255),
}
# What exif_transpose does for each orientation, and the inverse we store so the upright picture results.
_STORED_AS = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def upright() -> Image.Image:
    width, height = UPRIGHT_SIZE
    picture = Image.new("RGB", UPRIGHT_SIZE)
    picture.paste(QUADRANTS["top_left"], (0, 0, width // 2, height // 2))
    picture.paste(QUADRANTS["top_right"], (width // 2, 0, width, height // 2))
    picture.paste(QUADRANTS["bottom_left"], (0, height // 2, width // 2, height))
    picture.paste(QUADRANTS["bottom_right"], (width // 2, height // 2, width, height))
    return picture


def camera_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "SpyCam Inc."  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "S", 2: (23.0, 33.0, 0.0), 3: "W", 4: (46.0, 38.0, 0.0)}  # GPS: São Paulo
    return exif


def oriented_jpeg(orientation: int) -> bytes:
    picture = upright()
    if _STORED_AS[orientation] is not None:
        picture = picture.transpose(_STORED_AS[orientation])
    return _save(picture, "JPEG", quality=95, exif=camera_exif(orientation))


def _save(picture: Image.Image, format: str, **options) -> bytes:
    buffer = io.BytesIO()
    picture.save(buffer, format, **options)
    return buffer.getvalue()


def photo(size=(1600, 1200)) -> Image.Image:
    """A smooth photo-like picture (gradients), so JPEG sizes are realistic."""
    width, height = size
    x = np.linspace(0, 255, width, dtype=np.float32)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None]
    red = np.broadcast_to(x, (height, width))
    green = np.broadcast_to(y, (height, width))
    blue = (red + green) / 2
    return Image.fromarray(np.stack([red, green, blue], axis=2).astype(np.uint8))


def jpeg(size=(1600, 1200)) -> bytes:
    return _save(photo(size), "JPEG", quality=85, exif=camera_exif())


def heic() -> bytes:
    pillow_heif.register_heif_opener()
    return _save(photo((800, 600)), "HEIF", quality=70)


def avif() -> bytes:
    """What Android 12+ and recent browsers save photos as (Pillow's own AVIF encoder, libavif)."""
    return _save(photo((800, 600)), "AVIF", quality=60)


def cmyk_jpeg() -> bytes:
    return _save(photo((400, 300)).convert("CMYK"), "JPEG", quality=90)


def png_16bit() -> bytes:
    gradient = np.tile(np.linspace(0, 65535, 256, dtype=np.uint16), (64, 1))
    return _save(Image.fromarray(gradient), "PNG")  # uint16 → mode I;16


def palette_png_transparent() -> bytes:
    picture = Image.new("P", (100, 100), 0)
    picture.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    picture.paste(1, (50, 0, 100, 100))  # right half red, left half index 0 = transparent
    return _save(picture, "PNG", transparency=0)


def _frames(count: int, size=(200, 200)) -> list[Image.Image]:
    return [Image.new("RGB", size, (count * 10 % 256, i * 40 % 256, 100)) for i in range(count)]


def animated_gif(frames: int = 5) -> bytes:
    first, *rest = _frames(frames)
    return _save(first, "GIF", save_all=True, append_images=rest, duration=80, loop=0)


def animated_webp(frames: int = 4) -> bytes:
    first, *rest = _frames(frames, (512, 512))
    return _save(first, "WEBP", save_all=True, append_images=rest, duration=100, loop=0)


def static_webp_sticker() -> bytes:
    return _save(Image.new("RGBA", (512, 512), (0, 128, 0, 200)), "WEBP")


def truncated(data: bytes, keep: float = 0.6) -> bytes:
    return data[: int(len(data) * keep)]


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def pixel_bomb() -> bytes:
    """A PNG whose header claims 100000 x 100000 pixels (40 GB decoded) in a few hundred bytes."""
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" + b"\x00" * 300_001, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def compressed_huge_png() -> bytes:
    """A real, valid 12000 x 6000 PNG of one colour: 216 MB of pixels in a file of about 200 KB."""
    return _save(Image.new("L", (12000, 6000), 0), "PNG", optimize=False, compress_level=9)


def spoken_voice_note(sentence: str, voice: str = "en") -> bytes:
    """`sentence` spoken by eSpeak NG (Debian's espeak-ng, installed by make test), as a WhatsApp
    voice note: Ogg/Opus, mono, 48 kHz."""
    wav = subprocess.run(
        ["espeak-ng", "-v", voice, "-s", "140", "--stdout", sentence], capture_output=True, check=True
    ).stdout
    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out, "w", format="ogg") as target:
        stream = target.add_stream("libopus", rate=48000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48000)
        for frame in source.decode(audio=0):
            for resampled in resampler.resample(frame):
                for packet in stream.encode(resampled):
                    target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out.getvalue()


def silent_voice_note(seconds: int) -> bytes:
    """An Ogg/Opus voice note of `seconds` of silence, as small as WhatsApp's (3 hours: ~4 MB), made
    in about a second: one silent Opus packet encoded, then muxed again for every 20 ms."""
    out = io.BytesIO()
    with av.open(out, "w", format="ogg") as container:
        stream = container.add_stream("libopus", rate=48000, layout="mono")
        stream.bit_rate = 6000
        silence = np.zeros((1, 960), dtype=np.int16)
        packets = []
        for index in range(60):  # past the encoder's start-up: a steady silent packet
            frame = av.AudioFrame.from_ndarray(silence, format="s16", layout="mono")
            frame.sample_rate, frame.pts = 48000, index * 960
            packets += stream.encode(frame)
        steady, time_base = bytes(packets[-1]), packets[-1].time_base
        for index in range(seconds * 50):
            packet = av.Packet(steady)
            packet.stream, packet.time_base = stream, time_base
            packet.pts = packet.dts = index * 960
            packet.duration = 960
            container.mux(packet)
    return out.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b'<script>alert(document.cookie)</script><rect width="10" height="10"/></svg>'
)
HTML_PAGE = b"<!DOCTYPE html><html><body><script>fetch('/api/me/')</script></body></html>"


def jpeg_html_polyglot() -> bytes:
    """A valid JPEG that a browser sniffing it as HTML would run: the page sits in a COM segment."""
    picture = jpeg((64, 64))
    page = b"<html><script>alert(1)</script></html>"
    comment = b"\xff\xfe" + struct.pack(">H", len(page) + 2) + page
    return picture[:2] + comment + picture[2:]


def pdf(pages: int = 3) -> bytes:
    first, *rest = [photo((300, 400)) for _ in range(pages)]
    return _save(first, "PDF", save_all=True, append_images=rest, resolution=72)


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\n" + bytes(range(256)) * 8


def encrypted_pdf() -> bytes:
    return (DATA / "encrypted.pdf").read_bytes()  # made with pikepdf (AES-256, user password)


def tone(
    format: str, codec: str, *, rate: int = 48000, seconds: float = 2.0, layout: str = "mono", **options
) -> bytes:
    """A 440 Hz tone that gets louder over `seconds`, encoded by FFmpeg (PyAV)."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=format, options=options) as output:
        stream = output.add_stream(codec, rate=rate, layout=layout)
        rate = stream.codec_context.sample_rate
        samples = int(rate * seconds)
        t = np.arange(samples) / rate
        signal = (0.8 * np.sin(2 * math.pi * 440 * t) * (t / seconds)).astype(np.float32)
        step = 1024
        for start in range(0, samples, step):
            chunk = signal[start : start + step].reshape(1, -1)
            if layout == "stereo":
                chunk = np.repeat(chunk, 2, axis=0)
            frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp", layout=layout)
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = fractions.Fraction(1, rate)
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def clip(
    format: str, codec: str = "h264", *, size=(320, 240), seconds: float = 1.0, rotation: int = 0
) -> bytes:
    """A short video: the first frame is red, later ones blue; optional display rotation."""
    buffer = io.BytesIO()
    with av.open(buffer, "w", format=format) as output:
        stream = output.add_stream(codec, rate=25)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        if rotation:
            stream.set_display_rotation(rotation)
        for index in range(int(25 * seconds)):
            colour = (255, 0, 0) if index == 0 else (0, 0, 255)
            frame = av.VideoFrame.from_image(Image.new("RGB", size, colour))
            frame.pts = index
            output.mux(stream.encode(frame))
        output.mux(stream.encode(None))
    return buffer.getvalue()


def movie(
    format: str,
    video_codec: str,
    audio_codec: str | None = None,
    *,
    size=(640, 360),
    seconds: float = 2.0,
    fps: int = 30,
    rotation: int = 0,
    preset: str | None = None,
    **options,
) -> bytes:
    """A video with motion (a moving gradient) and, when `audio_codec`, a 440 Hz tone: what a phone
    or a screen recorder makes (HEVC in MOV, VP9 + Opus in WebM, H.264 + AAC in MP4…)."""
    buffer = io.BytesIO()
    width, height = size
    x = np.arange(width, dtype=np.int32)[None, :]
    y = np.arange(height, dtype=np.int32)[:, None]
    with av.open(buffer, "w", format=format, options=options) as output:
        video = output.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        if video_codec == "libx265":
            video.options = {"x265-params": "log-level=error", **({"preset": preset} if preset else {})}
        if rotation:
            video.set_display_rotation(rotation)
        audio = None
        if audio_codec:
            audio = output.add_stream(audio_codec, rate=48000, layout="stereo")
        for index in range(int(fps * seconds)):
            shift = index * 4
            rgb = np.stack(
                [(x + shift) % 256 + 0 * y, (y + shift) % 256 + 0 * x, ((x + y + shift) // 2) % 256], axis=-1
            ).astype(np.uint8)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame.pts = index
            output.mux(video.encode(frame))
        output.mux(video.encode(None))
        if audio is not None:
            rate = audio.codec_context.sample_rate
            step = audio.codec_context.frame_size or 1024
            total = int(rate * seconds)
            t = np.arange(total) / rate
            signal = (0.5 * np.sin(2 * math.pi * 440 * t)).astype(np.float32)
            for start in range(0, total - step + 1, step):
                chunk = np.repeat(signal[start : start + step].reshape(1, -1), 2, axis=0)
                sound = av.AudioFrame.from_ndarray(
                    np.ascontiguousarray(chunk), format="fltp", layout="stereo"
                )
                sound.sample_rate, sound.pts = rate, start
                sound.time_base = fractions.Fraction(1, rate)
                output.mux(audio.encode(sound))
            output.mux(audio.encode(None))
    return buffer.getvalue()


CORPUS = {
    **{f"exif-orientation-{n}.jpg": (lambda n=n: oriented_jpeg(n)) for n in range(1, 9)},
    "photo.jpg": jpeg,
    "photo.heic": heic,
    "photo.avif": avif,
    "cmyk.jpg": cmyk_jpeg,
    "gray-16bit.png": png_16bit,
    "palette-transparent.png": palette_png_transparent,
    "animated.gif": animated_gif,
    "animated-sticker.webp": animated_webp,
    "sticker.webp": static_webp_sticker,
    "truncated.jpg": lambda: truncated(jpeg()),
    "truncated.png": lambda: truncated(_save(photo((800, 600)), "PNG")),
    "pixel-bomb.png": pixel_bomb,
    "huge-compressed.png": compressed_huge_png,
    "script.svg": lambda: SVG_WITH_SCRIPT,
    "page-renamed.jpg": lambda: HTML_PAGE,
    "polyglot.jpg": jpeg_html_polyglot,
    "three-pages.pdf": pdf,
    "corrupt.pdf": corrupt_pdf,
    "encrypted.pdf": encrypted_pdf,
    "voice.ogg": lambda: tone("ogg", "libopus"),
    "song.mp3": lambda: tone("mp3", "libmp3lame", rate=44100, layout="stereo"),
    "song.m4a": lambda: tone("ipod", "aac", rate=44100, layout="stereo"),
    "memo.wav": lambda: tone("wav", "pcm_s16le", rate=16000),
    "old-phone.amr": lambda: tone("amr", "libopencore_amrnb", rate=8000),
    "browser-voice.webm": lambda: tone("webm", "libopus"),
    "clip.mp4": lambda: clip("mp4"),
    "clip.mov": lambda: clip("mov"),
    "portrait.mp4": lambda: clip("mp4", size=(320, 240), rotation=90),
    "notes.txt": lambda: "Pedido nº 42: 3 caixas\n".encode() * 10,
    "empty.bin": lambda: b"",
}


def video_of(data: bytes) -> dict:
    """What a player sees of a video: container, codecs, profile, pixels, rotation, index first."""
    from chatmedia.media.processing import transcode

    with io.BytesIO(data) as buffer, av.open(buffer) as container:
        video = container.streams.video[0]
        first = next(container.decode(video))
        audio = container.streams.audio[0].codec_context.name if container.streams.audio else ""
        found = {
            "container": container.format.name,
            "video": video.codec_context.name,
            "profile": video.codec_context.profile,
            "pixels": video.codec_context.format.name,
            "size": (first.width, first.height),
            "rotation": int(getattr(first, "rotation", 0) or 0),
            "audio": audio,
        }
    import tempfile

    with tempfile.NamedTemporaryFile(suffix=".mp4") as file:
        file.write(data)
        file.flush()
        found["faststart"] = transcode.moov_first(file.name)
    return found


def materialize(directory: Path) -> dict[str, Path]:
    paths = {}
    for name, make in CORPUS.items():
        path = directory / name
        path.write_bytes(make())
        paths[name] = path
    return paths
