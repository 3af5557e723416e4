"""The media storage of this process: local disk or S3, chosen once from settings.STORAGES.

Backends: `base` (the contract), `local`, `s3`, `config`, with `keys` (the key layout) and
`upload_tokens` (our own signed transfer URLs). What lives in it: `blobs` (content-addressed,
counted by reference), `lifecycle` (bytes follow the rows that use them), `quota` (per-tenant
usage) and `housekeeping` (periodic clean-up).

from chatmedia.media.storage import media_storage
media_storage().save(key, stream, content_type)
"""

from __future__ import annotations

import functools

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.signals import setting_changed

from chatmedia.media.storage.base import (
    InvalidUpload,
    MediaStorage,
    ObjectNotFound,
    PresignedUpload,
    StorageError,
    UploadedPart,
)

__all__ = [
    "InvalidUpload",
    "MediaStorage",
    "ObjectNotFound",
    "PresignedUpload",
    "StorageError",
    "UploadedPart",
    "media_storage",
]


@functools.cache
def media_storage() -> MediaStorage:
    files = storages["default"]
    if isinstance(files, FileSystemStorage):
        from chatmedia.media.storage.local import LocalMediaStorage

        return LocalMediaStorage(files, chunk_size=settings.MEDIA_STREAM_CHUNK_BYTES)
    from chatmedia.media.storage.s3 import S3MediaStorage

    return S3MediaStorage(
        files,
        chunk_size=settings.MEDIA_STREAM_CHUNK_BYTES,
        part_size=settings.S3_TRANSFER_PART_BYTES,
        public_endpoint_url=settings.S3_PUBLIC_ENDPOINT_URL,
    )


def _reset_on_settings_change(setting, **kwargs) -> None:
    # Django itself resets `storages` when STORAGES changes (tests use override_settings).
    if setting in {
        "STORAGES",
        "MEDIA_STREAM_CHUNK_BYTES",
        "S3_TRANSFER_PART_BYTES",
        "S3_TRANSFER_CONCURRENCY",
    }:
        media_storage.cache_clear()


setting_changed.connect(_reset_on_settings_change)
