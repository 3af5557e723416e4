"""ASGI guard: refuse oversized request bodies before Django spools them.

Django's ASGI handler reads a whole body (to a temp file) before any view runs, so a view's own
limit comes too late to save the disk. This wrapper answers 413 at once when Content-Length says
too much, and cuts a chunked body off when it grows past the limit. Limits are per path prefix;
other paths keep Django's own limits. `read_body` is the views' side: a body read from the stream
with its own limit, not Django's 2.5 MB `request.body` (a 400 Evolution never retries).
"""

from __future__ import annotations

import json

from django.conf import settings


def read_body(request, limit: int) -> bytes | None:
    """The body, or None when it is larger than `limit` (read from the stream, not request.body)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    while chunk := request.read(settings.MEDIA_STREAM_CHUNK_BYTES):
        if len(body) + len(chunk) > limit:
            return None
        body += chunk
    return bytes(body)


def _limit_for(path: str) -> int | None:
    if path.startswith("/webhooks/cloud/"):  # media comes by id: Meta's bodies are small
        return settings.CLOUD_WEBHOOK_MAX_BODY_BYTES
    if path.startswith("/webhooks/"):
        return settings.WEBHOOK_MAX_BODY_BYTES
    if path.startswith("/api/quick-replies/"):  # a quick reply's file, uploaded through us
        return settings.QUICK_REPLY_FILE_MAX_BYTES + 64 * 1024
    if path.startswith("/uploads/local/"):  # one PUT of a whole small file, or one part of a big one
        return max(settings.UPLOAD_MULTIPART_THRESHOLD_BYTES, settings.UPLOAD_PART_BYTES)
    return None


async def _too_large(send, limit: int) -> None:
    body = json.dumps({"error": {"code": "too_large", "message": f"The body is larger than {limit} bytes."}})
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body.encode()})


class BodyLimitMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        limit = _limit_for(scope.get("path", "")) if scope["type"] == "http" else None
        if limit is None:
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            return await _too_large(send, limit)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:  # chunked and too long: stop reading; Django aborts the request
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, limited_receive, send)
