"""What analysing one file produces, shared by images, audio, video and documents.

Runs inside the processing process (see `processing`): no Django here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from PIL import Image


class Unprocessable(Exception):
    """The file is what it claims and safe to download, but no preview can be made from it.
    `code` says why, for the web chat's text (`metadata["preview_error_code"]`): `too_many_pixels`,
    `too_long`, `protected`, or `unreadable` (damaged, or a variant no decoder reads)."""

    def __init__(self, reason: str, metadata: dict | None = None, code: str = "unreadable") -> None:
        super().__init__(reason)
        self.reason = reason
        self.metadata = metadata or {}
        self.code = code


class Unsafe(Exception):
    """The file must not be accepted at all (e.g. an image that carries HTML or script)."""


@dataclass(frozen=True)
class RenditionFile:
    variant: str
    path: str
    mime_type: str
    width: int | None
    height: int | None
    bytes: int

    def describe(self) -> dict:
        return {"mime_type": self.mime_type, "width": self.width, "height": self.height, "bytes": self.bytes}


@dataclass
class Analysis:
    metadata: dict = field(default_factory=dict)
    renditions: dict[str, RenditionFile] = field(default_factory=dict)
    # A more exact type than libmagic's (an MP4 or WebM holding only audio is audio/mp4, audio/webm).
    mime_type: str | None = None
    # A document's own text (capped by the policy), for search; never shown or sent anywhere.
    text: str = ""


def fit(size: tuple[int, int], box: int) -> tuple[int, int]:
    """`size` scaled down (never up) to fit a box x box square, keeping the aspect ratio."""
    width, height = size
    scale = min(1.0, box / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


# libwebp's effort (0-6): its default 4 takes 2.4x the time of 2 on a 1600 px photo for files a few
# per cent smaller; renditions are made on the hot path of every incoming photo.
WEBP_METHOD = 2


def save_webp(picture: Image.Image, path: str, variant: str, quality: int, **options) -> RenditionFile:
    # Only pixels are written: no EXIF, XMP or ICC profile (colours are converted to sRGB before).
    picture.save(path, "WEBP", quality=quality, method=WEBP_METHOD, **options)
    return RenditionFile(variant, path, "image/webp", picture.width, picture.height, os.path.getsize(path))
