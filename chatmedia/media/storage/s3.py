"""S3 backend (AWS, MinIO, or the s3rver test server) on top of django-storages' S3Storage.

django-storages owns the configuration (bucket, endpoint, credentials, client config); this module
uses its boto3 client directly for what Django's Storage API has no word for: streaming reads
without a temp copy, byte ranges, presigned PUTs and multipart uploads. Objects are private:
they are written with the `private` ACL and reached only through presigned or proxied requests.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.exceptions import BotoCoreError, ClientError
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


class _CountingReader:
    """Counts the bytes boto3 pulls through it, so save() can report the size without a HEAD."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self.count += len(chunk)
        return chunk


class S3MediaStorage(MediaStorage):
    name = "s3"

    def __init__(
        self,
        files: S3Storage,
        chunk_size: int,
        part_size: int,
        concurrency: int,
        public_endpoint_url: str | None = None,
    ) -> None:
        super().__init__(chunk_size)
        self.files = files
        self.bucket = files.bucket_name
        self.public_endpoint_url = public_endpoint_url
        # Memory per server-side transfer is about part_size * concurrency.
        self.transfer_config = TransferConfig(
            multipart_threshold=part_size,
            multipart_chunksize=part_size,
            max_concurrency=concurrency,
            use_threads=concurrency > 1,
        )

    @property
    def client(self):
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
        reader = _CountingReader(stream)
        try:
            self.client.upload_fileobj(
                reader,
                self.bucket,
                key,
                ExtraArgs={"ContentType": content_type, "ACL": "private"},
                Config=self.transfer_config,
            )
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, key) from exc
        return reader.count

    def open(self, key: str) -> BinaryIO:
        return self._call(key, "get_object")["Body"]

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        body = self._call(key, "get_object", Range=f"bytes={start}-{end}")["Body"]

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(self.chunk_size)
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

    # --- direct uploads -----------------------------------------------------------------------------
    def _presign(self, method: str, params: dict, expires_in: int) -> str:
        try:
            return self._presign_client.generate_presigned_url(
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

    def ping(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except (ClientError, BotoCoreError) as exc:
            raise _translate(exc, self.bucket) from exc
