"""The WhatsApp Cloud API behind the provider seam: media by id, sends (text, media, voice notes,
replies, reactions) with Meta's limits checked before anything is uploaded.

Meta's limits per kind (Cloud API media reference): images 5 MB JPEG/PNG; video 16 MB MP4/3GPP;
audio 16 MB AAC/AMR/MP3/M4A/OGG (a voice note is Ogg/Opus); documents 100 MB; stickers WebP
(500 KB animated). A picture, video or audio file of another type or over its kind's limit goes
as a document, which the customer can still open; over 100 MB nothing is uploaded
(`too_large_for_whatsapp`). Files are uploaded to `/{phone-number-id}/media` (CLOUD_SEND_MEDIA=upload)
or handed over as a short-lived signed URL of ours (`link`, CLOUD_SEND_MEDIA=link).
Sends are not idempotent and Meta never echoes them: an answer that never came leaves the
message `send_unconfirmed` (sending.py), never sent twice.
"""

from __future__ import annotations

import tempfile

from django.conf import settings

from chatmedia.media.storage import media_storage
from chatmedia.whatsapp.outbound import FetchError
from chatmedia.whatsapp.providers.base import Capabilities, Provider, Sent
from chatmedia.whatsapp.providers.cloud import graph

MB = 1024 * 1024
# Meta's own limits, per the kind the message goes as.
MAX_BYTES = {
    "image": 5 * MB,
    "video": 16 * MB,
    "audio": 16 * MB,
    "voice": 16 * MB,
    "document": 100 * MB,
    "sticker": 500 * 1024,
}
TYPES = {
    "image": ("image/jpeg", "image/png"),
    "video": ("video/mp4", "video/3gpp"),
    "audio": ("audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"),
    "voice": ("audio/ogg",),
    "sticker": ("image/webp",),
}


class CloudProvider(Provider):
    name = "cloud"
    capabilities = Capabilities(
        avatars=False,  # the Cloud API has no profile pictures of customers
        group_subjects=False,
        idempotent_sends=False,
        echoes_own_sends=False,
        voice_notes=True,
        max_bytes=MAX_BYTES,
        allowed_types=TYPES,
    )

    def can_send(self, connection) -> bool:
        return connection.can_send

    def fetch_media(self, connection, source: dict, max_bytes: int):
        if source.get("kind") != "cloud" or not source.get("media_id"):
            raise FetchError("no_source", "the message carries no Cloud API media id")
        return graph.download(connection, str(source["media_id"]), max_bytes, source.get("sha256") or "")

    def send(self, connection, message, attachment, client_message_id: str) -> Sent:
        to = message.conversation.remote_jid.split("@")[0]
        body: dict = {"to": to}
        if message.reply_to_wa_id:
            body["context"] = {"message_id": message.reply_to_wa_id}
        if attachment is None:
            body.update(type="text", text={"body": message.text, "preview_url": False})
            return Sent(graph.send_message(connection, body), "text")
        kind = kind_for(attachment.category, attachment.mime_type, attachment.original.size)
        limit = MAX_BYTES[kind]
        if attachment.original.size > limit:
            raise FetchError(
                "too_large_for_whatsapp",
                f"WhatsApp takes {kind} files up to {limit // MB or 0.5} MB; this one has "
                f"{attachment.original.size / MB:.1f} MB",
            )
        media, transport = self._media(connection, attachment)
        wa_type = "audio" if kind == "voice" else kind
        node = dict(media)
        if message.text and wa_type in ("image", "video", "document"):
            node["caption"] = message.text
        if wa_type == "document":
            node["filename"] = attachment.file_name or "arquivo"
        body.update(type=wa_type, **{wa_type: node})
        return Sent(graph.send_message(connection, body), transport)

    def _media(self, connection, attachment) -> tuple[dict, str]:
        blob = attachment.original
        storage = media_storage()
        if settings.CLOUD_SEND_MEDIA == "link":
            url = storage.presign_get(
                blob.storage_key, settings.CLOUD_MEDIA_LINK_TTL_SECONDS, blob.content_type
            )
            return {"link": url}, "url"
        with tempfile.SpooledTemporaryFile(max_size=settings.MEDIA_SPOOL_MEMORY_BYTES) as file:
            for chunk in storage.iter_chunks(blob.storage_key):
                file.write(chunk)
            file.seek(0)
            media_id = graph.upload(connection, file, attachment.mime_type, attachment.file_name or "file")
        return {"id": media_id}, "upload"

    def react(self, connection, message, emoji: str) -> None:
        graph.send_message(
            connection,
            {
                "to": message.conversation.remote_jid.split("@")[0],
                "type": "reaction",
                "reaction": {"message_id": message.wa_message_id, "emoji": emoji},
            },
        )


def kind_for(category: str, mime_type: str, size: int) -> str:
    """What a file goes to Meta as: its own kind when Meta takes that type at that size, else a
    document (the customer can still open it; only a document over 100 MB is refused)."""
    if category in TYPES and mime_type in TYPES[category] and size <= MAX_BYTES[category]:
        return category
    return "document"
