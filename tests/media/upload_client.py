"""A client of the upload contract, as the web UI uses it: start → PUT bytes (or parts) → complete.

`api` is DRF's APIClient (in-process tests) or an httpx.Client with a base_url and a token (tests
against the running system); the bytes always go over real HTTP to the URLs handed out (s3rver,
or our own local upload endpoint), with exactly the headers given.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field

import httpx
from rest_framework.test import APIClient

MiB = 1024 * 1024


@dataclass
class Started:
    status: int
    body: dict
    parts: list[dict] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.body["id"]

    @property
    def upload(self) -> dict:
        return self.body["upload"]


class UploadClient:
    def __init__(self, api: APIClient | httpx.Client):
        self.api = api

    def post(self, path: str, payload: dict | None = None) -> tuple[int, dict]:
        if isinstance(self.api, APIClient):
            response = self.api.post(path, payload or {}, format="json")
        else:
            response = self.api.post(path, json=payload or {})
        body = response.json() if response.content else {}
        return response.status_code, body

    def get(self, path: str) -> tuple[int, dict]:
        response = self.api.get(path)
        return response.status_code, response.json()

    def start(self, conversation, data: bytes | None = None, *, size: int | None = None, **fields) -> Started:
        payload = {
            "conversation": str(conversation),
            "file_name": fields.pop("file_name", "arquivo.bin"),
            "mime_type": fields.pop("mime_type", "application/pdf"),
            "size": size if size is not None else len(data or b""),
            **fields,
        }
        status, body = self.post("/api/uploads/", payload)
        return Started(status, body)

    def put(self, started: Started, data: bytes | io.BufferedReader) -> list[dict]:
        """PUT the bytes as instructed; the parts (number, etag) for completion."""
        upload = started.upload
        if not upload.get("multipart"):
            response = httpx.put(upload["url"], content=data, headers=upload["headers"], timeout=60)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            return []
        parts = []
        for part in upload["parts"]:
            start = (part["number"] - 1) * upload["part_size"]
            chunk = data[start : start + upload["part_size"]]
            response = httpx.put(part["url"], content=chunk, timeout=60)
            assert response.status_code == 200, (response.status_code, response.text[:300])
            parts.append({"number": part["number"], "etag": response.headers["ETag"]})
        return parts

    def complete(self, attachment_id: str, parts: list[dict] | None = None) -> tuple[int, dict]:
        return self.post(f"/api/uploads/{attachment_id}/complete/", {"parts": parts or []})

    def send(self, conversation, data: bytes, **fields) -> tuple[Started, int, dict]:
        """The whole browser flow for one file; (started, completion status, completion body)."""
        started = self.start(conversation, data, **fields)
        assert started.status == 201, started.body
        parts = self.put(started, data)
        status, body = self.complete(started.id, parts)
        return started, status, body


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
