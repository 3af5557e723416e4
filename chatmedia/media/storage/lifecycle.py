"""Stored bytes follow the rows that use them: when an attachment, a rendition or a conversation is
deleted (a cancelled upload, an abandoned one, a conversation removed in the admin, a tenant
deleted), each Blob it referred to is released after the commit, which deletes the object once
nothing else refers to it (forwarded media shared by several chats stays). Cached copies are
dropped too (other processes' local tiers forget them within MEDIA_LOCAL_CACHE_SECONDS).
Connected in MediaConfig.ready. Housekeeping's orphan sweep catches whatever a crash left behind.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging

from django.db import transaction
from django.db.models.signals import post_delete

from chatmedia.media.models import Blob
from chatmedia.media.serving import cache
from chatmedia.media.storage import StorageError
from chatmedia.media.storage.blobs import objects_already_deleted, release_blob, release_many

logger = logging.getLogger(__name__)


# Inside `batched()`: the blob ids released by the transaction, released together after it.
_batch: contextvars.ContextVar[set | None] = contextvars.ContextVar("blob_release_batch", default=None)


@contextlib.contextmanager
def batched():
    """Inside a transaction that releases many blobs (retention, an erasure): every `release_later`
    within — also the one a deleted rendition's signal makes — joins one set, released after the
    commit by `blobs.release_many` (a few queries and one storage call per BLOB_RELEASE_BATCH)."""
    ids: set = set()
    token = _batch.set(ids)
    try:
        yield
    finally:
        _batch.reset(token)

    def release() -> None:
        try:
            release_many(ids)
        except StorageError as exc:  # rows kept; the orphan sweep retries the objects
            logger.warning("could not delete the objects of %d blobs: %s", len(ids), exc)

    if ids:
        transaction.on_commit(release, robust=True)


def release_later(blob_id) -> None:
    if blob_id is None:
        return
    pending = _batch.get()
    if pending is not None:
        pending.add(blob_id)
        return

    def release() -> None:
        blob = Blob.objects.filter(pk=blob_id).first()
        if blob is None:
            return
        try:
            release_blob(blob)
        except StorageError as exc:  # the row is gone or kept; the orphan sweep retries the object
            logger.warning("could not delete the object of blob %s: %s", blob_id, exc)

    transaction.on_commit(release, robust=True)


def attachment_deleted(sender, instance, **kwargs) -> None:
    release_later(instance.original_id)
    attachment_id = instance.id
    transaction.on_commit(lambda: cache.forget_attachment(attachment_id), robust=True)


def rendition_deleted(sender, instance, **kwargs) -> None:
    release_later(instance.blob_id)


def conversation_deleted(sender, instance, **kwargs) -> None:
    release_later(instance.avatar_id)
    conversation_id = instance.id
    transaction.on_commit(lambda: cache.invalidate_avatar(conversation_id), robust=True)


def blob_deleted(sender, instance, **kwargs) -> None:
    """A Blob row deleted by a cascade (a tenant removed): its object goes too, after the commit.
    Not for `release_blob`, which deleted the object under the row lock: deleting it again after
    the commit would remove what a writer of the same bytes (same key) stored meanwhile."""
    if getattr(instance, "object_deleted", False) or instance.storage_key in objects_already_deleted.get():
        return
    key = instance.storage_key

    def delete() -> None:
        from chatmedia.media.storage import media_storage

        try:
            media_storage().delete(key)
        except StorageError as exc:
            logger.warning("could not delete object %s: %s", key, exc)

    transaction.on_commit(delete, robust=True)


def connect() -> None:
    from chatmedia.chat.models import Attachment, Conversation, Rendition

    post_delete.connect(attachment_deleted, sender=Attachment, dispatch_uid="media.attachment_deleted")
    post_delete.connect(rendition_deleted, sender=Rendition, dispatch_uid="media.rendition_deleted")
    post_delete.connect(conversation_deleted, sender=Conversation, dispatch_uid="media.conversation_deleted")
    post_delete.connect(blob_deleted, sender=Blob, dispatch_uid="media.blob_deleted")
