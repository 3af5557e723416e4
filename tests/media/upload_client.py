"""Files for upload tests (real PDFs, JPEGs, browser-style recordings) and the upload client."""

from __future__ import annotations

import io
import os

from tools.upload_client import Started, UploadClient  # noqa: F401 - the tests' one import

MiB = 1024 * 1024


def pdf_bytes(size: int) -> bytes:
    """A valid one-page PDF of at least `size` bytes: a noise photo (which does not compress) in it."""
    from PIL import Image

    pixels = max(64 * 64, size // 3)
    while True:
        side = int(pixels**0.5)
        picture = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        picture.save(out, "PDF", quality=95, resolution=300)
        if out.tell() >= size:
            return out.getvalue()
        pixels = int(pixels * size / out.tell() * 1.02)


def jpeg_bytes(width: int = 1600, height: int = 1200, *, noise: bool = True, quality: int = 90) -> bytes:
    """A real JPEG; `noise` makes it big (photos do not compress like flat colour)."""
    from PIL import Image

    if noise:
        picture = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        picture = Image.new("RGB", (width, height), (200, 80, 40))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=quality)
    return out.getvalue()


def recording(container: str = "webm", seconds: float = 2.0, codec: str | None = None) -> bytes:
    """A browser-style recording: WebM/Opus (Chrome, Firefox), MP4/AAC (Safari), OGG/Opus, WAV."""
    import av
    import numpy as np

    codec = codec or {"webm": "libopus", "ogg": "libopus", "mp4": "aac", "wav": "pcm_s16le"}[container]
    rate = 48000
    out = io.BytesIO()
    with av.open(out, "w", format=container) as output:
        stream = output.add_stream(codec, rate=rate, layout="stereo")
        t = np.arange(int(seconds * rate)) / rate
        tone = (0.3 * np.sin(2 * np.pi * 330 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 2 * t))).astype(
            np.float32
        )
        frame = av.AudioFrame.from_ndarray(np.vstack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate = rate
        size = 960 if codec == "libopus" else 1024
        resampler = av.AudioResampler(
            format=stream.codec_context.format, layout="stereo", rate=rate, frame_size=size
        )
        for ready in [*resampler.resample(frame), *resampler.resample(None)]:
            output.mux(stream.encode(ready))
        output.mux(stream.encode(None))
    return out.getvalue()
