"""The storage contract, run against BOTH backends: local disk and a real S3 server (s3rver, which
checks SigV4 signatures, expiry and the signed Content-Type like AWS and MinIO do)."""

from __future__ import annotations

import hashlib
import io
import os
import time
import uuid

import httpx
import pytest

from chatmedia.media.storage import ObjectNotFound, UploadedPart
from chatmedia.media.storage.keys import incoming_upload_key
from tests.memory import MEMORY_BOUND_MIB, run_probe

MiB = 1024 * 1024


@pytest.fixture
def public_base_url(storage, request, settings):
    """The local backend's presigned URLs point at our own server: run it for real."""
    if storage.name == "local":
        # The live server's request handling opens DB connections (request_started signal).
        request.getfixturevalue("transactional_db")
        live_server = request.getfixturevalue("live_server")
        settings.PUBLIC_BASE_URL = live_server.url
    return settings.PUBLIC_BASE_URL


def new_key() -> str:
    return incoming_upload_key(uuid.uuid4(), uuid.uuid4())


def read_all(storage, key: str) -> bytes:
    return b"".join(storage.iter_chunks(key))


def test_save_open_size_exists_delete(storage):
    key = new_key()
    assert not storage.exists(key)
    assert storage.save(key, io.BytesIO(b"hello world"), "text/plain") == 11
    assert storage.exists(key)
    assert storage.size(key) == 11
    with storage.open(key) as stream:
        assert stream.read() == b"hello world"
    storage.save(key, io.BytesIO(b"replaced"), "text/plain")
    assert read_all(storage, key) == b"replaced"
    storage.delete(key)
    assert not storage.exists(key)
    storage.delete(key)  # deleting a missing object is not an error


def test_missing_object_is_object_not_found(storage):
    key = new_key()
    with pytest.raises(ObjectNotFound):
        storage.size(key)
    with pytest.raises(ObjectNotFound):
        storage.open(key)


def test_50_mb_object_round_trip_with_bounded_memory(storage, s3_server, tmp_path, capsys):
    """Measured in a fresh process (tests/media/memory_probe.py) so the heap of the test run does not
    hide the growth."""
    stack_vars = (
        "DATABASE_URL",
        "S3_BUCKET",
        "S3_ENDPOINT_URL",
        "S3_ACCESS_KEY",
        "S3_SECRET_KEY",
        "S3_REGION",
    )
    env = {k: v for k, v in os.environ.items() if k not in stack_vars}
    env["MEDIA_ROOT"] = str(tmp_path / "media")
    if storage.name == "s3":
        env.update(
            S3_BUCKET=s3_server["bucket"],
            S3_ENDPOINT_URL=s3_server["endpoint_url"],
            S3_ACCESS_KEY=s3_server["access_key"],
            S3_SECRET_KEY=s3_server["secret_key"],
            S3_REGION=s3_server["region"],
        )
    result = run_probe("tests.media.memory_probe", "50", env=env, label="50 MiB object", capsys=capsys)
    assert result["backend"] == storage.name
    assert result["written"] == 50 * MiB and result["sha256_ok"]
    assert result["save_peak_growth_mib"] < MEMORY_BOUND_MIB
    assert result["read_peak_growth_mib"] < MEMORY_BOUND_MIB


def test_ranged_reads(storage):
    data = bytes(range(256)) * 4096  # 1 MiB
    key = new_key()
    storage.save(key, io.BytesIO(data), "application/octet-stream")
    assert b"".join(storage.open_range(key, 0, 0)) == data[:1]
    assert b"".join(storage.open_range(key, 1000, 1999)) == data[1000:2000]
    assert b"".join(storage.open_range(key, len(data) - 10, len(data) - 1)) == data[-10:]
    # The end is clamped to the object like HTTP does.
    assert b"".join(storage.open_range(key, len(data) - 5, len(data) + 100)) == data[-5:]
    # A range spanning many chunks streams them all.
    assert b"".join(storage.open_range(key, 10, 900_000)) == data[10:900_001]


def test_presigned_put_works_with_httpx(storage, public_base_url):
    key = new_key()
    body = b"\x89PNG fake bytes" * 1000
    upload = storage.presign_put(key, "image/png", expires_in=60)
    assert upload.method == "PUT"
    assert upload.url.startswith(("http://", "https://"))
    response = httpx.put(upload.url, content=body, headers=upload.headers)
    assert response.status_code == 200, response.text
    assert response.headers["ETag"].strip('"') == hashlib.md5(body).hexdigest()  # noqa: S324
    assert read_all(storage, key) == body


def test_presigned_put_refuses_another_content_type(storage, public_base_url):
    key = new_key()
    upload = storage.presign_put(key, "image/png", expires_in=60)
    response = httpx.put(upload.url, content=b"<html>", headers={"Content-Type": "text/html"})
    assert response.status_code == 403
    assert not storage.exists(key)


def test_presigned_put_with_signed_length_refuses_other_length(storage, public_base_url):
    key = new_key()
    upload = storage.presign_put(key, "image/png", expires_in=60, content_length=10)
    response = httpx.put(upload.url, content=b"0123456789ABC", headers=upload.headers)
    assert response.status_code == 403
    assert not storage.exists(key)
    response = httpx.put(upload.url, content=b"0123456789", headers=upload.headers)
    assert response.status_code == 200
    assert storage.size(key) == 10


def test_expired_presigned_url_is_refused(storage, public_base_url):
    key = new_key()
    upload = storage.presign_put(key, "image/png", expires_in=1)
    time.sleep(2.1)
    response = httpx.put(upload.url, content=b"late", headers=upload.headers)
    assert response.status_code == 403
    assert not storage.exists(key)


def _tamper(url: str, old: str, new: str) -> str:
    assert old in url
    return url.replace(old, new, 1)


def _flip_char(text: str, index: int) -> str:
    return text[:index] + ("A" if text[index] != "A" else "B") + text[index + 1 :]


def test_tampered_presigned_url_is_refused(storage, public_base_url):
    key, other_key = new_key(), new_key()
    upload = storage.presign_put(key, "image/png", expires_in=60)
    if storage.name == "s3":
        # The same signature presented for another key, and a changed signature.
        moved = upload.url.replace(key, other_key)
        signature = upload.url.split("X-Amz-Signature=")[1][:64]
        forged = upload.url.replace(signature, signature[::-1])
    else:
        # The key is inside the signed token: change the token's payload, then its signature.
        token = upload.url.rsplit("/", 1)[-1]
        moved = upload.url.replace(token, _flip_char(token, 10))
        forged = upload.url.replace(token, _flip_char(token, len(token) - 3))
    for url in (moved, forged):
        assert url != upload.url
        assert httpx.put(url, content=b"x", headers=upload.headers).status_code == 403
    assert not storage.exists(key)
    assert not storage.exists(other_key)


def test_multipart_upload_with_presigned_parts(storage, public_base_url, settings):
    settings.UPLOAD_PART_BYTES = 5 * MiB
    key = new_key()
    first, second = b"a" * (5 * MiB), b"b" * 1234
    upload_id = storage.create_multipart(key, "video/mp4")
    etags = []
    for number, body in ((1, first), (2, second)):
        url = storage.presign_part(key, upload_id, number, expires_in=60)
        response = httpx.put(url, content=body)
        assert response.status_code == 200, response.text
        etags.append(response.headers["ETag"].strip('"'))
    parts = [UploadedPart(number=1, etag=etags[0]), UploadedPart(number=2, etag=etags[1])]
    storage.complete_multipart(key, upload_id, parts)
    assert storage.size(key) == len(first) + len(second)
    assert hashlib.sha256(read_all(storage, key)).digest() == hashlib.sha256(first + second).digest()


def test_expired_part_url_is_refused(storage, public_base_url):
    key = new_key()
    upload_id = storage.create_multipart(key, "video/mp4")
    url = storage.presign_part(key, upload_id, 1, expires_in=1)
    time.sleep(2.1)
    assert httpx.put(url, content=b"late part").status_code == 403


def test_ping(storage):
    storage.ping()


def test_presigned_get_reads_until_it_expires(storage, public_base_url):
    """What Evolution fetches a file we send from (S3 presigned, or our own signed local URL)."""
    key = new_key()
    storage.save(key, io.BytesIO(b"%PDF-1.7 to send"), "application/pdf")
    url = storage.presign_get(key, 60, "application/pdf")
    response = httpx.get(url)
    assert response.status_code == 200 and response.content == b"%PDF-1.7 to send"
    assert response.headers["content-type"] == "application/pdf"
    assert httpx.put(url, content=b"overwrite", headers={"Content-Type": "application/pdf"}).status_code in (
        403,
        405,
    )
    assert b"".join(storage.iter_chunks(key)) == b"%PDF-1.7 to send"
    expiring = storage.presign_get(key, 1)
    time.sleep(2.1)
    assert httpx.get(expiring).status_code == 403


def test_upload_url_does_not_read(storage, public_base_url):
    key = new_key()
    storage.save(key, io.BytesIO(b"secret"), "text/plain")
    upload = storage.presign_put(key, "text/plain", expires_in=60)
    response = httpx.get(upload.url)
    assert response.status_code in (403, 405) and b"secret" not in response.content
