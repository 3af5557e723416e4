"""S3 backend (AWS, MinIO, or the s3rver test server) on top of django-storages' S3Storage.

django-storages owns the configuration (bucket, endpoint, credentials, client config); this module
uses its boto3 client directly for what Django's Storage API has no word for: streaming reads
without a temp copy, byte ranges, presigned PUTs and multipart uploads. Objects are private:
they are written with the `private` ACL and reached only through presigned or proxied requests.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator
from typing import BinaryIO

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from storages.backends.s3 import S3Storage

from chatmedia.media.storage.base import (
    InvalidUpload,
    MediaStorage,
    ObjectNotFound,
    PresignedUpload,
    StorageError,
    UploadedPart,
)

_NOT_FOUND = {"404", "NoSuchKey", "NotFound", "NoSuchUpload"}
_INVALID_UPLOAD = {"InvalidPart", "InvalidPartOrder", "EntityTooSmall"}


def _translate(exc: Exception, key: str) -> StorageError:
    if isinstance(exc, ClientError):
        code = str(exc.response.get("Error", {}).get("Code", ""))
        if code in _NOT_FOUND:
            return ObjectNotFound(key)
        if code in _INVALID_UPLOAD:
            return InvalidUpload(f"{code}: {exc}")
    return StorageError(f"S3 {type(exc).__name__}: {exc}")


def _read_exactly(stream: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes; fewer only at the end of the stream."""
    pieces, left = [], size
    while left > 0 and (piece := stream.read(left)):
        pieces.append(piece)
        left -= len(piece)
    return b"".join(pieces)


class S3MediaStorage(MediaStorage):
    name = "s3"

    def __init__(
        self,
        files: S3Storage,
        chunk_size: int,
        part_size: int,
        public_endpoint_url: str | None = None,
    ) -> None:
        super().__init__(chunk_size)
        self.files = files
        self.bucket = files.bucket_name
        self.public_endpoint_url = public_endpoint_url
        # Memory per server-side write is one part: parts are read and sent one after another.
        # (boto3's upload_fileobj reads a non-seekable stream ahead: ~100 MiB for a 50 MiB object.)
        self.part_size = part_size

    @functools.cached_property
    def client(self):
        """One client per process, shared by all threads (boto3 clients are thread-safe).
        django-storages builds one per thread, and each build parses botocore's JSON models:
        ~17 MiB per thread that first touches S3 (bench/README.md, P3)."""
        return self.files.connection.meta.client

    @functools.cached_property
    def _presign_client(self):
        """Signs with the host browsers use (S3_PUBLIC_ENDPOINT_URL) when it differs from ours."""
        if not self.public_endpoint_url:
            return self.client
        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.public_endpoint_url,
            region_name=self.files.region_name,
            aws_access_key_id=self.files.access_key,
            aws_secret_access_key=self.files.secret_key,
            config=self.files.client_config,
        )

    def _call(self, key: str, method: str, **params):
        try:
            return getattr(self.client, method)(Bucket=self.bucket, Key=key, **params)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc

    # --- objects ------------------------------------------------------------------------------------
    def save(self, key: str, stream: BinaryIO, content_type: str) -> int:
        part = _read_exactly(stream, self.part_size)
        if len(part) < self.part_size:
            self._call(key, "put_object", Body=part, ContentType=content_type, ACL="private")
            return len(part)
        upload_id = self.create_multipart(key, content_type)
        try:
            manifest, total, number = [], 0, 1
            while part:
                response = self._call(key, "upload_part", UploadId=upload_id, PartNumber=number, Body=part)
                manifest.append(UploadedPart(number=number, etag=response["ETag"].strip('"')))
                total += len(part)
                number += 1
                part = b""  # drop the sent part before reading the next one
                part = _read_exactly(stream, self.part_size)
            self.complete_multipart(key, upload_id, manifest)
        except BaseException:
            with contextlib.suppress(StorageError):
                self.abort_multipart(key, upload_id)
            raise
        return total

    def open(self, key: str) -> BinaryIO:
        return self._call(key, "get_object")["Body"]

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        body = self._call(key, "get_object", Range=f"bytes={start}-{end}")["Body"]

        def chunks() -> Iterator[bytes]:
            # Never yield past the range asked for, even from a server that ignores part of it.
            remaining = end - start + 1
            try:
                for chunk in body.iter_chunks(self.chunk_size):
                    if len(chunk) >= remaining:
                        yield chunk[:remaining]
                        return
                    remaining -= len(chunk)
                    yield chunk
            except (ClientError, BotoCoreError) as exc:
                raise _translate(exc, key) from exc
            finally:
                body.close()

        return chunks()

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        body = self.open(key)
        try:
            yield from body.iter_chunks(self.chunk_size)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc
        finally:
            body.close()

    def size(self, key: str) -> int:
        return int(self._call(key, "head_object")["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except ObjectNotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        self._call(key, "delete_object")

    def delete_many(self, keys: list[str]) -> None:
        """DeleteObjects, S3_DELETE_BATCH (S3's own limit: 1 000) keys per request."""
        step = settings.S3_DELETE_BATCH
        for start in range(0, len(keys), step):
            chunk = keys[start : start + step]
            try:
                answer = self.client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
                )
            except (ClientError, BotoCoreError) as exc:
                raise _translate(exc, chunk[0]) from exc
            failed = [e for e in answer.get("Errors", []) if e.get("Code") not in _NOT_FOUND]
            if failed:
                raise StorageError(f"S3 could not delete {len(failed)} object(s), e.g. {failed[0]}")

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix)
            for page in pages:
                for item in page.get("Contents", []):
                    yield item["Key"], item["LastModified"].timestamp()
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, prefix) from exc

    def presign_get(
        self, key: str, expires_in: int, content_type: str | None = None, *, public: bool = True
    ) -> str:
        """A short-lived URL that reads the object: with the endpoint browsers and Evolution use
        (`public`), or with ours (nginx's X-Accel-Redirect to S3)."""
        params = {"Key": key, **({"ResponseContentType": content_type} if content_type else {})}
        return self._presign("get_object", params, expires_in, client=None if public else self.client)

    # --- direct uploads -----------------------------------------------------------------------------
    def _presign(self, method: str, params: dict, expires_in: int, client=None) -> str:
        try:
            return (client or self._presign_client).generate_presigned_url(
                method, Params={"Bucket": self.bucket, **params}, ExpiresIn=expires_in
            )
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, params.get("Key", "")) from exc

    def presign_put(
        self, key: str, content_type: str, expires_in: int, content_length: int | None = None
    ) -> PresignedUpload:
        params = {"Key": key, "ContentType": content_type}
        headers = {"Content-Type": content_type}
        if content_length is not None:
            params["ContentLength"] = content_length
        return PresignedUpload(url=self._presign("put_object", params, expires_in), headers=headers)

    def create_multipart(self, key: str, content_type: str) -> str:
        return self._call(key, "create_multipart_upload", ContentType=content_type, ACL="private")["UploadId"]

    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        params = {"Key": key, "UploadId": upload_id, "PartNumber": part_number}
        return self._presign("upload_part", params, expires_in)

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        parts: list[UploadedPart] = []
        marker = 0
        while True:
            page = self._call(key, "list_parts", UploadId=upload_id, PartNumberMarker=marker)
            parts += [
                UploadedPart(number=p["PartNumber"], etag=p["ETag"].strip('"'), size=p["Size"])
                for p in page.get("Parts", [])
            ]
            if not page.get("IsTruncated"):
                return parts
            marker = page["NextPartNumberMarker"]

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        if not parts:
            raise InvalidUpload("no parts given")
        manifest = [{"PartNumber": p.number, "ETag": f'"{p.etag.strip(chr(34))}"'} for p in parts]
        self._call(key, "complete_multipart_upload", UploadId=upload_id, MultipartUpload={"Parts": manifest})

    def abort_multipart(self, key: str, upload_id: str) -> None:
        self._call(key, "abort_multipart_upload", UploadId=upload_id)

    def list_multipart(self, prefix: str) -> Iterator[tuple[str, str, float]]:
        try:
            pages = self.client.get_paginator("list_multipart_uploads").paginate(
                Bucket=self.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Uploads", []):
                    yield item["Key"], item["UploadId"], item["Initiated"].timestamp()
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, prefix) from exc

    def ping(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, self.bucket) from exc
