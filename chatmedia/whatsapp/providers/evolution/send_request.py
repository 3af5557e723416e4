"""The Evolution call that sends one message: route, body and how the bytes travel.

Evolution's rules (shared/spec/evolution-api.md §10): `sendMedia` for pictures, video, documents and
audio files, `sendWhatsAppAudio` for voice notes; Evolution takes the MIME type from `fileName`'s
extension and ignores `mimetype` when a name is given; it re-encodes pictures to JPEG (so they get
no name); base64 above ~2.7 MB crashes it; it appends `?timestamp=` to audio URLs, which breaks a
presigned S3 URL; Evolution >= 2.4 takes our own `messageId`.
"""

from __future__ import annotations

import base64
import mimetypes

from django.conf import settings

from chatmedia.chat.models import Attachment, Message
from chatmedia.media.filenames import extension_for
from chatmedia.media.processing.sniff import canonical_mime_type
from chatmedia.media.storage import media_storage, upload_tokens

# What WhatsApp plays as video / audio in the chat; other videos and audio files (WebM, MOV, WAV…)
# would arrive unplayable, so they go as documents, which the customer can still open.
WHATSAPP_VIDEO_TYPES = ("video/mp4", "video/3gpp")
WHATSAPP_AUDIO_TYPES = ("audio/mpeg", "audio/mp4", "audio/aac", "audio/ogg", "audio/amr")


def _file_name_for(attachment: Attachment) -> str:
    """Evolution takes the MIME type from the name's extension (and ignores `mimetype`): make it right."""
    name = attachment.file_name or "file"
    guessed = canonical_mime_type(mimetypes.guess_type(name)[0] or "")
    return name if guessed == attachment.mime_type else name + extension_for(attachment.mime_type)


def _media_reference(attachment: Attachment, base64_limit: int, *, tolerant_url: bool) -> tuple[str, str]:
    """(value for Evolution's `media`/`audio` field, transport): base64 for small files when asked,
    else a short-lived URL Evolution downloads from. `tolerant_url`: one that still works when
    Evolution appends `?timestamp=` (ours; a presigned S3 URL would break)."""
    blob = attachment.original
    storage = media_storage()
    if blob.size <= base64_limit:
        data = b"".join(storage.iter_chunks(blob.storage_key))
        return base64.b64encode(data).decode(), "base64"
    ttl = settings.EVOLUTION_MEDIA_URL_TTL_SECONDS
    if tolerant_url:
        url = upload_tokens.download_url(key=blob.storage_key, expires_in=ttl, content_type=blob.content_type)
    else:
        url = storage.presign_get(blob.storage_key, ttl, blob.content_type)
    return url, "url"


def _mediatype_of(attachment: Attachment) -> str:
    category, mime_type = attachment.category, attachment.mime_type
    if category == Attachment.Category.IMAGE:
        return "image"
    if category == Attachment.Category.VIDEO and mime_type in WHATSAPP_VIDEO_TYPES:
        return "video"
    if category == Attachment.Category.AUDIO and mime_type in WHATSAPP_AUDIO_TYPES:
        return "audio"
    return "document"


def build_request(
    message: Message, attachment: Attachment | None, client_message_id: str
) -> tuple[str, dict, str]:
    """(route, JSON body, transport) of the Evolution call that sends this attachment (or, with
    none, the message's text)."""
    number = message.conversation.remote_jid
    if attachment is None:
        body = {"number": number, "text": message.text}
        route, transport = "sendText", "text"
    elif attachment.category == Attachment.Category.VOICE:
        audio, transport = _media_reference(
            attachment, settings.EVOLUTION_VOICE_BASE64_MAX_BYTES, tolerant_url=True
        )
        # Already Ogg/Opus mono 48 kHz (media.processing.outgoing): sent as it is, no second encoding.
        body = {"number": number, "audio": audio, "encoding": False}
        route = "sendWhatsAppAudio"
    else:
        media, transport = _media_reference(
            attachment, settings.EVOLUTION_BASE64_MAX_BYTES, tolerant_url=False
        )
        mediatype = _mediatype_of(attachment)
        body = {"number": number, "mediatype": mediatype, "media": media, "mimetype": attachment.mime_type}
        if mediatype != "image":  # images are re-encoded to JPEG by Evolution: a name would mislabel them
            body["fileName"] = _file_name_for(attachment)
        if message.text and mediatype != "audio":
            body["caption"] = message.text
        route = "sendMedia"
    if message.reply_to_wa_id:
        body["quoted"] = quoted_option(message)
    if settings.EVOLUTION_IDEMPOTENT_SENDS:
        body["messageId"] = client_message_id
    return route, body, transport


def quoted_option(message: Message) -> dict:
    """Evolution's `quoted` (message.schema.ts: `{key: {id, remoteJid, fromMe}, message}`): the
    message replied to, as WhatsApp knows it."""
    quoted = message.quoted or {}
    target = Message.objects.filter(
        conversation_id=message.conversation_id, wa_message_id=message.reply_to_wa_id
    ).first()
    from_me = (target.direction if target else quoted.get("direction")) == Message.Direction.OUTGOING
    key = {"id": message.reply_to_wa_id, "remoteJid": message.conversation.remote_jid, "fromMe": from_me}
    if target is not None and target.author_jid:
        key["participant"] = target.author_jid
    text = target.text if target is not None else quoted.get("text", "")
    return {"key": key, "message": {"conversation": text}}
