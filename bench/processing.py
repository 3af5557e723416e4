"""Benchmark of media processing: our renditions vs plain Pillow vs libvips, and peak memory.

Prints, all measured in this run on this machine:
- the time to make the renditions of one 12 MP JPEG (4000 x 3000) three ways — our pipeline
  (`images.analyze_image`: draft decode, EXIF rotation, sRGB, preview 1600 px + thumb 640 px WebP,
  blurhash), plain Pillow without `draft()` (full decode, same outputs), and pyvips
  (`thumbnail` shrink-on-load, same sizes and WebP settings) — for the thumb alone and for
  thumb + preview, with the ratios against pyvips (goal: ours <= 1.0x);
- the same through `processing.inspect`, i.e. with the isolated process a worker uses;
- the peak memory (RSS high-water mark) of processing a 50 MB video and a 25 MB PDF, each in a
  fresh process.

Usage: make bench-processing   (installs pyvips into the venv: the `bench` extra)
       .venv/bin/python bench/processing.py [--repeat 9]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")

import numpy as np  # noqa: E402
from PIL import Image, ImageOps  # noqa: E402

from chatmedia.media.policy import MediaPolicy  # noqa: E402
from chatmedia.media.processing.images import analyze_image, decode_picture, resize  # noqa: E402
from chatmedia.media.processing.renditions import WEBP_METHOD, save_webp  # noqa: E402

POLICY = MediaPolicy(max_bytes={}, allowed_types={})


def make_photo(path: Path, size=(4000, 3000)) -> None:
    """A photo-like 12 MP JPEG: smooth gradients plus sensor-like noise (about 4 MB at q90)."""
    width, height = size
    rng = np.random.default_rng(12)
    x = np.linspace(0, 1, width, dtype=np.float32)
    y = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    base = np.stack([200 * x + 30 * y, 120 + 100 * y * x, 220 - 150 * y + 0 * x], axis=2)
    noisy = base + rng.normal(0, 12, (height, width, 3)).astype(np.float32)
    Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8)).save(path, "JPEG", quality=90)


def timed(function, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1000


# --- the three ways -----------------------------------------------------------------------------------


def ours_thumb(path: Path, out: Path) -> None:
    with Image.open(path) as image:
        picture = decode_picture(image, POLICY.thumb_max_px)
    save_webp(resize(picture, POLICY.thumb_max_px), str(out / "thumb.webp"), "thumb", POLICY.webp_quality)


def ours_renditions(path: Path, out: Path) -> None:
    analyze_image(str(path), POLICY, str(out))


def pillow_thumb(path: Path, out: Path, box: int | None = None) -> Image.Image:
    with Image.open(path) as image:
        image.load()  # no draft(): the whole 12 MP are decoded
        picture = ImageOps.exif_transpose(image).convert("RGB")
    picture = resize(picture, box or POLICY.thumb_max_px)
    picture.save(out / "plain.webp", "WEBP", quality=POLICY.webp_quality, method=WEBP_METHOD)
    return picture


def pillow_renditions(path: Path, out: Path) -> None:
    preview = pillow_thumb(path, out, POLICY.preview_max_px)
    resize(preview, POLICY.thumb_max_px).save(
        out / "plain-thumb.webp", "WEBP", quality=POLICY.webp_quality, method=WEBP_METHOD
    )


def vips_thumb(path: Path, out: Path, box: int | None = None):
    import pyvips

    picture = pyvips.Image.thumbnail(str(path), box or POLICY.thumb_max_px)
    picture.webpsave(str(out / "vips.webp"), Q=POLICY.webp_quality, effort=WEBP_METHOD, strip=True)
    return picture


def vips_renditions(path: Path, out: Path) -> None:
    import pyvips

    vips_thumb(path, out, POLICY.preview_max_px)
    preview = pyvips.Image.new_from_file(str(out / "vips.webp"))
    pyvips.Image.thumbnail_image(preview, POLICY.thumb_max_px).webpsave(
        str(out / "vips-thumb.webp"), Q=POLICY.webp_quality, effort=WEBP_METHOD, strip=True
    )


# --- memory -------------------------------------------------------------------------------------------


def make_video(path: Path, megabytes: int = 50) -> None:
    import av

    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as output:
        stream = output.add_stream("mpeg4", rate=25, options={"qscale": "1"})
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        written, index = 0, 0
        while written < megabytes * 1024 * 1024:
            pixels = rng.integers(0, 255, (720, 1280, 3), dtype=np.uint8)
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts = index
            for packet in stream.encode(frame):
                written += packet.size
                output.mux(packet)
            index += 1
        output.mux(stream.encode(None))


def make_pdf(path: Path, megabytes: int = 25) -> None:
    """Pages of noise (incompressible) until the PDF is at least `megabytes` big."""
    rng = np.random.default_rng(9)
    pages = [Image.fromarray(rng.integers(0, 255, (2400, 1800, 3), dtype=np.uint8)) for _ in range(4)]
    while True:
        first, *rest = pages
        first.save(path, "PDF", save_all=True, append_images=rest, resolution=72, quality=95)
        if path.stat().st_size >= megabytes * 1024 * 1024:
            return
        pages += pages[: max(1, len(pages) // 2)]


def memory_probe(kind: str, path: str) -> None:
    """In a fresh process: the peak RSS growth of analysing one file (what the isolated child does)."""
    import django

    django.setup()
    from chatmedia.media.processing.inspection import analyze, screen
    from tests.memory import PeakRSS

    policy = MediaPolicy.from_settings()
    screening = screen(path, policy)
    with tempfile.TemporaryDirectory() as out, PeakRSS() as peak:
        inspection = analyze(path, screening, policy, out)
    print(
        json.dumps(
            {
                "kind": kind,
                "size_mib": round(os.path.getsize(path) / 2**20, 1),
                "ok": inspection.ok,
                "renditions": sorted(inspection.renditions),
                "metadata": {k: inspection.metadata.get(k) for k in ("duration", "pages", "width")},
                "peak_growth_mib": round(peak.growth_mib, 1),
            }
        )
    )


def run_memory_probe(kind: str, path: Path) -> dict:
    probe = subprocess.run(
        [sys.executable, __file__, "--memory-probe", kind, str(path)],
        capture_output=True, text=True, check=True, cwd=ROOT, timeout=600,
    )  # fmt: skip
    return json.loads(probe.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--memory-probe", nargs=2, metavar=("KIND", "PATH"))
    args = parser.parse_args()
    if args.memory_probe:
        memory_probe(*args.memory_probe)
        return
    import django

    django.setup()
    from chatmedia.media.processing.inspection import inspect

    with tempfile.TemporaryDirectory(prefix="bench-processing-") as scratch:
        scratch = Path(scratch)
        photo = scratch / "photo-12mp.jpg"
        make_photo(photo)
        print(f"12 MP JPEG: {photo.stat().st_size / 2**20:.1f} MiB, median of {args.repeat} runs")
        out = scratch / "out"
        out.mkdir()
        for function in (ours_thumb, pillow_thumb, vips_thumb):  # warm up decoders and caches
            function(photo, out)
        rows = {
            "thumb only": {
                "ours": timed(lambda: ours_thumb(photo, out), args.repeat),
                "plain Pillow": timed(lambda: pillow_thumb(photo, out), args.repeat),
                "pyvips": timed(lambda: vips_thumb(photo, out), args.repeat),
            },
            "thumb + preview": {
                "ours": timed(lambda: ours_renditions(photo, out), args.repeat),
                "plain Pillow": timed(lambda: pillow_renditions(photo, out), args.repeat),
                "pyvips": timed(lambda: vips_renditions(photo, out), args.repeat),
            },
        }
        policy = MediaPolicy.from_settings()
        inspect(str(photo), policy, str(out), category="image")  # starts the forkserver
        isolated = timed(lambda: inspect(str(photo), policy, str(out), category="image"), args.repeat)
        print(f"{'':18s} {'ours':>9s} {'Pillow':>9s} {'pyvips':>9s}   ours/pyvips  Pillow/pyvips")
        for label, row in rows.items():
            vips = row["pyvips"]
            print(
                f"{label:18s} {row['ours']:7.1f}ms {row['plain Pillow']:7.1f}ms {vips:7.1f}ms"
                f"   {row['ours'] / vips:9.2f}x  {row['plain Pillow'] / vips:11.2f}x"
            )
        print(
            f"whole inspect() as a worker runs it (screen + isolated process + renditions): {isolated:.1f} ms"
            f" = {isolated / rows['thumb + preview']['pyvips']:.2f}x pyvips' thumb + preview"
        )
        video, pdf = scratch / "video-50mb.mp4", scratch / "document-25mb.pdf"
        make_video(video)
        make_pdf(pdf)
        for kind, path in (("video", video), ("pdf", pdf)):
            print(f"peak memory, {kind}: {run_memory_probe(kind, path)}")


if __name__ == "__main__":
    main()
