"""The typed items a webhook becomes (each provider's `payloads` makes them, `ingest` and
`actions` store them): a message, a reaction, an edit, a revoke, an album's announcement, a
receipt, a contact or group change, or `Ignored` with its reason. Plain data: no parsing, no I/O."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import datetime

from chatmedia.whatsapp.values import is_group_jid


@dataclass
class MediaRef:
    """What we need to get and describe the bytes of one media message."""

    content_key: str  # imageMessage, audioMessage, ...
    media_type: str  # crypto media type (whose HKDF keys decrypt it)
    category: str  # Attachment.Category value
    mime_type: str  # declared, parameters removed
    url: str = ""
    direct_path: str = ""
    media_key: bytes | None = None
    file_sha256: bytes | None = None
    file_enc_sha256: bytes | None = None
    file_length: int | None = None
    file_name: str = ""
    caption: str = ""
    hints: dict = field(default_factory=dict)  # width/height/duration/ptt/waveform/pages/placeholder
    inline_base64: str | None = None  # Evolution's `data.message.base64` (decrypted file)
    # A provider's own reference (Cloud API: the media id), stored as the attachment's source.
    provider_source: dict | None = None

    def source(self) -> dict:
        """JSON for Attachment.source (secret: holds the media key)."""
        if self.provider_source is not None:
            return dict(self.provider_source)

        def b64(value: bytes | None) -> str | None:
            return base64.b64encode(value).decode() if value is not None else None

        return {
            "kind": "whatsapp",
            "content_key": self.content_key,
            "media_type": self.media_type,
            "url": self.url,
            "direct_path": self.direct_path,
            "media_key": b64(self.media_key),
            "file_sha256": b64(self.file_sha256),
            "file_enc_sha256": b64(self.file_enc_sha256),
            "file_length": self.file_length,
        }


@dataclass
class QuotedRef:
    """What a reply quotes, as the quote itself carries it (we may not have the original)."""

    wa_message_id: str
    author_jid: str  # who wrote the quoted message ('' = unknown)
    text: str
    category: str  # attachment category of the quoted message, '' for text
    placeholder: str = ""  # its inline JPEG thumbnail as a data: URL, if it had one


@dataclass
class IncomingMessage:
    event: str
    wa_message_id: str
    chat_jid: str  # the conversation: phone JID when known, else LID, or the group
    chat_alt_jid: str  # the other address of a 1:1 peer (LID or phone), if any
    from_me: bool
    author_jid: str  # group author (phone preferred), '' in 1:1
    author_name: str
    timestamp: datetime
    text: str
    media: MediaRef | None
    # `{"key":…, "message":{<content key>: node}}` for Evolution getBase64FromMediaMessage.
    evolution_message: dict | None = None
    reply_to: QuotedRef | None = None
    forwarded: bool = False
    forwarding_score: int = 0
    is_view_once: bool = False
    album_parent_id: str = ""  # an album's photo/video: the album announcement's WhatsApp id
    author_alt_jid: str = ""  # a group author's other address (LID or phone)

    @property
    def is_group(self) -> bool:
        return is_group_jid(self.chat_jid)


@dataclass
class Envelope:
    """Where a reaction, revoke or edit happened and who did it (from the message that carried it,
    or the event's key)."""

    chat_jid: str
    chat_alt_jid: str
    from_me: bool
    author_jid: str
    author_name: str
    at: datetime


@dataclass
class Reaction:
    target_wa_id: str
    emoji: str  # '' removes the author's reaction
    where: Envelope


@dataclass
class Revoke:
    target_wa_id: str
    where: Envelope


@dataclass
class Edit:
    target_wa_id: str
    new_text: str
    where: Envelope


@dataclass
class AlbumAnnouncement:
    wa_message_id: str
    chat_jid: str
    expected_count: int  # photos + videos it says will follow


@dataclass
class StatusUpdate:
    wa_message_id: str
    from_me: bool
    status: str  # our Message.status value
    evolution_status: str
    # False: the event's fromMe cannot be trusted (Evolution's Cloud API integration says false for
    # receipts of our own messages): the receipt goes to whichever message has that id.
    direction_known: bool = True
    # A failed send's reason, when the provider gives one (Meta's `errors[]`): our code, a message.
    error_code: str = ""
    error_message: str = ""


@dataclass
class ContactUpdate:
    jid: str
    push_name: str  # '' = says nothing (a bare number is not a name)
    # None: the event says nothing about the picture (null = "not looked up" in contacts.upsert);
    # "": the picture was removed (only an explicit removal says so); else a URL.
    picture_url: str | None
    alt_jid: str = ""  # the contact's other address (LID or phone), when the event gives both


@dataclass
class GroupUpdate:
    jid: str
    subject: str


@dataclass
class ConnectionState:
    """What the provider says about our number: `connected`, `disconnected` or `auth_error`
    (tenancy.Connection.Status values), why, and the number itself when it says."""

    status: str
    detail: str = ""
    phone: str = ""


@dataclass
class Ignored:
    reason: str


Item = (
    IncomingMessage
    | Reaction
    | Revoke
    | Edit
    | AlbumAnnouncement
    | StatusUpdate
    | ContactUpdate
    | GroupUpdate
    | ConnectionState
    | Ignored
)


@dataclass
class Webhook:
    event: str
    instance: str
    items: list[Item]
