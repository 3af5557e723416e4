"""The Redis channel layer keeps an idle WebSocket alive: its connections read for longer than
channels_redis's blocking pop waits (redis-py 8 reads 5 s by default, the same as the pop, and an idle
consumer died with "Timeout reading from …" — seen in CI). Against the machine's real Redis."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels_redis.core import RedisChannelLayer
from django.conf import settings

from chatmedia.settings import channel_layer_hosts


def test_the_socket_outlasts_the_blocking_pop():
    assert RedisChannelLayer.brpop_timeout + 1 < settings.CHANNEL_LAYER_SOCKET_TIMEOUT_SECONDS


def test_an_idle_receive_waits_past_the_blocking_pop_without_an_error():
    url = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    layer = RedisChannelLayer(hosts=channel_layer_hosts(url), prefix=f"test-{uuid.uuid4().hex[:8]}")

    async def idle() -> None:
        channel = await layer.new_channel()
        try:
            await asyncio.wait_for(layer.receive(channel), timeout=layer.brpop_timeout + 2)
        finally:
            await layer.flush()

    with pytest.raises(asyncio.TimeoutError):  # our own wait ran out; Redis never failed the read
        async_to_sync(idle)()
