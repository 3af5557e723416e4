"""The media cache: small bodies and the metadata of served objects, in two tiers.

1. A per-process LRU (MEDIA_LOCAL_CACHE_BYTES, each entry for MEDIA_LOCAL_CACHE_SECONDS): the hot
   path of a signed URL answers from it with no I/O at all.
2. Django's cache (Redis in production), shared by every process, with a TTL per category
   (MEDIA_CACHE_SECONDS) — bodies up to MEDIA_CACHE_MAX_BYTES, metadata of anything larger.

Keys name (attachment, variant), which never changes the bytes it points to once set (content
addressing), so nothing needs invalidating but avatars (keyed by conversation: deleted when the
picture changes, and never kept in the local tier) and deleted attachments (`forget_attachment`).

A deletion must reach every process's local tier at once (a file removed on request, or erased,
must not be served for another MEDIA_LOCAL_CACHE_SECONDS by a web process the worker never
talked to): `forget_*` publishes the keys on the Redis channel FORGET_CHANNEL, and each serving
process hears it in a listener thread. With a shared Redis the local tier answers only while that
listener is subscribed (`local_get`); it starts with an empty tier after every (re)subscription.

Redis down is a miss, never an error: it is logged and counted (`media.cache.unavailable`), and
Redis is left alone for MEDIA_CACHE_RETRY_SECONDS so requests do not each wait for its timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import threading
import time
import weakref
from collections import OrderedDict

import redis.asyncio
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.signals import setting_changed

from chatmedia.media.serving import signing
from chatmedia.media.serving.catalog import Entry, cache_key
from chatmedia.ops import counters, metrics

logger = logging.getLogger(__name__)

UNAVAILABLE = "media.cache.unavailable"
_ENTRY_OVERHEAD = 300  # bytes of bookkeeping per local entry, so metadata-only entries count too


class LocalTier:
    """A byte-bounded LRU with a TTL; thread-safe (the serving pool and the event loop share it)."""

    def __init__(self, max_bytes: int, ttl: float) -> None:
        self.max_bytes, self.ttl = max_bytes, ttl
        self._items: OrderedDict[str, tuple[float, Entry, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Entry | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                self._drop(key)
                return None
            self._items.move_to_end(key)
            return item[1]

    def put(self, key: str, entry: Entry) -> None:
        cost = _ENTRY_OVERHEAD + (len(entry.body) if entry.body is not None else 0)
        if cost > self.max_bytes // 8:  # one entry never takes over the tier
            return
        with self._lock:
            self._drop(key)
            self._items[key] = (time.monotonic() + self.ttl, entry, cost)
            self._bytes += cost
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._items)))
            metrics.LOCAL_CACHE_BYTES.set(self._bytes)

    def discard(self, key: str) -> None:
        with self._lock:
            self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0
            metrics.LOCAL_CACHE_BYTES.set(0)

    def _drop(self, key: str) -> None:
        item = self._items.pop(key, None)
        if item is not None:
            self._bytes -= item[2]


local = LocalTier(settings.MEDIA_LOCAL_CACHE_BYTES, settings.MEDIA_LOCAL_CACHE_SECONDS)
_shared_down_until = 0.0

# --- deletions heard from other processes -------------------------------------------------------------
FORGET_CHANNEL = "chatmedia:media:forget"
_listener_lock = threading.Lock()
# The running listener thread: "url", "pid", "stop" and "hearing" (Events: told to stop; subscribed now).
_listener: dict = {}
_hearing = threading.Event()  # the current listener's "hearing" (a fresh one per listener)


def _redis_url() -> str | None:
    backend = caches["default"]
    return backend._servers[0] if isinstance(backend, RedisCache) else None


_shared_url = _redis_url()


def local_get(key: str) -> Entry | None:
    """The local tier's entry — with a shared Redis, only while this process hears deletions."""
    if _shared_url is not None and not _hearing.is_set():
        _start_listener(_shared_url)
        return None
    return local.get(key)


def _start_listener(url: str) -> None:
    global _hearing
    with _listener_lock:
        if _listener.get("url") == url and _listener.get("pid") == os.getpid():
            return
        _stop_listener()
        stop, _hearing = threading.Event(), threading.Event()
        _listener.update(url=url, pid=os.getpid(), stop=stop)
    threading.Thread(
        target=_listen, args=(url, stop, _hearing), name="media-cache-forget", daemon=True
    ).start()


def _stop_listener() -> None:
    if "stop" in _listener:
        _listener["stop"].set()
    _listener.clear()
    _hearing.clear()


def _listen(url: str, stop: threading.Event, hearing: threading.Event) -> None:
    import redis

    while not stop.is_set():
        pubsub = None
        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=settings.CACHE_SOCKET_TIMEOUT_SECONDS, health_check_interval=15
            )
            pubsub = client.pubsub(ignore_subscribe_messages=False)
            pubsub.subscribe(FORGET_CHANNEL)
            confirmed = pubsub.get_message(timeout=settings.CACHE_SOCKET_TIMEOUT_SECONDS + 1)
            if not confirmed or confirmed.get("type") != "subscribe":
                raise ConnectionError("no confirmation of the subscription")
            local.clear()  # whatever was deleted while nobody listened
            hearing.set()
            while not stop.is_set():
                message = pubsub.get_message(timeout=1.0)
                if message and message.get("type") == "message":
                    for key in message["data"].decode().split("\n"):
                        local.discard(key)
        except Exception:
            if not stop.is_set():
                logger.warning(
                    "media cache: not hearing deletions; the local tier is off until it does", exc_info=True
                )
        finally:
            hearing.clear()
            if pubsub is not None:
                with contextlib.suppress(Exception):
                    pubsub.close()
        stop.wait(settings.MEDIA_CACHE_RETRY_SECONDS)


def _announce(keys: list[str]) -> None:
    """Tell every serving process's listener (no-op without a shared Redis)."""
    backend = caches["default"]
    if isinstance(backend, RedisCache):
        backend._cache.get_client(write=True).publish(FORGET_CHANNEL, "\n".join(keys))


def _shared_failed(action: str) -> None:
    global _shared_down_until
    _shared_down_until = time.monotonic() + settings.MEDIA_CACHE_RETRY_SECONDS
    counters.increment(UNAVAILABLE)
    logger.warning(
        "media cache unavailable on %s; serving from storage, next try in %ss",
        action,
        settings.MEDIA_CACHE_RETRY_SECONDS,
        exc_info=True,
    )


def _shared_is_down() -> bool:
    return time.monotonic() < _shared_down_until


def get_shared(key: str) -> Entry | None:
    """Blocking: call it off the event loop (or use `aget_shared`)."""
    if _shared_is_down():
        return None
    try:
        value = cache.get(key)
    except Exception:
        _shared_failed("get")
        return None
    return _remember(key, value)


async def aget_shared(key: str) -> Entry | None:
    """The same read from the event loop. With Redis: one async GET of the entry Django's cache
    wrote (a thread hop and a sync client per request cost 4x the throughput, bench/README.md).
    With the in-process cache: a dictionary lookup, done in place."""
    if _shared_is_down():
        return None
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return get_shared(key)  # locmem: no I/O
    try:
        raw = await _async_redis(backend).get(backend.make_and_validate_key(key))
    except Exception:
        _shared_failed("get")
        return None
    if raw is None:
        return None
    try:
        # Django's RedisSerializer: integers as digits, everything else pickled (our own Redis only).
        value = pickle.loads(raw)  # noqa: S301
    except Exception:
        logger.warning("unreadable media cache entry %s; treated as a miss", key)
        return None
    return _remember(key, value)


_async_clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _async_redis(backend: RedisCache):
    """One asyncio Redis client per event loop (they cannot be shared between loops)."""
    loop = asyncio.get_running_loop()
    client = _async_clients.get(loop)
    if client is None:
        servers = backend._servers  # LOCATION as a list; the first is the primary
        client = redis.asyncio.Redis.from_url(
            servers[0],
            socket_timeout=settings.CACHE_SOCKET_TIMEOUT_SECONDS,
            socket_connect_timeout=settings.CACHE_SOCKET_TIMEOUT_SECONDS,
        )
        _async_clients[loop] = client
    return client


def _remember(key: str, value) -> Entry | None:
    entry = Entry.from_tuple(value) if value is not None else None
    if entry is not None and settings.MEDIA_LOCAL_CACHE_BYTES and not key.startswith("avatar:"):
        local.put(key, entry)
    return entry


def put(key: str, entry: Entry) -> None:
    """Blocking. Bodies over MEDIA_CACHE_MAX_BYTES are never given here (only their metadata)."""
    if settings.MEDIA_LOCAL_CACHE_BYTES and not key.startswith("avatar:"):
        local.put(key, entry)
    if _shared_is_down():
        return
    try:
        cache.set(key, entry.as_tuple(), entry.max_age)
    except Exception:
        _shared_failed("set")


def _delete(keys: list[str]) -> None:
    for key in keys:
        local.discard(key)
    try:
        cache.delete_many(keys)
        _announce(keys)
    except Exception:
        logger.warning("media cache unavailable: %s not invalidated (they expire on their own)", keys)
        counters.increment(UNAVAILABLE)


def invalidate_avatar(conversation_id) -> None:
    _delete([cache_key(conversation_id, signing.AVATAR)])


def forget_attachment(attachment_id) -> None:
    """Call when an attachment is deleted (other processes' local tiers drop it within their TTL)."""
    forget_attachments([attachment_id])


def forget_attachments(attachment_ids) -> None:
    _delete(
        [
            cache_key(attachment_id, variant)
            for attachment_id in attachment_ids
            for variant in signing.VARIANTS
        ]
    )


def _reset_on_settings_change(setting, **kwargs) -> None:
    global _shared_down_until, _shared_url
    if setting == "CACHES":
        _async_clients.clear()
        _shared_url = _redis_url()
        with _listener_lock:
            _stop_listener()
    if setting in {"MEDIA_LOCAL_CACHE_BYTES", "MEDIA_LOCAL_CACHE_SECONDS", "CACHES"}:
        local.max_bytes, local.ttl = settings.MEDIA_LOCAL_CACHE_BYTES, settings.MEDIA_LOCAL_CACHE_SECONDS
        local.clear()
        _shared_down_until = 0.0


setting_changed.connect(_reset_on_settings_change)
