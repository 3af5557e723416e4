"""processing.images.resize: the strip-parallel resize gives the one-piece result, for any shape."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from chatmedia.media.processing import images


def _photo_like(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """Gradients and fine detail (noise, sharp edges): what would show a seam between bands."""
    rng = np.random.default_rng(width * height)
    y, x = np.mgrid[0:height, 0:width]
    channels = [(x * 255 // width), (y * 255 // height), ((x // 7 + y // 5) % 2) * 255]
    pixels = np.stack(channels, axis=-1).astype(np.int32) + rng.integers(-20, 20, (height, width, 3))
    picture = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    return picture.convert(mode)


@pytest.mark.parametrize(
    ("source", "box", "mode"),
    [
        ((2000, 1500), 1600, "RGB"),
        ((1500, 2000), 1600, "RGB"),
        ((3000, 1000), 1600, "RGBA"),
        ((1601, 1599), 1000, "RGB"),
    ],
)
def test_strips_match_the_one_piece_resize(source, box, mode, monkeypatch):
    picture = _photo_like(*source, mode)
    size = images.fit(picture.size, box)
    monkeypatch.setattr(images.os, "cpu_count", lambda: 4)
    striped = images.resize(picture, box)
    assert striped.size == size and striped.mode == mode
    factors = (picture.width // size[0], picture.height // size[1])
    reduced = picture.reduce((max(1, factors[0]), max(1, factors[1]))) if max(factors) > 1 else picture
    whole = reduced.resize(size, Image.Resampling.BICUBIC)
    difference = np.abs(np.asarray(striped, np.int16) - np.asarray(whole, np.int16))
    # Pillow's boxed resize rounds a little differently (a fraction of a level on average; at most
    # a few levels on a 0/255 edge) ...
    assert difference.mean() < 1 and difference.max() <= 16
    # ... and no seam: the rows at each band's edge differ no more than the rest. (Bands resized
    # from cropped sources, whose filters stop at the crop, differ 100x more there than elsewhere.)
    strips = min(images.RESIZE_MAX_STRIPS, 4, size[1] // 64)
    edges = [round(size[1] * index / strips) for index in range(1, strips)]
    near = np.concatenate([difference[edge - 2 : edge + 2] for edge in edges])
    assert near.mean() <= difference.mean() * 1.3 + 0.05


def test_small_outputs_and_one_core_are_done_in_one_piece(monkeypatch):
    calls = []
    monkeypatch.setattr(images, "_resize_in_strips", lambda *args: calls.append(args))
    images.resize(_photo_like(1000, 750), 640)  # 307 200 px: under RESIZE_STRIP_MIN_PIXELS
    monkeypatch.setattr(images.os, "cpu_count", lambda: 1)
    images.resize(_photo_like(2000, 1500), 1600)
    assert calls == []
