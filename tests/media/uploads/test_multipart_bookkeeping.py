"""Multipart bookkeeping (list parts, abort, refusing a wrong ETag) on both backends.

s3rver lacks ListParts, AbortMultipartUpload and the ETag check at completion, so the S3 backend's
code for them runs here against moto's in-process S3, which implements them. The presigned-URL side
of multipart (signatures, expiry) is covered against s3rver in test_storage_contract.py.
"""

from __future__ import annotations

import hashlib
import io
import time
import uuid

import pytest

from chatmedia.media.storage import InvalidUpload, ObjectNotFound, UploadedPart
from chatmedia.media.storage.keys import incoming_upload_key

MiB = 1024 * 1024


@pytest.fixture
def storage(bookkeeping_storage):
    return bookkeeping_storage


def put_part(storage, key: str, upload_id: str, number: int, body: bytes) -> str:
    """Upload a part as a client would (local: our endpoint's code path; S3: the S3 API)."""
    if storage.name == "local":
        return storage.save_part(key, upload_id, number, io.BytesIO(body))
    response = storage.client.upload_part(
        Bucket=storage.bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=body
    )
    return response["ETag"].strip('"')


def new_key() -> str:
    return incoming_upload_key(uuid.uuid4(), uuid.uuid4())


def test_list_parts_then_complete(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, "application/pdf")
    first, second = b"1" * (5 * MiB), b"2" * 100
    etag1 = put_part(storage, key, upload_id, 1, first)
    etag2 = put_part(storage, key, upload_id, 2, second)
    parts = storage.list_parts(key, upload_id)
    assert [(p.number, p.etag, p.size) for p in parts] == [(1, etag1, len(first)), (2, etag2, len(second))]
    assert etag1 == hashlib.md5(first).hexdigest()  # noqa: S324 - S3's ETag of a part
    storage.complete_multipart(key, upload_id, parts)
    assert storage.size(key) == len(first) + len(second)


def test_wrong_etag_or_missing_part_is_refused(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, "application/pdf")
    put_part(storage, key, upload_id, 1, b"only part")
    with pytest.raises(InvalidUpload):
        storage.complete_multipart(key, upload_id, [UploadedPart(1, "0" * 32)])
    with pytest.raises(InvalidUpload):
        storage.complete_multipart(key, upload_id, [UploadedPart(2, "0" * 32)])
    assert not storage.exists(key)


def test_abort_discards_the_upload(storage):
    key = new_key()
    upload_id = storage.create_multipart(key, "application/pdf")
    put_part(storage, key, upload_id, 1, b"abandoned")
    storage.abort_multipart(key, upload_id)
    with pytest.raises(ObjectNotFound):
        storage.list_parts(key, upload_id)
    assert not storage.exists(key)


def test_unfinished_uploads_are_listed_by_prefix(storage):
    tenant = uuid.uuid4()
    mine, other = incoming_upload_key(tenant, uuid.uuid4()), incoming_upload_key(uuid.uuid4(), uuid.uuid4())
    mine_id = storage.create_multipart(mine, "application/pdf")
    storage.create_multipart(other, "application/pdf")
    listed = list(storage.list_multipart(f"t/{tenant}/incoming/"))
    assert [(key, upload_id) for key, upload_id, _ in listed] == [(mine, mine_id)]
    if storage.name == "local":  # moto reports a fixed 2010 date as `Initiated`
        assert abs(listed[0][2] - time.time()) < 60
    storage.abort_multipart(mine, mine_id)
    assert list(storage.list_multipart(f"t/{tenant}/incoming/")) == []


def test_objects_are_listed_by_prefix(storage):
    tenant = uuid.uuid4()
    keys = sorted(incoming_upload_key(tenant, uuid.uuid4()) for _ in range(3))
    for key in keys:
        storage.save(key, io.BytesIO(b"x"), "application/pdf")
    storage.save(incoming_upload_key(uuid.uuid4(), uuid.uuid4()), io.BytesIO(b"y"), "application/pdf")
    listed = sorted(storage.list_keys(f"t/{tenant}/incoming/"))
    assert [key for key, _ in listed] == keys
    assert all(abs(modified - time.time()) < 60 for _, modified in listed)
