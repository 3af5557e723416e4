"""Browser uploads of outgoing media: validate → presigned PUT or multipart → verify → queue the send.

The bytes never pass through our web process when media lives on S3: the browser PUTs them to a
presigned URL (Content-Type and length signed), or part by part for files above
UPLOAD_MULTIPART_THRESHOLD_BYTES. With local storage the URLs point at our own signed endpoint
(`media.uploads.local`) with the same contract, so the web UI never knows which backend runs.

1. `start`: everything that can be refused is refused before a byte moves: the conversation must be
   the tenant's, the tenant connected to WhatsApp, the type allowed for its category, the declared
   size within the category limit and the tenant's quota. Creates the message (pending), its
   attachment (uploading) and the Upload row, then hands out the URLs.
2. `complete`: the client says it is done. The object must exist, have exactly the declared size,
   and its real type (sniffed from its first bytes) must be allowed and fit the category; otherwise
   the attachment fails with the reason and the object is deleted. A client that lies is caught
   here, whatever it declared; the worker checks the whole file again before anything is sent.
   Completing twice is harmless: the second call reports the state and queues nothing.
3. `cancel`: while uploading (or after a failure), delete the upload, its bytes and the message.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia import jobs
from chatmedia.chat import ordering
from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.errors import Refused
from chatmedia.media import kinds
from chatmedia.media.filenames import default_file_name, extension_for, safe_file_name
from chatmedia.media.models import Upload
from chatmedia.media.policy import CATEGORY_LABELS, MediaPolicy, human_size
from chatmedia.media.processing import inspection as processing
from chatmedia.media.processing.sniff import canonical_mime_type
from chatmedia.media.processing.video import AUDIO_TYPE_OF_CONTAINER
from chatmedia.media.storage import (
    InvalidUpload,
    ObjectNotFound,
    StorageError,
    UploadedPart,
    media_storage,
    quota,
)
from chatmedia.media.storage.keys import incoming_upload_key
from chatmedia.realtime import events
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)

UPLOADABLE = kinds.UPLOADABLE


class UploadRefused(Refused):
    """An upload we do not start or complete."""


@dataclass(frozen=True)
class NewUpload:
    conversation_id: str
    file_name: str
    mime_type: str
    size: int
    voice: bool = False
    caption: str = ""
    reply_to: str | None = None  # a message of the conversation the file answers (quoted)
    after: str | None = None  # an upload (attachment id) of the conversation this one is sent after


def client_policy() -> dict:
    """The rules of `start` as data, for the browser to refuse a file before it uploads."""
    policy = MediaPolicy.for_uploads()
    return {
        "max_bytes": {c: min(policy.limit_for(c), settings.MEDIA_MAX_OBJECT_BYTES) for c in UPLOADABLE},
        "allowed_types": {c: list(policy.allowed_types[c]) for c in UPLOADABLE},
        "voice_container_types": AUDIO_TYPE_OF_CONTAINER,
        "caption_max_chars": settings.UPLOAD_CAPTION_MAX_CHARS,
        "text_max_chars": settings.MESSAGE_TEXT_MAX_CHARS,
    }


def _category(policy: MediaPolicy, mime_type: str, voice: bool) -> tuple[str, str]:
    """(category, the type the upload is signed for)."""
    if voice:
        # A recording picked from disk is often labelled video/webm or video/mp4 by its extension.
        mime_type = AUDIO_TYPE_OF_CONTAINER.get(mime_type, mime_type)
        if mime_type not in policy.allowed_types["voice"]:
            raise UploadRefused(415, "type_not_allowed", f"{mime_type} cannot be sent as a voice note")
        return "voice", mime_type
    category = policy.category_for(mime_type)
    if mime_type not in policy.allowed_types[category]:
        raise UploadRefused(415, "type_not_allowed", f"{mime_type} files cannot be sent")
    return category, mime_type


def _check_size(policy: MediaPolicy, category: str, size: int) -> None:
    if size <= 0:
        raise UploadRefused(400, "empty", "The file is empty.")
    limit = policy.limit_for(category)
    if size > min(limit, settings.MEDIA_MAX_OBJECT_BYTES):
        raise UploadRefused(
            413,
            "too_large",
            f"The file has {human_size(size)}; the limit for {CATEGORY_LABELS[category]} "
            f"is {human_size(limit)}.",
        )


def _instructions(upload: Upload) -> dict:
    storage = media_storage()
    ttl = settings.UPLOAD_URL_TTL_SECONDS
    if not upload.multipart_id:
        put = storage.presign_put(upload.storage_key, upload.content_type, ttl, content_length=upload.size)
        return {"method": put.method, "url": put.url, "headers": put.headers}
    return {
        "multipart": True,
        "part_size": upload.part_size,
        "parts": part_urls(upload, range(1, upload.part_count + 1)),
    }


def part_urls(upload: Upload, numbers) -> list[dict]:
    storage = media_storage()
    ttl = settings.UPLOAD_URL_TTL_SECONDS
    return [
        {"number": n, "url": storage.presign_part(upload.storage_key, upload.multipart_id, n, ttl)}
        for n in numbers
    ]


def start(tenant: Tenant, request: NewUpload) -> tuple[Attachment, dict]:
    """Validate, create message + attachment + upload, and return (attachment, upload instructions)."""
    conversation = Conversation.objects.filter(tenant=tenant, pk=request.conversation_id)
    conversation = conversation.select_related("connection").first()
    if conversation is None:
        raise UploadRefused(404, "conversation_not_found", "No such conversation.")
    if not conversation.connection.can_send:
        raise UploadRefused(409, "whatsapp_not_connected", "This number has no working WhatsApp connection.")
    caption = request.caption or ""
    if len(caption) > settings.UPLOAD_CAPTION_MAX_CHARS:
        raise UploadRefused(
            400, "caption_too_long", f"A caption has at most {settings.UPLOAD_CAPTION_MAX_CHARS} characters."
        )
    if request.voice and caption:
        raise UploadRefused(400, "caption_not_allowed", "Voice notes cannot have a caption.")
    from chatmedia.chat.compose import quoted_fields

    reply = quoted_fields(conversation, request.reply_to)
    policy = MediaPolicy.for_uploads()
    category, mime_type = _category(policy, canonical_mime_type(request.mime_type), request.voice)
    _check_size(policy, category, request.size)
    multipart = request.size > settings.UPLOAD_MULTIPART_THRESHOLD_BYTES
    file_name = safe_file_name(request.file_name) or default_file_name(category, mime_type, timezone.now())
    if "." not in file_name:
        file_name += extension_for(mime_type)
    with transaction.atomic():
        Tenant.objects.select_for_update().filter(pk=tenant.pk).first()  # one quota check at a time
        if quota.usage(tenant).free_bytes < request.size:
            raise UploadRefused(
                403, "quota_exceeded", "This account's storage is full; delete old media or raise the quota."
            )
        message = Message.objects.create(
            tenant=tenant,
            conversation=conversation,
            direction=Message.Direction.OUTGOING,
            text=caption,
            status=Message.Status.PENDING,
            send_after=_predecessor(conversation, request.after),
            **reply,
        )
        attachment = Attachment.objects.create(
            tenant=tenant,
            conversation=conversation,
            message=message,
            category=category,
            declared_mime_type=mime_type,
            file_name=file_name,
            size=request.size,
            status=Attachment.Status.UPLOADING,
            metadata={"ptt": True} if request.voice else {},
            source={"kind": "upload"},
        )
        upload = Upload(
            attachment=attachment,
            tenant=tenant,
            storage_key=incoming_upload_key(tenant.id, attachment.id),
            content_type=mime_type,
            size=request.size,
        )
        if multipart:
            upload.part_size = settings.UPLOAD_PART_BYTES
            upload.multipart_id = media_storage().create_multipart(upload.storage_key, mime_type)
        upload.save()
        instructions = _instructions(upload)
        events.message_created(Message.objects.prefetch_related("attachments").get(pk=message.pk))
        conversation.last_activity_at = message.timestamp
        conversation.save(update_fields=["last_activity_at"])
        events.conversation_updated(conversation)  # the chat moves to the top of the list
    logger.info(
        "upload %s started: %s %s, %d bytes%s",
        attachment.id,
        category,
        mime_type,
        request.size,
        " (multipart)" if multipart else "",
    )
    return attachment, instructions


def _locked(attachment_id) -> tuple[Attachment, Upload | None]:
    attachment = (
        Attachment.objects.select_for_update(of=("self",))
        .select_related("message", "tenant")
        .get(pk=attachment_id)
    )
    return attachment, Upload.objects.filter(attachment=attachment).first()


def list_parts(upload: Upload) -> list[UploadedPart]:
    if not upload.multipart_id:
        raise UploadRefused(400, "not_multipart", "This upload is a single PUT; it has no parts.")
    try:
        return media_storage().list_parts(upload.storage_key, upload.multipart_id)
    except ObjectNotFound:
        raise UploadRefused(404, "no_such_upload", "The multipart upload does not exist any more.") from None


def _predecessor(conversation: Conversation, after: str | None) -> Message | None:
    """The message of upload `after` when it is this chat's and not sent yet (then this one waits
    for it: chat.ordering); else None — an unknown or another chat's id orders nothing."""
    if not after:
        return None
    return Message.objects.filter(
        conversation=conversation,
        direction=Message.Direction.OUTGOING,
        status__in=[Message.Status.PENDING, Message.Status.PROCESSING],
        attachments__pk=after,
    ).first()


def _turn_has_come(message: Message) -> bool:
    """Whether the message may be sent now: nothing before it, or what was before it has ended (its
    row locked, so its end and this check cannot cross: the one that commits second queues it)."""
    if message.send_after_id is None:
        return True
    before = Message.objects.select_for_update().filter(pk=message.send_after_id).first()
    return before is None or before.status not in (Message.Status.PENDING, Message.Status.PROCESSING)


def complete(attachment_id, parts: list[UploadedPart]) -> Attachment:
    """Verify the uploaded object and queue the send; the attachment as it stands afterwards."""
    storage = media_storage()
    with transaction.atomic():
        attachment, upload = _locked(attachment_id)
        if attachment.status != Attachment.Status.UPLOADING or upload is None:
            return attachment  # completed already (or cancelled, or failed): nothing more to do
        if upload.multipart_id:
            if not parts:
                raise UploadRefused(400, "parts_required", "Give the number and ETag of every part.")
            try:
                storage.complete_multipart(upload.storage_key, upload.multipart_id, parts)
            except InvalidUpload as exc:
                raise UploadRefused(
                    400, "invalid_parts", f"The parts do not match what was uploaded: {exc}"
                ) from None
            except StorageError as exc:
                # Joined by an earlier call that failed before recording it (S3 then answers
                # NoSuchUpload, s3rver an internal error): the object is there, so check it.
                if not storage.exists(upload.storage_key):
                    if isinstance(exc, ObjectNotFound):
                        message = "The multipart upload does not exist."
                        raise UploadRefused(404, "no_such_upload", message) from None
                    raise
        refusal = _verify(attachment, upload)
        if refusal is not None:
            code, message = refusal
            _fail_upload(attachment, upload, code, message)
            return attachment
        upload.completed_at = timezone.now()
        upload.save(update_fields=["completed_at"])
        attachment.status = Attachment.Status.PROCESSING
        attachment.save(update_fields=["status", "updated_at"])
        message = attachment.message
        Message.objects.filter(pk=message.pk, status=Message.Status.PENDING).update(
            status=Message.Status.PROCESSING
        )
        message.status = Message.Status.PROCESSING
        events.message_status(message)
        if _turn_has_come(message):
            jobs.after_commit("whatsapp.send_outgoing", str(attachment.id))
        # else: queued by chat.ordering once the file before it is sent (or failed)
    logger.info("upload %s completed (%d bytes); queued for sending", attachment.id, upload.size)
    return attachment


def _verify(attachment: Attachment, upload: Upload) -> tuple[str, str] | None:
    """(code, message) when the uploaded object is not what was declared, else None."""
    storage = media_storage()
    try:
        size = storage.size(upload.storage_key)
    except ObjectNotFound:
        return "not_uploaded", "No file arrived for this upload."
    if size != upload.size:
        return (
            "size_mismatch",
            f"The file that arrived has {size} bytes, but {upload.size} bytes were announced.",
        )
    head = b"".join(storage.open_range(upload.storage_key, 0, settings.UPLOAD_SNIFF_BYTES - 1))
    screening = processing.screen_head(
        head,
        size,
        MediaPolicy.for_uploads(),
        category=attachment.category,
        declared_type=attachment.declared_mime_type,
        file_name=attachment.file_name,
    )
    if screening.refusal is not None:
        if screening.refusal.code == "type_not_allowed":
            return (
                "type_mismatch",
                f"The file is {screening.mime_type}, not what was announced "
                f"({attachment.declared_mime_type}); {screening.refusal.message}.",
            )
        return screening.refusal.code, screening.refusal.message[:1].upper() + screening.refusal.message[1:]
    return None


def _fail_upload(attachment: Attachment, upload: Upload, code: str, message: str) -> None:
    """Inside the caller's transaction: mark attachment and message failed, drop the bytes."""
    attachment.status = Attachment.Status.FAILED
    attachment.error_code, attachment.error_message = code, message[:500]
    attachment.save(update_fields=["status", "error_code", "error_message", "updated_at"])
    Message.objects.filter(pk=attachment.message_id).update(
        status=Message.Status.FAILED, error_code=code, error_message=message[:500]
    )
    attachment.message.refresh_from_db()
    events.attachment_changed(attachment)
    events.message_status(attachment.message)
    key = upload.storage_key
    upload.delete()
    transaction.on_commit(lambda: delete_upload_bytes(key))
    logger.info("upload %s refused at completion: %s: %s", attachment.id, code, message)


def delete_upload_bytes(key: str, multipart_id: str = "") -> None:
    """Abort the multipart upload and delete the object; failures are left to housekeeping."""
    storage = media_storage()
    if multipart_id:
        with contextlib.suppress(ObjectNotFound):
            try:
                storage.abort_multipart(key, multipart_id)
            except StorageError as exc:  # housekeeping's sweep of incoming/ gets it later
                logger.warning("could not abort multipart upload of %s: %s", key, exc)
    try:
        storage.delete(key)
    except StorageError as exc:
        logger.warning("could not delete uploaded object %s: %s", key, exc)


CANCELLABLE_MESSAGE_STATES = (Message.Status.PENDING, Message.Status.FAILED)


def cancel(attachment_id) -> None:
    """Delete an upload that is in progress (or a message that failed): its bytes, rows and message."""
    with transaction.atomic():
        attachment, upload = _locked(attachment_id)
        message = attachment.message
        if message is None or message.status not in CANCELLABLE_MESSAGE_STATES:
            raise UploadRefused(
                409, "too_late", "This message is already being sent; it can no longer be cancelled."
            )
        key, multipart_id = (upload.storage_key, upload.multipart_id) if upload else ("", "")
        discard_message(message)
        if key:
            transaction.on_commit(lambda: delete_upload_bytes(key, multipart_id))
    logger.info("upload %s cancelled", attachment_id)


def discard_message(message: Message) -> None:
    """Delete an outgoing message that never reached WhatsApp, and tell the browsers. Stored blobs
    nothing else refers to are released by `media.storage.lifecycle` after the commit."""
    tenant_id, conversation_id, message_id = message.tenant_id, message.conversation_id, message.id
    ordering.release_next(message_id)  # what waited on it goes now
    message.delete()
    events.message_deleted(tenant_id, conversation_id, message_id)
