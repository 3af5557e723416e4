"""Which stored object a media URL names, for one tenant: the database side of serving.

`resolve(tenant_id, object_id, variant)` → an `Entry` (what to serve and how long it may be kept),
or a `Refused` (404 with a clear code). Every query is filtered by tenant: another tenant's id and
an id that never existed give the same answer. Small bodies (up to MEDIA_CACHE_MAX_BYTES) are read
here, once, so they can be cached whole; larger ones are streamed by the caller.

Nothing of an attachment is served before it is `ready`, that is before its bytes passed every
check (type, size, markup, virus scan): until then every variant is 404 `not_ready` (or `failed`
with its reason), even when inline bytes from a webhook are already stored. So nothing unscreened
is ever cached either. A message deleted for everyone: 410 `deleted` for every variant.

A missing variant falls back to the original only where the original is safe for a browser to take
in its place: the playback copy of a recording or a video. A picture without thumb or preview (over
the pixel cap, or one no decoder could read), a video without poster, a PDF without preview: 404
`no_variant`; the web chat shows such a file as a card with its download.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from chatmedia.chat.models import Attachment, Conversation, Rendition
from chatmedia.media import kinds
from chatmedia.media.filenames import extension_for
from chatmedia.media.models import Blob
from chatmedia.media.serving import signing
from chatmedia.media.storage import StorageError, media_storage


@dataclass(frozen=True, slots=True)
class Entry:
    """One servable object. Cached (as a tuple) in both cache tiers; `body` only when small."""

    tenant: str
    sha256: str
    size: int
    content_type: str
    storage_key: str
    file_name: str
    max_age: int  # seconds a browser (and our cache) may keep it
    immutable: bool  # this URL always names these bytes
    category: str = ""  # the attachment's kind ("" for an avatar): what serving it means to the audit log
    body: bytes | None = None

    def as_tuple(self) -> tuple:
        return tuple(getattr(self, name) for name in self.__slots__)

    @classmethod
    def from_tuple(cls, value) -> Entry | None:
        if not isinstance(value, tuple) or len(value) != len(cls.__slots__):
            return None  # written by another version of this code: a miss
        return cls(*value)


@dataclass(frozen=True)
class Refused:
    code: str
    message: str
    status: int = 404


NOT_FOUND = Refused("not_found", "Not found.")


def cache_key(object_id, variant: str) -> str:
    """`object_id`: a UUID or its canonical string (what the route and str(UUID) give)."""
    if variant == signing.AVATAR:
        return f"avatar:{object_id}"
    return f"media:{object_id}:{variant}"


def _extension(content_type: str) -> str:
    return extension_for(content_type.split(";")[0].strip())


def _entry(
    tenant_id,
    blob: Blob,
    content_type: str,
    file_name: str,
    max_age: int,
    immutable: bool,
    category: str = "",
) -> Entry:
    return Entry(
        tenant=str(tenant_id),
        sha256=blob.sha256,
        size=blob.size,
        content_type=content_type or "application/octet-stream",
        storage_key=blob.storage_key,
        file_name=file_name,
        max_age=max_age,
        immutable=immutable,
        category=category,
    )


def _resolve_attachment(tenant_id, attachment_id, variant: str) -> Entry | Refused:
    attachment = (
        Attachment.objects.select_related("original", "message")
        .filter(tenant_id=tenant_id, pk=attachment_id)
        .first()
    )
    if attachment is None:
        return NOT_FOUND
    if attachment.message is not None and attachment.message.deleted_at is not None:
        return Refused("deleted", "This message was deleted for everyone.", status=410)
    if attachment.removed_at is not None:
        return Refused("removed", "This file was removed.", status=410)
    if attachment.status == Attachment.Status.FAILED:
        return Refused("failed", attachment.error_message or "This file could not be received.")
    if attachment.status != Attachment.Status.READY or attachment.original is None:
        return Refused("not_ready", "This file is not available yet; it is still being received.")
    ttls = settings.MEDIA_CACHE_SECONDS
    max_age = ttls.get(attachment.category, min(ttls.values()))
    original = attachment.original
    stem = (attachment.file_name.rsplit(".", 1)[0] if attachment.file_name else "") or attachment.category
    if variant != "original":
        rendition = (
            Rendition.objects.select_related("blob").filter(attachment=attachment, variant=variant).first()
        )
        if rendition is not None:
            content_type = rendition.blob.content_type
            # The agent's own file keeps its name (its own extension); the others say what they are.
            name = f"{stem}{'' if variant == 'source' else '-' + variant}{_extension(content_type)}"
            return _entry(tenant_id, rendition.blob, content_type, name, max_age, True, attachment.category)
        if not (variant == "playback" and attachment.category in kinds.PLAYS_ORIGINAL):
            return Refused("no_variant", f"This {attachment.category} has no {variant}.")
    content_type = attachment.mime_type or original.content_type
    name = attachment.file_name or f"{attachment.category}-{str(attachment.id)[:8]}{_extension(content_type)}"
    return _entry(tenant_id, original, content_type, name, max_age, True, attachment.category)


def _resolve_avatar(tenant_id, conversation_id) -> Entry | Refused:
    conversation = (
        Conversation.objects.select_related("avatar").filter(tenant_id=tenant_id, pk=conversation_id).first()
    )
    if conversation is None or conversation.avatar is None:
        return NOT_FOUND  # no picture looks like no conversation: the UI shows initials either way
    blob = conversation.avatar
    name = f"avatar{_extension(blob.content_type)}"
    # Keyed by conversation, not content: revalidated by ETag after max-age, never `immutable`.
    return _entry(tenant_id, blob, blob.content_type, name, settings.AVATAR_CACHE_SECONDS, immutable=False)


def resolve(tenant_id, object_id, variant: str) -> Entry | Refused:
    """The entry, with its body read when it is small enough to cache. Raises StorageError."""
    if variant == signing.AVATAR:
        found = _resolve_avatar(tenant_id, object_id)
    else:
        found = _resolve_attachment(tenant_id, object_id, variant)
    if isinstance(found, Refused) or found.size > settings.MEDIA_CACHE_MAX_BYTES:
        return found
    pieces, left = [], found.size + 1
    with media_storage().open(found.storage_key) as stream:
        while left > 0 and (piece := stream.read(left)):
            pieces.append(piece)
            left -= len(piece)
    body = b"".join(pieces)
    if len(body) != found.size:  # storage holds other bytes than recorded: never cache those
        raise StoredSizeMismatch(found.storage_key, found.size, len(body))
    return Entry(*found.as_tuple()[:-1], body)


class StoredSizeMismatch(StorageError):
    def __init__(self, key: str, expected: int, actual: int) -> None:
        super().__init__(f"object {key} has {actual} bytes, its blob says {expected}")
