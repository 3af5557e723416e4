"""Quick replies ("respostas rápidas"): a tenant's library of saved answers — a text and/or files —
picked with `/shortcut` in the composer and sent as messages.

- A file is checked and prepared for WhatsApp once, when it is saved (the same checks as an agent's
  upload: type from the bytes, the kind's limits, renditions in the isolated process, the virus
  scan; an audio meant as a voice note becomes Ogg/Opus), and stored content-addressed. Every send
  refers to those bytes and renditions, as a forward does: nothing is uploaded or stored again.
- A send makes one message per file, in order; the text goes as the caption of the first file that
  takes one (a picture, a video, a document), else as a text message before the files. The
  messages are sent one after the other (chat.ordering), through the chat's own number.
Every lookup is scoped to the tenant; another tenant's reply or chat is a 404.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from chatmedia.chat import compose, ordering
from chatmedia.chat.models import (
    Attachment,
    Conversation,
    Message,
    QuickReply,
    QuickReplyFile,
    QuickReplyRendition,
    Rendition,
)
from chatmedia.errors import Refused
from chatmedia.media import kinds
from chatmedia.media.filenames import extension_for, safe_file_name
from chatmedia.media.models import Blob
from chatmedia.media.policy import MediaPolicy, Refusal
from chatmedia.media.processing import conversion, pipeline
from chatmedia.media.processing.sniff import detect_file_mime_type
from chatmedia.media.storage import blobs
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

SHORTCUT = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
# Kinds whose WhatsApp message carries a caption (an audio or a voice note has none).
CAPTIONED = frozenset({"image", "video", "document"})


def shortcut_of(raw: str) -> str:
    """A shortcut as it is stored: without the `/`, lower case; a clear 400 when it is not one."""
    shortcut = (raw or "").strip().removeprefix("/").lower()
    if not SHORTCUT.fullmatch(shortcut):
        raise Refused(
            400,
            "bad_shortcut",
            "A shortcut has 1 to 32 letters, digits, - or _, starting with a letter or digit.",
        )
    return shortcut


def _text_of(raw: str) -> str:
    text = (raw or "").strip()
    if len(text) > settings.MESSAGE_TEXT_MAX_CHARS:
        raise Refused(
            400, "text_too_long", f"A message has at most {settings.MESSAGE_TEXT_MAX_CHARS} characters."
        )
    return text


def create(tenant, user, shortcut: str, text: str) -> QuickReply:
    if QuickReply.objects.filter(tenant=tenant).count() >= settings.QUICK_REPLY_MAX_PER_TENANT:
        raise Refused(
            409,
            "too_many_quick_replies",
            f"A team keeps at most {settings.QUICK_REPLY_MAX_PER_TENANT} quick replies.",
        )
    try:
        with transaction.atomic():
            return QuickReply.objects.create(
                tenant=tenant, shortcut=shortcut_of(shortcut), text=_text_of(text), created_by=user
            )
    except IntegrityError:
        raise _taken(shortcut) from None


def update(reply: QuickReply, shortcut: str | None = None, text: str | None = None) -> QuickReply:
    if shortcut is not None:
        reply.shortcut = shortcut_of(shortcut)
    if text is not None:
        reply.text = _text_of(text)
    try:
        with transaction.atomic():
            reply.save()
    except IntegrityError:
        raise _taken(reply.shortcut) from None
    return reply


def _taken(shortcut: str) -> Refused:
    return Refused(409, "shortcut_taken", f"There is already a quick reply /{shortcut_of(shortcut)}.")


def delete(reply: QuickReply) -> None:
    held = _blobs_of(QuickReplyFile.objects.filter(quick_reply=reply))
    with transaction.atomic():
        reply.delete()
        transaction.on_commit(lambda: _release(held), robust=True)


def remove_file(file: QuickReplyFile) -> None:
    held = _blobs_of(QuickReplyFile.objects.filter(pk=file.pk))
    with transaction.atomic():
        file.delete()
        transaction.on_commit(lambda: _release(held), robust=True)


def _blobs_of(files) -> list:
    ids = list(files.values_list("blob_id", flat=True))
    ids += list(QuickReplyRendition.objects.filter(file__in=files).values_list("blob_id", flat=True))
    return list(Blob.objects.filter(pk__in=ids))


def _release(held: list) -> None:
    for blob in held:  # kept while a message (a send of this reply) still refers to it
        blobs.release_blob(blob)


def add_file(reply: QuickReply, upload, *, voice: bool = True) -> QuickReplyFile:
    """Check, prepare and store one file of the reply (`upload`: Django's UploadedFile); `voice`:
    an audio file goes as a voice note."""
    if reply.files.count() >= settings.QUICK_REPLY_MAX_FILES:
        raise Refused(
            400, "too_many_files", f"A quick reply has at most {settings.QUICK_REPLY_MAX_FILES} files."
        )
    if not upload.size:
        raise Refused(400, "empty", "The file is empty.")
    if upload.size > settings.QUICK_REPLY_FILE_MAX_BYTES:
        raise Refused(
            413,
            "too_large",
            f"A quick reply's file is at most {settings.QUICK_REPLY_FILE_MAX_BYTES // 2**20} MB.",
        )
    policy = MediaPolicy.for_uploads()
    with tempfile.TemporaryDirectory(prefix="chatmedia-quick-") as scratch:
        source = os.path.join(scratch, "original")
        with open(source, "wb") as target:
            for chunk in upload.chunks(settings.MEDIA_STREAM_CHUNK_BYTES):
                target.write(chunk)
        with open(source, "rb") as file:
            mime_type = detect_file_mime_type(file)
        category = kinds.default_for(mime_type).name
        if category == "audio" and voice:
            category = "voice"
        name = safe_file_name(upload.name or "")
        limit = settings.UPLOAD_MAX_BYTES[category]
        if upload.size > limit:
            raise Refused(
                413, "too_large", f"The limit for {kinds.of(category).label} is {limit // 2**20} MB."
            )
        made = conversion.make_sendable(source, category, policy, scratch)
        if made.refusal is not None:
            raise Refused(400, made.refusal.code, made.refusal.message)
        path, declared = source, mime_type
        if made.file is not None:
            path, declared = made.file.path, made.file.mime_type
            category = made.category or category  # an animated GIF goes as a video
            name = f"{name.rsplit('.', 1)[0] if '.' in name else name or 'audio'}{extension_for(declared)}"
        checked = pipeline.check_and_store(
            reply.tenant, path, policy, scratch, category=category, declared_type=declared, file_name=name
        )
        if isinstance(checked, Refusal):
            raise Refused(400, checked.code, checked.message)
        original, inspection, renditions = checked
    with transaction.atomic():
        position = (reply.files.aggregate(last=Max("position"))["last"] or 0) + 1
        made = QuickReplyFile.objects.create(
            quick_reply=reply,
            position=position,
            blob=original,
            file_name=name or f"arquivo{extension_for(inspection.mime_type)}",
            mime_type=inspection.mime_type,
            category=category,
            size=original.size,
            metadata=inspection.metadata,
        )
        QuickReplyRendition.objects.bulk_create(
            QuickReplyRendition(file=made, variant=v, blob=b, width=r.width, height=r.height)
            for v, (b, r) in renditions.items()
        )
        blobs.settle(original, *(b for b, _ in renditions.values()))
        QuickReply.objects.filter(pk=reply.pk).update(updated_at=timezone.now())
    logger.info(
        "quick reply /%s: file %s stored (%s, %d bytes)", reply.shortcut, made.pk, made.mime_type, made.size
    )
    return made


def send(tenant, reply_id, conversation_id, reply_to=None) -> list[Message]:
    """The reply's messages in this chat, `processing`, queued one after the other."""
    reply = QuickReply.objects.filter(tenant=tenant, pk=reply_id).first()
    if reply is None:
        raise Refused(404, "not_found", "No such quick reply.")
    conversation = (
        Conversation.objects.filter(tenant=tenant, pk=conversation_id).select_related("connection").first()
    )
    if conversation is None:
        raise Refused(404, "conversation_not_found", "No such conversation.")
    if not conversation.connection.can_send:
        raise Refused(409, "whatsapp_not_connected", "This number has no working WhatsApp connection.")
    files = list(reply.files.prefetch_related("renditions"))
    text = reply.text.strip()
    if not files and not text:
        raise Refused(400, "empty", "This quick reply has no text and no files.")
    quote = compose.quoted_fields(conversation, reply_to)
    takes_caption = next(
        (f for f in files if f.category in CAPTIONED and len(text) <= settings.UPLOAD_CAPTION_MAX_CHARS), None
    )
    made: list[Message] = []
    with transaction.atomic():
        needed = {f.blob_id for f in files} | {r.blob_id for f in files for r in f.renditions.all()}
        if blobs.hold(needed) != needed:
            raise Refused(409, "gone", "A file of this quick reply is no longer stored.")
        if text and takes_caption is None:
            made.append(_message(conversation, text, quote))
        for file in files:
            caption = text if file is takes_caption else ""
            made.append(_message(conversation, caption, {} if made else quote, file))
        ordering.queue_in_order(made)
        conversation.last_activity_at = timezone.now()
        conversation.save(update_fields=["last_activity_at"])
        events.conversation_updated(conversation)
    logger.info("quick reply /%s sent as %d message(s)", reply.shortcut, len(made))
    return made


def _message(
    conversation: Conversation, text: str, quote: dict, file: QuickReplyFile | None = None
) -> Message:
    message = Message.objects.create(
        tenant=conversation.tenant,
        conversation=conversation,
        direction=Message.Direction.OUTGOING,
        text=text,
        status=Message.Status.PROCESSING,
        **quote,
    )
    if file is not None:
        attachment = Attachment.objects.create(
            tenant=conversation.tenant,
            conversation=conversation,
            message=message,
            original_id=file.blob_id,
            file_name=file.file_name,
            declared_mime_type=file.mime_type,
            mime_type=file.mime_type,
            category=file.category,
            size=file.size,
            status=Attachment.Status.READY,
            metadata=file.metadata,
        )
        Rendition.objects.bulk_create(
            Rendition(
                attachment=attachment, variant=r.variant, blob_id=r.blob_id, width=r.width, height=r.height
            )
            for r in file.renditions.all()
        )
    events.message_created(Message.objects.prefetch_related("attachments__renditions").get(pk=message.pk))
    return message
