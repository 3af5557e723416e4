"""`/media/…` when things break: Redis or the S3 server stopped mid-test (private instances the
tests start themselves), storage failing in the middle of a body, a client leaving, and the
X-Accel-Redirect answer that hands big bodies to nginx."""

from __future__ import annotations

import os
import threading
import time

import httpx
import pytest
import uvicorn

from chatmedia.media.serving import app as serving
from chatmedia.media.serving import cache
from chatmedia.media.storage import StorageError
from chatmedia.ops import counters
from tests.conftest import use_s3
from tests.media import serving_client as client
from tests.media.serving_client import BIG, THUMB, KiB, photo, url
from tools.services import RedisTestServer, S3TestServer, free_port, wait_for_port

pytestmark = pytest.mark.usefixtures("fresh_serving")


# --- degrade, never fail ------------------------------------------------------------------------------------
@pytest.fixture
def private_redis(settings):
    with RedisTestServer() as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
            }
        }
        settings.MEDIA_LOCAL_CACHE_BYTES = 0  # every request goes to Redis
        yield server


def test_redis_stopped_mid_test_serves_from_storage(storage, a, private_redis, settings):
    attachment = photo(a)
    assert client.get(url(a, attachment)).headers["x-cache"] == "MISS"
    assert client.get(url(a, attachment)).headers["x-cache"] == "HIT"
    before = counters.value(cache.UNAVAILABLE)
    private_redis.stop()
    started = time.monotonic()
    for _ in range(5):
        response = client.get(url(a, attachment))
        assert (response.status_code, response.content, response.headers["x-cache"]) == (200, THUMB, "MISS")
    assert time.monotonic() - started < 5
    assert counters.value(cache.UNAVAILABLE) > before
    # only the first failure waited for Redis: the next requests skip it for MEDIA_CACHE_RETRY_SECONDS
    assert counters.value(cache.UNAVAILABLE) - before <= 2


def test_s3_stopped_mid_test_is_503_with_retry_after(a, settings):
    with S3TestServer() as server:
        env = server.env()
        use_s3(
            settings,
            {
                "bucket": env["S3_BUCKET"],
                "endpoint_url": env["S3_ENDPOINT_URL"],
                "region": env["S3_REGION"],
                "access_key": env["S3_ACCESS_KEY"],
                "secret_key": env["S3_SECRET_KEY"],
            },
        )
        settings.S3_CONNECT_TIMEOUT_SECONDS = 1
        attachment = photo(a)
        assert client.get(url(a, attachment)).status_code == 200  # thumb now cached
        server.stop()
        response = client.get(url(a, attachment, "original"))
        assert response.status_code == 503
        assert response.headers["retry-after"] == str(settings.MEDIA_RETRY_AFTER_SECONDS)
        assert response.json()["error"]["code"] == "unavailable"
        cached = client.get(url(a, attachment))
        assert (cached.status_code, cached.content) == (200, THUMB)  # what is cached still works


# --- X-Accel-Redirect mode -----------------------------------------------------------------------------
def test_accel_redirect_hands_big_bodies_to_nginx(storage, a, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_chatmedia/"
    attachment = photo(a)
    response = client.get(url(a, attachment, "original"))
    assert response.status_code == 200 and response.content == b""
    target = response.headers["x-accel-redirect"]
    if storage.name == "local":
        assert target == f"/_chatmedia/files/{attachment.original.storage_key}"
    else:
        assert target.startswith("/_chatmedia/s3/127.0.0.1:") and "X-Amz-Signature=" in target
    assert response.headers["content-disposition"].startswith("inline;")
    assert "content-length" not in response.headers
    small = client.get(url(a, attachment))  # cached bodies are still answered directly
    assert small.content == THUMB and "x-accel-redirect" not in small.headers


# --- streaming: storage failing mid-body, a client leaving mid-body (a real server: uvicorn) ------------
@pytest.fixture
def over_http():
    """media_app served by uvicorn in a thread; yields its base URL."""
    port = free_port()
    config = uvicorn.Config(serving.media_app, host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port("127.0.0.1", port, 10, "uvicorn")
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)


def test_storage_failing_mid_stream_cuts_the_response_short(storage, a, monkeypatch, over_http):
    attachment = photo(a)
    real = storage.iter_chunks

    def failing(key):
        chunks = real(key)
        yield next(chunks)
        raise StorageError("connection reset by the storage")

    monkeypatch.setattr(storage, "iter_chunks", failing)
    before = counters.value(serving.STORAGE_FAILURES)
    received = bytearray()
    # The status line is out, so the body just stops short of Content-Length: the client notices.
    with (
        pytest.raises(httpx.RemoteProtocolError),
        httpx.stream("GET", over_http + url(a, attachment, "original")) as response,
    ):
        assert response.status_code == 200
        for chunk in response.iter_raw():
            received += chunk
    assert 0 < len(received) < len(BIG)
    assert counters.value(serving.STORAGE_FAILURES) == before + 1


def test_a_client_leaving_stops_the_storage_read(storage, a, monkeypatch, over_http):
    huge = os.urandom(24 * 1024 * KiB)  # far more than loopback socket buffers hold
    attachment = client.attachment(a, huge, category="video", mime_type="video/mp4", file_name="v.mp4")
    read, closed = [], []
    real = storage.iter_chunks

    def counting(key):
        try:
            for chunk in real(key):
                read.append(len(chunk))
                yield chunk
        finally:
            closed.append(True)

    monkeypatch.setattr(storage, "iter_chunks", counting)
    with httpx.stream("GET", over_http + url(a, attachment, "original")) as response:
        assert response.status_code == 200
        next(response.iter_raw(1024))
    deadline = time.monotonic() + 10
    while not closed and time.monotonic() < deadline:
        time.sleep(0.05)
    assert closed, "the storage iterator was not closed"
    assert sum(read) < len(huge) / 2  # it stopped reading: the rest of the file was never fetched
