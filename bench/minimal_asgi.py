"""The P1/P2 baseline of bench/serving.py: the least an ASGI app can do to serve a cached body —
one raw async Redis GET and the bytes back, no authorization, no headers beyond Content-Length.

Run by the bench as: uvicorn bench.minimal_asgi:app (BENCH_REDIS_URL, BENCH_REDIS_KEY).

`constant` is the ceiling of any ASGI app under the same server: the same bytes (read from Redis
once, at start) sent back with no work at all.
"""

from __future__ import annotations

import os

import redis.asyncio as redis

_client = redis.Redis.from_url(os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
_key = os.environ.get("BENCH_REDIS_KEY", "bench:thumb")


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    body = await _client.get(_key) or b""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"image/webp"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


_constant: list[bytes] = []


async def constant(scope, receive, send):
    if scope["type"] != "http":
        return
    if not _constant:
        _constant.append(await _client.get(_key) or b"")
    body = _constant[0]
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"image/webp"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
