"""The per-process tier hears deletions made by other processes (media.serving.cache): a file a
worker removed or erased is never served from a web process's memory afterwards. Against a Redis
of its own (tools.services.RedisTestServer), on both stacks."""

from __future__ import annotations

import time

import pytest
import redis

from chatmedia.media.serving import cache, catalog
from tests.media import serving_client as client
from tests.media.serving_client import THUMB, photo, url
from tools.services import RedisTestServer

pytestmark = pytest.mark.usefixtures("fresh_serving")


def _until(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def own_redis(settings):
    with RedisTestServer() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
            }
        }
        yield server


def test_another_processes_deletion_reaches_this_local_tier_at_once(storage, a, own_redis):
    attachment = photo(a)
    key = catalog.cache_key(attachment.id, "thumb")
    assert client.get(url(a, attachment)).headers["x-cache"] == "MISS"
    assert _until(cache._hearing.is_set), "the listener subscribes on the first request"
    assert client.get(url(a, attachment)).content == THUMB
    assert cache.local_get(key) is not None
    # A worker (another process) deletes it: all that reaches this one is Redis and the channel.
    other = redis.Redis.from_url(own_redis.url)
    other.publish(cache.FORGET_CHANNEL, key)
    assert _until(lambda: cache.local.get(key) is None, 2.0)
    assert cache.local_get(key) is None


def test_forgetting_tells_the_other_processes(a, own_redis):
    listener = redis.Redis.from_url(own_redis.url).pubsub(ignore_subscribe_messages=True)
    listener.subscribe(cache.FORGET_CHANNEL)
    listener.get_message(timeout=1)  # reads the subscription's confirmation
    cache.forget_attachment(a.attachment.id)
    heard = None
    deadline = time.monotonic() + 3
    while heard is None and time.monotonic() < deadline:
        heard = listener.get_message(timeout=0.2)
    assert heard is not None
    assert set(heard["data"].decode().split("\n")) == {
        catalog.cache_key(a.attachment.id, variant) for variant in cache.signing.VARIANTS
    }


def test_while_deaf_the_local_tier_is_not_trusted(storage, a, own_redis):
    attachment = photo(a)
    key = catalog.cache_key(attachment.id, "thumb")
    client.get(url(a, attachment))
    assert _until(cache._hearing.is_set)
    client.get(url(a, attachment))
    assert cache.local.get(key) is not None
    own_redis.stop()  # deletions could happen now without this process hearing them
    assert _until(lambda: not cache._hearing.is_set(), 10.0)
    assert cache.local_get(key) is None
    response = client.get(url(a, attachment))  # served from storage, not from memory
    assert (response.status_code, response.content, response.headers["x-cache"]) == (200, THUMB, "MISS")
