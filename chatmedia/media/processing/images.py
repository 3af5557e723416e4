"""Pictures → `thumb` and `preview` WebP renditions, dimensions after EXIF rotation, a blurhash.

Only an allow-list of decoders is ever used (a file named .jpg that Pillow would read as, say, EPS
is not opened), the pixel count is checked from the header before anything is decoded, and JPEGs
are decoded at reduced scale (`draft`) when the renditions are smaller: that makes Pillow as fast as
libvips here (bench/processing.py). Renditions carry pixels only: no EXIF, GPS, camera or XMP.
Runs inside the processing process: no Django here.
"""

from __future__ import annotations

import io
import os
from concurrent.futures import ThreadPoolExecutor

import blurhash
import pillow_heif
from PIL import Image, ImageCms, ImageOps, ImageSequence

from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing.renditions import Analysis, RenditionFile, Unprocessable, fit, save_webp

pillow_heif.register_heif_opener()
# Import every Pillow plugin now, in the forkserver, not again in each processing child.
Image.init()
# Our own check (`_check_pixels`) runs before decoding and reports the size; Pillow's would only raise.
Image.MAX_IMAGE_PIXELS = None

# Pillow plugins we let open a file; HEIF comes from pillow-heif, AVIF is Pillow's own (libavif).
DECODERS = ("JPEG", "PNG", "GIF", "WEBP", "HEIF", "AVIF")
ORIENTATION_TAG = 0x0112
_SWAPS_AXES = {5, 6, 7, 8}
BLURHASH_SOURCE_PX = 32
# A resize whose output has at least this many pixels is done in horizontal strips, one thread
# each (Pillow's resampling releases the GIL): the 2000 → 1600 px preview of a 12 MP photo took
# 30 ms on one core, 16 on two — the longest step after the decode (bench/processing.py).
RESIZE_STRIP_MIN_PIXELS = 500_000
RESIZE_MAX_STRIPS = 4
_SRGB = ImageCms.createProfile("sRGB")


def analyze_image(path: str, policy: MediaPolicy, out_dir: str, *, sticker: bool = False) -> Analysis:
    try:
        image = Image.open(path, formats=DECODERS)
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unprocessable("the picture cannot be read (damaged or an unsupported variant)") from exc
    with image:
        metadata = _dimensions(image)
        _check_pixels(image, policy, metadata)
        frames = _count_frames(image, policy.image_max_frames)
        if frames > 1:
            metadata["animated"] = True
            if frames <= policy.image_max_frames:
                metadata["frames"] = frames
                return _animated(image, policy, out_dir, metadata)
        elif sticker or getattr(image, "is_animated", False):
            metadata["animated"] = False
        try:
            box = policy.animated_thumb_max_px if sticker else policy.preview_max_px
            picture = decode_picture(image, box)
        except (OSError, SyntaxError, ValueError) as exc:
            raise Unprocessable(_decode_failure(exc), metadata) from exc
    return still_renditions(picture, policy, out_dir, metadata, sticker=sticker)


def still_renditions(
    picture: Image.Image, policy: MediaPolicy, out_dir: str, metadata: dict, *, sticker: bool = False
) -> Analysis:
    """`preview` (lightbox) and `thumb` (bubble) of a decoded, upright, display-mode picture."""
    analysis = Analysis(metadata=metadata)
    sizes = [("thumb", policy.animated_thumb_max_px if sticker else policy.thumb_max_px)]
    if not sticker:
        sizes.insert(0, ("preview", policy.preview_max_px))
    # Encoding (libwebp) and resizing release the GIL: the preview is encoded while the thumb is
    # resized and encoded, as libvips would pipeline them.
    with ThreadPoolExecutor(max_workers=len(sizes)) as encoders:
        pending = []
        for variant, box in sizes:
            picture = resize(picture, box)
            path = os.path.join(out_dir, f"{variant}.webp")
            pending.append(encoders.submit(save_webp, picture, path, variant, policy.webp_quality))
        metadata["blurhash"] = blurhash_of(picture)
        for done in pending:
            rendition = done.result()
            analysis.renditions[rendition.variant] = rendition
    return analysis


def _dimensions(image: Image.Image) -> dict:
    width, height = image.size
    try:
        orientation = image.getexif().get(ORIENTATION_TAG, 1)
    except Exception:  # a damaged EXIF block: the picture itself may still be fine
        orientation = 1
    if orientation in _SWAPS_AXES:
        width, height = height, width
    return {"width": width, "height": height}


def _check_pixels(image: Image.Image, policy: MediaPolicy, metadata: dict) -> None:
    pixels = image.size[0] * image.size[1]
    if pixels > policy.image_max_pixels:
        raise Unprocessable(
            f"the picture has {pixels} pixels; previews are made up to {policy.image_max_pixels}",
            metadata,
            code="too_many_pixels",
        )


def _count_frames(image: Image.Image, cap: int) -> int:
    """Frames of an animation, counting at most cap + 1 (a GIF's count needs a walk through them)."""
    if not getattr(image, "is_animated", False):
        return 1
    count = 0
    try:
        for _ in ImageSequence.Iterator(image):
            count += 1
            if count > cap:
                break
    except (OSError, SyntaxError, ValueError):
        pass  # a damaged later frame: animate what decodes
    image.seek(0)
    return max(count, 1)


def _decode_failure(exc: Exception) -> str:
    if "truncated" in str(exc):
        return "the picture is incomplete (the file is truncated)"
    return "the picture is damaged and cannot be decoded"


def decode_picture(image: Image.Image, box: int) -> Image.Image:
    """Decode (at reduced scale when the target is smaller), turn upright, convert to RGB(A)/sRGB."""
    image.seek(0)
    if image.format == "JPEG":
        image.draft(None, fit(image.size, box))
    image.load()
    ImageOps.exif_transpose(image, in_place=True)  # not a copy of every pixel when already upright
    return display_mode(image)


def display_mode(picture: Image.Image) -> Image.Image:
    """8-bit RGB or RGBA in sRGB, whatever came in (palette, 16-bit, CMYK, grey + alpha, ICC)."""
    icc = picture.info.get("icc_profile")
    mode = picture.mode
    if mode in ("I", "I;16", "I;16L", "I;16B", "I;16N", "F"):
        picture = picture.convert("I") if mode != "F" else picture
        picture = picture.point(lambda value: value * (1 / 256)).convert("L")
    elif mode in ("P", "PA", "LA", "La", "RGBa"):
        picture = picture.convert("RGBA" if picture.has_transparency_data else "RGB")
    elif mode in ("1", "L", "YCbCr", "LAB", "HSV", "RGBX"):
        picture = picture.convert("RGB")
    if icc and picture.mode in ("RGB", "RGBA", "CMYK"):
        picture = _to_srgb(picture, icc)
    if picture.mode == "CMYK":
        picture = picture.convert("RGB")
    if picture.mode == "RGBA" and picture.getextrema()[3][0] == 255:
        picture = picture.convert("RGB")  # an alpha channel that hides nothing
    if picture.mode not in ("RGB", "RGBA"):
        picture = picture.convert("RGB")
    return picture


def _to_srgb(picture: Image.Image, icc: bytes) -> Image.Image:
    output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        return ImageCms.profileToProfile(picture, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture  # a broken profile: show the pixels as they are


def resize(picture: Image.Image, box: int) -> Image.Image:
    size = fit(picture.size, box)
    if size == picture.size:
        return picture
    # Box-average down by whole factors first, then bicubic for the rest (at most 2x, after
    # `draft`): 0.4x the time of Lanczos alone on a 12 MP photo, no difference visible at chat
    # sizes. (What Pillow's reducing_gap=1 does, with the reduction done once for the whole picture.)
    factors = (picture.width // size[0], picture.height // size[1])
    if factors[0] > 1 or factors[1] > 1:
        picture = picture.reduce((max(1, factors[0]), max(1, factors[1])))
    strips = min(RESIZE_MAX_STRIPS, os.cpu_count() or 1, size[1] // 64)
    if size[0] * size[1] < RESIZE_STRIP_MIN_PIXELS or strips < 2:
        return picture.resize(size, Image.Resampling.BICUBIC)
    return _resize_in_strips(picture, size, strips)


def _resize_in_strips(picture: Image.Image, size: tuple[int, int], strips: int) -> Image.Image:
    """The same bicubic resize, a band of output rows per thread. Each band samples the source rows
    around it too, so no seam shows (at most ±2 levels from the one-piece result: rounding)."""
    scale = picture.height / size[1]
    rows = [round(size[1] * index / strips) for index in range(strips + 1)]

    def band(index: int) -> Image.Image:
        top, bottom = rows[index], rows[index + 1]
        source = (0, top * scale, picture.width, bottom * scale)
        return picture.resize((size[0], bottom - top), Image.Resampling.BICUBIC, box=source)

    with ThreadPoolExecutor(max_workers=strips) as threads:
        bands = list(threads.map(band, range(strips)))
    out = Image.new(picture.mode, size)
    for index, part in enumerate(bands):
        out.paste(part, (0, rows[index]))
    return out


def blurhash_of(picture: Image.Image) -> str:
    small = resize(picture, BLURHASH_SOURCE_PX)
    if small.mode == "RGBA":
        background = Image.new("RGB", small.size, (255, 255, 255))
        background.paste(small, mask=small.getchannel("A"))
        small = background
    elif small is picture:
        small = small.copy()  # blurhash.encode closes the image it is given
    x_components = 4 if small.width >= small.height else 3
    return blurhash.encode(small, x_components, 7 - x_components)


def _animated(image: Image.Image, policy: MediaPolicy, out_dir: str, metadata: dict) -> Analysis:
    """An animated `thumb` (stickers and GIFs move in the chat); the lightbox plays the original."""
    frames, durations = [], []
    box = policy.animated_thumb_max_px
    try:
        for frame in ImageSequence.Iterator(image):
            picture = frame.convert("RGBA")
            picture.thumbnail(fit(picture.size, box), Image.Resampling.LANCZOS)
            frames.append(picture)
            durations.append(int(frame.info.get("duration") or 100))
            if len(frames) >= policy.image_max_frames:
                break
    except (OSError, SyntaxError, ValueError) as exc:
        if not frames:
            raise Unprocessable(_decode_failure(exc), metadata) from exc
    metadata["frames"] = len(frames)
    path = os.path.join(out_dir, "thumb.webp")
    first = frames[0]
    thumb: RenditionFile = save_webp(
        first,
        path,
        "thumb",
        policy.webp_quality,
        save_all=True,
        append_images=frames[1:],
        duration=durations,
        loop=0,
    )
    metadata["blurhash"] = blurhash_of(first)
    return Analysis(metadata=metadata, renditions={"thumb": thumb})


# Pictures Evolution (sharp) re-encodes to JPEG itself; anything else (HEIC from iPhones) we convert.
# What a picture sent to WhatsApp may be as it is (Meta's Cloud API takes only these two; WebP,
# HEIC and a still GIF become JPEG; an animated GIF becomes a video, see `is_animated_gif`).
WHATSAPP_IMAGE_FORMATS = ("JPEG", "PNG")


def is_animated_gif(path: str) -> bool:
    """A GIF of more than one frame (read from its header and frame table, not decoded)."""
    try:
        with Image.open(path, formats=("GIF",)) as image:
            return getattr(image, "n_frames", 1) > 1
    except (OSError, SyntaxError, ValueError):
        return False


def fit_for_whatsapp(
    path: str, out_path: str, *, size: int, max_px: int, max_bytes: int, quality: int, max_pixels: int
) -> RenditionFile | None:
    """A JPEG that fits WhatsApp's limits (long edge `max_px`, `max_bytes`) of a picture that does not
    (or is not in WHATSAPP_IMAGE_FORMATS), or None when the picture can go as it is. Upright, sRGB,
    no metadata (no GPS leaves with it); transparency goes onto white. Quality steps down until the
    bytes fit."""
    try:
        image = Image.open(path, formats=DECODERS)
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unprocessable("the picture cannot be read (damaged or an unsupported variant)") from exc
    with image:
        if image.size[0] * image.size[1] > max_pixels:
            raise Unprocessable(f"the picture has more than {max_pixels} pixels")
        if image.format in WHATSAPP_IMAGE_FORMATS and size <= max_bytes and max(image.size) <= max_px:
            return None
        try:
            picture = decode_picture(image, max_px)
        except (OSError, SyntaxError, ValueError) as exc:
            raise Unprocessable(_decode_failure(exc)) from exc
    picture = resize(picture, max_px)
    if picture.mode == "RGBA":
        background = Image.new("RGB", picture.size, (255, 255, 255))
        background.paste(picture, mask=picture.getchannel("A"))
        picture = background
    for step in range(6):
        picture.save(out_path, "JPEG", quality=max(40, quality - 10 * step), optimize=True, progressive=True)
        if os.path.getsize(out_path) <= max_bytes:
            break
        if step >= 2:  # quality alone is not enough: make it smaller too
            picture = resize(picture, int(max(picture.size) * 0.75))
    return RenditionFile(
        "original", out_path, "image/jpeg", picture.width, picture.height, os.path.getsize(out_path)
    )
