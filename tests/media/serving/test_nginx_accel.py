"""The X-Accel-Redirect mode with real nginx, using deploy/nginx/chatmedia.conf itself: chatmedia
authorizes, nginx moves the bytes from local disk or from the S3 test server (Range included), and
the answer carries the same headers as one chatmedia serves itself."""

from __future__ import annotations

import os
import subprocess
import threading
import time

import httpx
import pytest
import uvicorn

from chatmedia.media.serving import app as serving
from chatmedia.media.serving import blocking, signing
from tests.conftest import make_world
from tests.media import serving_client as client
from tools.nginx import render_nginx
from tools.services import find_binary, free_port, wait_for_port

BIG = os.urandom(2 * 1024 * 1024 + 3)
THUMB = os.urandom(20_000)


@pytest.fixture
def behind_nginx(storage, settings, tmp_path):
    """media_app under uvicorn in a thread (this process's settings) and nginx in front of it."""
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/_chatmedia/"
    app_port, nginx_port = free_port(), free_port()
    server = uvicorn.Server(
        uvicorn.Config(serving.media_app, host="127.0.0.1", port=app_port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    wait_for_port("127.0.0.1", app_port, 10, "uvicorn")
    nginx = find_binary("nginx")
    assert nginx, "nginx is installed by make test (tools/services.ensure_debian_packages)"
    media_root = storage.root if storage.name == "local" else tmp_path / "unused"
    config = render_nginx(app_port, nginx_port, media_root, tmp_path)
    checked = subprocess.run([nginx, "-t", "-c", str(config)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([nginx, "-c", str(config)], stderr=subprocess.PIPE)
    try:
        wait_for_port("127.0.0.1", nginx_port, 10, "nginx")
        yield f"http://127.0.0.1:{nginx_port}"
    finally:
        process.terminate()
        process.wait(10)
        server.should_exit = True
        thread.join(10)
        blocking.shutdown()


def test_nginx_moves_the_bytes(behind_nginx, storage, transactional_db, django_user_model):
    world = make_world("accel", django_user_model)
    attachment = client.attachment(
        world, BIG, category="document", mime_type="application/pdf", file_name="relatório.pdf",
        renditions={"thumb": (THUMB, "image/webp")},
    )  # fmt: skip
    link = behind_nginx + signing.signed_url(world.tenant.id, attachment.id, "original")
    whole = httpx.get(link)
    assert whole.status_code == 200, whole.text
    assert whole.content == BIG
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.headers["content-disposition"].startswith("inline;")
    assert "filename*=UTF-8''relat%C3%B3rio.pdf" in whole.headers["content-disposition"]
    assert whole.headers["etag"] == f'"{attachment.original.sha256}"'
    assert whole.headers["cache-control"] == "private, max-age=86400, immutable"
    assert whole.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in whole.headers["content-security-policy"]
    assert "x-accel-redirect" not in whole.headers
    assert "x-amz-request-id" not in whole.headers
    middle = httpx.get(link, headers={"Range": "bytes=1000-1999"})
    assert (middle.status_code, middle.content) == (206, BIG[1000:2000])
    assert middle.headers["content-range"] == f"bytes 1000-1999/{len(BIG)}"
    tail = httpx.get(link, headers={"Range": "bytes=-5"})
    assert (tail.status_code, tail.content) == (206, BIG[-5:])
    # chatmedia still decides: 304, 403 and cached small bodies never reach the internal locations
    assert httpx.get(link, headers={"If-None-Match": whole.headers["etag"]}).status_code == 304
    assert httpx.get(link.replace("sig=", "sig=x")).status_code == 403
    thumb = behind_nginx + signing.signed_url(world.tenant.id, attachment.id, "thumb")
    assert httpx.get(thumb).content == THUMB
    # the internal locations cannot be asked for directly
    key = attachment.original.storage_key
    assert httpx.get(f"{behind_nginx}/_chatmedia/files/{key}").status_code == 404
    started = time.monotonic()
    assert httpx.get(f"{behind_nginx}/_chatmedia/s3/127.0.0.1:1/{key}").status_code == 404
    assert time.monotonic() - started < 5


@pytest.mark.parametrize("storage", ["s3"], indirect=True)  # the cache is of S3 reads; disk is read directly
def test_nginx_keeps_its_copy_of_s3_bytes_but_chatmedia_still_decides(
    behind_nginx, storage, transactional_db, django_user_model
):
    """deploy/nginx's proxy_cache: a file opened again comes from nginx's disk (keyed without the
    presigned signature), and a file deleted for everyone is refused before that copy is read."""
    from django.utils import timezone

    from chatmedia.chat import history
    from chatmedia.media.storage import media_storage

    world = make_world("accel-cache", django_user_model)
    attachment = client.attachment(world, BIG, category="document", mime_type="application/pdf")
    link = behind_nginx + signing.signed_url(world.tenant.id, attachment.id, "original")
    first = httpx.get(link)
    assert (first.status_code, first.headers["x-proxy-cache"]) == (200, "MISS")
    media_storage().delete(attachment.original.storage_key)  # S3 no longer has it: only nginx does
    again = httpx.get(link)
    assert (again.status_code, again.headers["x-proxy-cache"], again.content) == (200, "HIT", BIG)
    assert again.headers["etag"] == first.headers["etag"]  # chatmedia's headers, not the cache's
    part = httpx.get(link, headers={"Range": "bytes=10-19"})  # another range: its own key, from S3
    assert part.status_code == 404 and part.json()["error"]["code"] == "missing"
    world.tenant.deleted_media_retention_days = 30
    world.tenant.save()
    history.mark_deleted(attachment.message, "5511999990000@s.whatsapp.net", timezone.now())
    gone = httpx.get(link)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "deleted"
