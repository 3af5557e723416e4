"""What every media storage backend does: the whole contract, small on purpose.

Callers never ask which backend runs. Every read and write streams in chunks of
`MEDIA_STREAM_CHUNK_BYTES`; nothing here reads a whole object into memory. Keys are built by
`chatmedia.media.storage.keys` and never contain a user-supplied name.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO


class StorageError(Exception):
    """The storage did not answer or failed: transient, worth a retry (never a 500 to a client)."""


class ObjectNotFound(StorageError):
    """No object under that key (or no such multipart upload)."""


class InvalidUpload(StorageError):
    """A multipart completion that does not match what was uploaded (missing part, wrong ETag)."""


@dataclass(frozen=True)
class PresignedUpload:
    """One HTTP request a client makes to put bytes: `method url` with exactly `headers`."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    method: str = "PUT"


@dataclass(frozen=True)
class UploadedPart:
    number: int
    etag: str
    size: int | None = None


class MediaStorage(ABC):
    name: str

    def __init__(self, chunk_size: int) -> None:
        self.chunk_size = chunk_size

    # --- objects ------------------------------------------------------------------------------------
    @abstractmethod
    def save(self, key: str, stream: BinaryIO, content_type: str) -> int:
        """Write everything `stream` yields under `key` (replacing it) and return the byte count."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO:
        """A readable, closable binary stream of the object. Raises ObjectNotFound."""

    @abstractmethod
    def open_range(self, key: str, start: int, end: int) -> Iterator[bytes]:
        """Chunks of bytes start..end (inclusive, like HTTP Range), clamped to the object's size."""

    @abstractmethod
    def size(self, key: str) -> int:
        """Size in bytes. Raises ObjectNotFound."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove the object; a missing object is not an error."""

    def delete_many(self, keys: list[str]) -> None:
        """Remove each object (missing ones are not an error); a backend may do it in fewer calls.
        Raises StorageError when any could not be removed (the others may be gone)."""
        for key in keys:
            self.delete(key)

    @abstractmethod
    def list_keys(self, prefix: str) -> Iterator[tuple[str, float]]:
        """(key, last-modified unix time) of every object whose key starts with `prefix`."""

    def iter_chunks(self, key: str) -> Iterator[bytes]:
        with self.open(key) as stream:
            while chunk := stream.read(self.chunk_size):
                yield chunk

    # --- direct transfers between clients and storage -----------------------------------------------
    @abstractmethod
    def presign_get(self, key: str, expires_in: int, content_type: str | None = None) -> str:
        """An absolute URL that reads the object until it expires (for Evolution to fetch a file)."""

    @abstractmethod
    def presign_put(
        self, key: str, content_type: str, expires_in: int, content_length: int | None = None
    ) -> PresignedUpload:
        """A URL a client PUTs the bytes to. Content-Type (and Content-Length when given) are signed."""

    @abstractmethod
    def create_multipart(self, key: str, content_type: str) -> str:
        """Start a multipart upload; returns its upload id."""

    @abstractmethod
    def presign_part(self, key: str, upload_id: str, part_number: int, expires_in: int) -> str:
        """A URL a client PUTs one part to; the response's ETag header identifies the part."""

    @abstractmethod
    def list_parts(self, key: str, upload_id: str) -> list[UploadedPart]: ...

    @abstractmethod
    def complete_multipart(self, key: str, upload_id: str, parts: list[UploadedPart]) -> None:
        """Join the parts into the object. Raises InvalidUpload when they do not match."""

    @abstractmethod
    def abort_multipart(self, key: str, upload_id: str) -> None: ...

    @abstractmethod
    def list_multipart(self, prefix: str) -> Iterator[tuple[str, str, float]]:
        """(key, upload id, started unix time) of every multipart upload not completed or aborted."""

    # --- operations ---------------------------------------------------------------------------------
    @abstractmethod
    def ping(self) -> None:
        """Raise StorageError unless the storage answers (readiness probe)."""
