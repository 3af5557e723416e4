"""Content-addressed storage of bytes per tenant: the same bytes are stored once.

`store_blob` hashes a stream while spooling it (RAM up to MEDIA_SPOOL_MEMORY_BYTES, then a temp
file), then writes the object under its content key and records the Blob. The object is written
before the row, so a Blob row never points at a missing object.

Reuse and release race each other, since the same bytes arrive from many places (every contact's
default picture, a forwarded photo, the same invoice PDF). Two rules keep a reused Blob alive:
- a writer that is handed an existing row stamps it (`reused_at`) in the same statement that proves
  the row still exists; `release_blob` keeps a row stamped within MEDIA_BLOB_REUSE_GRACE_SECONDS.
  The transaction that stores the writer's reference calls `settle`, which clears the stamp unless
  another writer stamped it since (a writer that crashed first: the orphan sweep comes later);
- `release_blob` deletes the object while it holds the row lock, before the row goes, and nothing
  deletes it again after the commit: a writer that stores the same bytes again afterwards (same
  content key) is never undone by a late delete.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import tempfile
from datetime import timedelta
from typing import BinaryIO

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from chatmedia.media.models import Blob
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.keys import blob_key
from chatmedia.tenancy.models import Tenant


class TooLarge(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"larger than the limit of {limit} bytes")
        self.limit = limit


def spool_and_hash(stream: BinaryIO, max_bytes: int) -> tuple[tempfile.SpooledTemporaryFile, str, int]:
    """Copy `stream` into a spooled temp file; returns (file at position 0, sha256 hex, size)."""
    spool = tempfile.SpooledTemporaryFile(max_size=settings.MEDIA_SPOOL_MEMORY_BYTES)  # noqa: SIM115
    digest, size = hashlib.sha256(), 0
    try:
        while chunk := stream.read(settings.MEDIA_STREAM_CHUNK_BYTES):
            size += len(chunk)
            if size > max_bytes:
                raise TooLarge(max_bytes)
            digest.update(chunk)
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool, digest.hexdigest(), size


def hash_file(file: BinaryIO, max_bytes: int) -> tuple[str, int]:
    """sha256 hex and size of a seekable file read from its start; leaves it at position 0."""
    digest, size = hashlib.sha256(), 0
    file.seek(0)
    while chunk := file.read(settings.MEDIA_STREAM_CHUNK_BYTES):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge(max_bytes)
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest(), size


def _is_disk_file(stream: BinaryIO) -> bool:
    if isinstance(stream, tempfile.SpooledTemporaryFile):
        return False  # its fileno() would write it to disk first
    try:
        stream.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    return stream.seekable()


def store_blob(tenant: Tenant, stream: BinaryIO, content_type: str, max_bytes: int | None = None) -> Blob:
    """`stream`: any readable stream (copied to a spool while hashed), or a file on disk (hashed in
    place and read a second time, no copy)."""
    limit = settings.MEDIA_MAX_OBJECT_BYTES if max_bytes is None else max_bytes
    storage = media_storage()
    if _is_disk_file(stream):
        sha256, size = hash_file(stream, limit)
        spool = contextlib.nullcontext(stream)
    else:
        spool, sha256, size = spool_and_hash(stream, limit)
    with spool as source:
        existing = Blob.objects.filter(tenant=tenant, sha256=sha256).first()
        if existing is not None and _claim(existing):
            if not storage.exists(existing.storage_key):  # lost behind our back: write it again
                storage.save(existing.storage_key, source, content_type)
            return existing
        key = blob_key(tenant.id, sha256)
        storage.save(key, source, content_type)
    try:
        with transaction.atomic():
            return Blob.objects.create(
                tenant=tenant, sha256=sha256, size=size, content_type=content_type, storage_key=key
            )
    except IntegrityError:  # a concurrent writer stored the same bytes first: same key, same object
        concurrent = Blob.objects.get(tenant=tenant, sha256=sha256)
        _claim(concurrent)
        return concurrent


def _claim(blob: Blob) -> bool:
    """Stamp `blob` as handed out again; False if it was released meanwhile (the UPDATE waits for
    a release holding the row lock, then finds no row)."""
    stamp = timezone.now()
    if Blob.objects.filter(pk=blob.pk).update(reused_at=stamp) != 1:
        return False
    blob.reused_at = blob.claim = stamp
    return True


def settle(*blobs: Blob | None) -> None:
    """In the transaction that stores the references to `blobs` (from `store_blob`): they need no
    protection from release any more, unless another writer was handed them since."""
    for blob in blobs:
        stamp = getattr(blob, "claim", None)
        if stamp is not None:
            Blob.objects.filter(pk=blob.pk, reused_at=stamp).update(reused_at=None)


def hold(blob_ids) -> set:
    """In a transaction about to add references to existing blobs (a forward): lock them, so a
    release waits for the commit and then sees the new references. The ids still there."""
    return set(Blob.objects.select_for_update().filter(pk__in=list(blob_ids)).values_list("pk", flat=True))


def references() -> tuple[tuple[type, str], ...]:
    """Every (model, field) that refers to a Blob: the one list both a release and the orphan sweep
    check, so a new kind of reference cannot be forgotten by one of them."""
    from chatmedia.chat.models import Attachment, Conversation, QuickReplyFile, QuickReplyRendition, Rendition

    return (
        (Attachment, "original"),
        (Rendition, "blob"),
        (Conversation, "avatar"),
        (QuickReplyFile, "blob"),
        (QuickReplyRendition, "blob"),
    )


def is_referenced(blob: Blob) -> bool:
    return any(model.objects.filter(**{field: blob}).exists() for model, field in references())


def release_blob(blob: Blob) -> bool:
    """Delete the Blob and its object when nothing refers to it any more and no writer was handed
    it within MEDIA_BLOB_REUSE_GRACE_SECONDS (the orphan sweep comes back for those). Returns True
    if deleted. A StorageError leaves the row (the sweep retries)."""
    with transaction.atomic():
        locked = Blob.objects.select_for_update().filter(pk=blob.pk).first()
        if locked is None or is_referenced(locked) or recently_reused(locked):
            return False
        media_storage().delete(locked.storage_key)  # under the lock: see the module docstring
        locked.object_deleted = True  # lifecycle.blob_deleted must not delete it again
        locked.delete()
    return True


# Storage keys whose objects `release_many` deleted under the row lock: `lifecycle.blob_deleted`
# must not delete them again after the commit (see the module docstring).
objects_already_deleted: contextvars.ContextVar[frozenset] = contextvars.ContextVar(
    "objects_already_deleted", default=frozenset()
)


def release_many(blob_ids) -> int:
    """`release_blob` for many blobs, BLOB_RELEASE_BATCH per transaction: one query per kind of
    reference and one storage call (S3 DeleteObjects) per batch instead of several per blob.
    Returns how many were deleted. A StorageError leaves that batch's rows (the sweep retries)."""
    ids = sorted({i for i in blob_ids if i is not None})
    released = 0
    for start in range(0, len(ids), settings.BLOB_RELEASE_BATCH):
        chunk = ids[start : start + settings.BLOB_RELEASE_BATCH]
        with transaction.atomic():
            locked = list(Blob.objects.select_for_update().filter(pk__in=chunk).order_by("pk"))
            held: set = set()
            for model, field in references():
                held |= set(
                    model.objects.filter(**{f"{field}_id__in": [b.pk for b in locked]}).values_list(
                        f"{field}_id", flat=True
                    )
                )
            free = [b for b in locked if b.pk not in held and not recently_reused(b)]
            if not free:
                continue
            keys = [b.storage_key for b in free]
            media_storage().delete_many(keys)  # under the locks, as release_blob does
            token = objects_already_deleted.set(frozenset(keys))
            try:
                Blob.objects.filter(pk__in=[b.pk for b in free]).delete()
            finally:
                objects_already_deleted.reset(token)
            released += len(free)
    return released


def recently_reused(blob: Blob, now=None) -> bool:
    if blob.reused_at is None:
        return False
    grace = timedelta(seconds=settings.MEDIA_BLOB_REUSE_GRACE_SECONDS)
    return blob.reused_at > (now or timezone.now()) - grace
