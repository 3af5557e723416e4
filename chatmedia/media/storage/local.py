"""Local-disk backend (the embedded default): objects are files under MEDIA_ROOT.

Writes go to a temporary file in the same directory and are renamed into place, so a reader never
sees half an object. Direct uploads go to our own signed endpoint (`media.uploads.local`, tokens in
`storage.upload_tokens`), which
behaves like S3's presigned PUT: signature, expiry and Content-Type are checked.
Multipart parts live in `MEDIA_ROOT/.multipart/<upload-id>/` until completed or aborted.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from django.core.files.storage import FileSystemStorage
from django.utils._os import safe_join

from chatmedia.media.storage import upload_tokens
from chatmedia.media.storage.base import (
    InvalidUpload,
    MediaStorage,
    ObjectNotFound,
    PresignedUpload,
    StorageError,
    UploadedPart,
)

MULTIPART_DIR = ".multipart"


class LocalMediaStorage(MediaStorage):
    name = "local"

    def __init__(self, files: FileSystemStorage, chunk_size: int) -> None:
        super().__init__(chunk_size)
        self.files = files
        self.root = Path(files.location)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return Path(self.files.path(key))  # safe_join: a key can never leave the root

    def _write_atomically(self, path: Path, stream: BinaryIO) -> tuple[int, str]:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        written, md5 = 0, hashlib.md5(usedforsecurity=False)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(self.chunk_size):
                    out.write(chunk)
                    md5.update(chunk)
                    written += len(chunk)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return written, md5.hexdigest()

    def save(self, key: str, stream: BinaryIO, content_type: str) -> int:
        written, _ = self.receive(key, stream)
        return written

    def receive(self, key: str, stream: BinaryIO) -> tuple[int, str]:
        """Store a whole object (local upload endpoint); returns (size, ETag as S3 computes it)."""
        return self._write_atomically(self._path(key), stream)

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        stream = self.open(key)

        def chunks() -> Iterator[bytes]:
            with stream:
                stream.seek(start)
                remaining = end - start + 1
                while remaining > 0 and (chunk := stream.read(min(self.chunk_size, remaining))):
                    remaining -= len(chunk)
                    yield chunk

        return chunks()

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise ObjectNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        directory = prefix.rpartition("/")[0]
        base = self.root / directory if directory else self.root
        if not base.is_dir():
            return
        for path in base.rglob("*"):
            relative = path.relative_to(self.root).as_posix()
            hidden = path.name.startswith(".tmp-") or relative.startswith(MULTIPART_DIR + "/")
            if path.is_file() and relative.startswith(prefix) and not hidden:
                yield relative, path.stat().st_mtime

    # --- direct transfers -----------------------------------------------------------------------------
    def presign_get(self, key: str, expires_in: int, content_type: str | None = None) -> str:
        return upload_tokens.download_url(key=key, expires_in=expires_in, content_type=content_type)

    def presign_put(
        self, key: str, content_type: str, expires_in: int, content_length: int | None = None
    ) -> PresignedUpload:
        url = upload_tokens.signed_url(
            key=key, content_type=content_type, expires_in=expires_in, content_length=content_length
        )
        return PresignedUpload(url=url, headers={"Content-Type": content_type})

    def _multipart_dir(self, upload_id: str) -> Path:
        try:
            upload_id = uuid.UUID(upload_id).hex
        except ValueError as exc:
            raise ObjectNotFound(upload_id) from exc
        return Path(safe_join(str(self.root), MULTIPART_DIR, upload_id))

    def _multipart_meta(self, key: str, upload_id: str) -> tuple[Path, dict]:
        directory = self._multipart_dir(upload_id)
        try:
            meta = json.loads((directory / "meta.json").read_text())
        except FileNotFoundError as exc:
            raise ObjectNotFound(upload_id) from exc
        if meta["key"] != key:
            raise ObjectNotFound(upload_id)
        return directory, meta

    def create_multipart(self, key: str, content_type: str) -> str:
        upload_id = uuid.uuid4().hex
        directory = self._multipart_dir(upload_id)
        directory.mkdir(parents=True)
        (directory / "meta.json").write_text(json.dumps({"key": key, "content_type": content_type}))
        return upload_id

    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        self._multipart_meta(key, upload_id)
        return upload_tokens.signed_url(
            key=key, content_type=None, expires_in=expires_in, upload_id=upload_id, part_number=part_number
        )

    def save_part(self, key: str, upload_id: str, part_number: int, stream: BinaryIO) -> str:
        """Store one part (called by the local upload endpoint); returns its ETag (MD5, like S3)."""
        directory, _ = self._multipart_meta(key, upload_id)
        _, md5 = self._write_atomically(directory / f"{part_number:05d}.part", stream)
        (directory / f"{part_number:05d}.etag").write_text(md5)
        return md5

    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]:
        directory, _ = self._multipart_meta(key, upload_id)
        parts = []
        for part in sorted(directory.glob("*.part")):
            etag = (directory / f"{part.stem}.etag").read_text()
            parts.append(UploadedPart(number=int(part.stem), etag=etag, size=part.stat().st_size))
        return parts

    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        directory, _ = self._multipart_meta(key, upload_id)
        stored = {part.number: part for part in self.list_parts(key, upload_id)}
        if not parts:
            raise InvalidUpload("no parts given")
        numbers = [part.number for part in parts]
        if numbers != sorted(set(numbers)):
            raise InvalidUpload("parts must be in ascending order, each once")
        for part in parts:
            have = stored.get(part.number)
            if have is None or have.etag != part.etag.strip('"'):
                raise InvalidUpload(f"part {part.number} is missing or its ETag does not match")
        joined = _ConcatenatedParts([directory / f"{number:05d}.part" for number in numbers])
        try:
            self._write_atomically(self._path(key), joined)
        finally:
            joined.close()
        shutil.rmtree(directory, ignore_errors=True)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        directory, _ = self._multipart_meta(key, upload_id)
        shutil.rmtree(directory, ignore_errors=True)

    def list_multipart(self, prefix: str) -> Iterator[tuple[str, str, float]]:
        for meta_path in sorted((self.root / MULTIPART_DIR).glob("*/meta.json")):
            try:
                key = json.loads(meta_path.read_text())["key"]
                started = meta_path.stat().st_mtime
            except (OSError, ValueError, KeyError):
                continue
            if key.startswith(prefix):
                yield key, meta_path.parent.name, started

    def ping(self) -> None:
        if not self.root.is_dir() or not os.access(self.root, os.W_OK):
            raise StorageError(f"media directory {self.root} is missing or not writable")


class _ConcatenatedParts:
    """A read()-able stream over several files in order, one open at a time."""

    def __init__(self, paths: list[Path]) -> None:
        self._paths = list(paths)
        self._current: BinaryIO | None = None

    def read(self, size: int = -1) -> bytes:
        while True:
            if self._current is None:
                if not self._paths:
                    return b""
                self._current = self._paths.pop(0).open("rb")
            chunk = self._current.read(size)
            if chunk:
                return chunk
            self._current.close()
            self._current = None

    def close(self) -> None:
        if self._current is not None:
            self._current.close()
