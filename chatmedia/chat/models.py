"""Conversations, messages and their attachments: what an agent sees in the web chat.

Every row carries its tenant; every query from a request goes through `tenancy.scoping`.
The states are shared with the web UI and the WebSocket events: keep their names stable.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from chatmedia.media import kinds as media_kinds
from chatmedia.media.models import Blob
from chatmedia.tenancy.models import Connection, Tenant


class Conversation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="conversations")
    # The number of ours the person writes to: the same customer on two of our numbers is two
    # conversations. A connection that has conversations cannot be deleted alone (RESTRICT; the
    # tenant can, with everything of it).
    connection = models.ForeignKey(Connection, on_delete=models.RESTRICT, related_name="conversations")
    remote_jid = models.CharField(max_length=255, help_text="WhatsApp JID of the person or group.")
    # The peer's other address: the LID of a phone-keyed contact (or the phone of a LID-only one).
    alt_jid = models.CharField(max_length=255, blank=True)
    display_name = models.CharField(max_length=255, blank=True)
    is_group = models.BooleanField(default=False)
    # Profile picture: our stored copy, plus the hash of the WhatsApp URL it came from, so it is
    # fetched again only when WhatsApp hands out a different picture.
    avatar = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    avatar_source_hash = models.CharField(max_length=64, blank=True)
    avatar_checked_at = models.DateTimeField(null=True, blank=True)
    avatar_updated_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)
    # When the team last saw this chat in the web chat: incoming messages that arrived after it
    # are unread (shared by the tenant's agents, as one inbox). Null: nothing was ever read.
    agent_read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "remote_jid"], name="conversation_unique_connection_jid"
            )
        ]
        indexes = [
            models.Index(fields=["tenant", "-last_activity_at"], name="conversation_recent"),
            models.Index(fields=["connection", "alt_jid"], name="conversation_connection_alt"),
        ]

    def __str__(self) -> str:
        return self.display_name or self.remote_jid


# Messages newest first. WhatsApp timestamps have one-second resolution: within a second, the
# order of arrival.
NEWEST_FIRST = ("-timestamp", "-created_at", "-id")


class Message(models.Model):
    class Direction(models.TextChoices):
        INCOMING = "in", "Incoming"
        OUTGOING = "out", "Outgoing"

    class Status(models.TextChoices):
        PENDING = "pending"
        PROCESSING = "processing"
        SENT = "sent"
        DELIVERED = "delivered"
        READ = "read"
        PLAYED = "played"  # a voice note the customer listened to (after read)
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="messages")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    # WhatsApp's key.id. Null until an outgoing message has been accepted by WhatsApp.
    wa_message_id = models.CharField(max_length=128, null=True, blank=True)  # noqa: DJ001 - NULLs never collide in the unique constraint
    direction = models.CharField(max_length=3, choices=Direction.choices)
    author_jid = models.CharField(max_length=255, blank=True, help_text="Sender within a group.")
    author_name = models.CharField(max_length=255, blank=True)
    text = models.TextField(blank=True, help_text="Text of a text message, or the caption of media.")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    # When each state was reached (the message's info: sent, delivered, read, played); a state
    # skipped (a read receipt before the delivery one) takes the time of the one that implied it.
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    played_at = models.DateTimeField(null=True, blank=True)
    # When WhatsApp says it was sent (messageTimestamp); the chat is ordered by it.
    timestamp = models.DateTimeField(default=timezone.now)
    # When we learned of it: for an incoming message, when its webhook arrived (not when a worker
    # got to it), so messages of the same second keep the order WhatsApp sent them in.
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Deleted for everyone (a revoke): text, captions and bytes are no longer shown (chat.history).
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by_jid = models.CharField(max_length=255, blank=True)
    # Its content erased with its customer's data (privacy.erasure), the row kept as the tenant requires.
    erased_at = models.DateTimeField(null=True, blank=True)
    # Edited: `text` is the newest; `edits` the earlier texts, oldest first: [{"text", "at"}].
    edited_at = models.DateTimeField(null=True, blank=True)
    edits = models.JSONField(default=list, blank=True)
    # A reply: the quoted message's WhatsApp id, and what the quote itself carried
    # ({"author_jid", "text", "category", "placeholder"}) for when we never had the original.
    reply_to_wa_id = models.CharField(max_length=128, blank=True)
    quoted = models.JSONField(default=dict, blank=True)
    # One of an album's photos or videos: the album announcement's WhatsApp id.
    album_wa_id = models.CharField(max_length=128, blank=True)
    forwarded = models.BooleanField(default=False)
    forwarding_score = models.PositiveIntegerField(default=0)
    is_view_once = models.BooleanField(default=False)
    view_once_opened_at = models.DateTimeField(null=True, blank=True)
    view_once_opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Sent only once this one is sent or failed (messages that go together, in order: a quick reply's
    # files, a forward of several); cleared when it is queued (chat.ordering).
    # No database constraint: inserting a row that names a message would share-lock it, and a send
    # confirming that message locks it for update while the upload's transaction holds the tenant's
    # quota lock — a deadlock seen in CI. Django still sets it to NULL when the message goes.
    send_after = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sent_next",
        db_constraint=False,
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "conversation", "wa_message_id"], name="message_unique_tenant_chat_waid"
            )
        ]
        indexes = [
            models.Index(fields=["conversation", "-timestamp"], name="message_timeline"),
            models.Index(fields=["tenant", "wa_message_id"], name="message_waid"),
            models.Index(
                fields=["conversation", "album_wa_id"],
                name="message_album",
                condition=~models.Q(album_wa_id=""),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.wa_message_id or self.id}"


class Reaction(models.Model):
    """One person's emoji on a message: a new one by the same author replaces it; '' is a removed
    one (kept with its time, so an older reaction arriving late stays dropped).
    Our own account's reactions (sent by an agent, or from the phone) have `from_me` and no JID."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="reactions")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    author_jid = models.CharField(max_length=255, blank=True)
    author_name = models.CharField(max_length=255, blank=True)
    from_me = models.BooleanField(default=False)
    emoji = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["message", "author_jid", "from_me"], name="reaction_one_per_author"
            )
        ]

    def __str__(self) -> str:
        return f"{self.emoji} on {self.message_id}"


class Album(models.Model):
    """An album's announcement: how many photos and videos it said would follow."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    wa_message_id = models.CharField(max_length=128)
    expected_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["tenant", "wa_message_id"], name="album_unique_waid")]

    def __str__(self) -> str:
        return f"album {self.wa_message_id}"


class Attachment(models.Model):
    # One member per media kind (chatmedia/media/kinds.py): IMAGE = "image", …
    Category = models.TextChoices("Category", [(name.upper(), name) for name in media_kinds.NAMES])

    class Status(models.TextChoices):
        PENDING = "pending"
        UPLOADING = "uploading"
        PROCESSING = "processing"
        READY = "ready"
        FAILED = "failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="attachments")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="attachments"
    )
    original = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.RESTRICT, related_name="+")
    file_name = models.CharField(max_length=255, blank=True, help_text="Sanitized; never used in a key.")
    declared_mime_type = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=255, blank=True, help_text="Detected from the bytes.")
    category = models.CharField(max_length=16, choices=Category.choices)
    size = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=64, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    # width/height (after EXIF rotation), duration, pages, waveform, blurhash, ptt, animated, frames.
    metadata = models.JSONField(default=dict, blank=True)
    # The text inside a document (a PDF's pages, a text file), extracted while it was processed and
    # capped (MEDIA_DOCUMENT_TEXT_MAX_CHARS): for search only, never sent to clients.
    searchable_text = models.TextField(blank=True)

    # A recording's transcript (media.transcription): "" when none is made (off, not a recording),
    # then pending → done (the text in metadata["transcript"]) or failed (a code and a reason here).
    class Transcript(models.TextChoices):
        NONE = "", "none"
        PENDING = "pending"
        DONE = "done"
        FAILED = "failed"

    transcript_status = models.CharField(max_length=16, choices=Transcript.choices, blank=True, default="")
    transcript_error_code = models.CharField(max_length=64, blank=True)
    transcript_error = models.CharField(max_length=300, blank=True)
    transcript_requested_at = models.DateTimeField(null=True, blank=True)
    # Removed on request (LGPD, privacy.removal): the bytes are gone, the row says who and when.
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_by_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user goes.")

    class Removal(models.TextChoices):
        REQUEST = "request"  # someone removed it (privacy.removal)
        RETENTION = "retention"  # older than the tenant keeps its kind (privacy.retention)
        ERASURE = "erasure"  # its customer's data was erased (privacy.erasure)

    removed_reason = models.CharField(max_length=16, choices=Removal.choices, blank=True)
    # Where the bytes come from (WhatsApp media reference: url, directPath, mediaKey, hashes).
    # Holds key material: never serialized to clients, never logged.
    source = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "status"], name="attachment_status"),
            # Retention finds a tenant's files of one kind older than a date, not yet removed.
            models.Index(
                fields=["tenant", "category", "created_at"],
                name="attachment_retention",
                condition=models.Q(removed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.id}"


class Rendition(models.Model):
    """A derived file of an attachment (thumbnail, preview, playable audio, video poster)."""

    # Every rendition any media kind may have (chatmedia/media/kinds.py): THUMB = "thumb", …
    Variant = models.TextChoices("Variant", [(name.upper(), name) for name in media_kinds.RENDITIONS])

    attachment = models.ForeignKey(Attachment, on_delete=models.CASCADE, related_name="renditions")
    variant = models.CharField(max_length=16, choices=Variant.choices)
    blob = models.ForeignKey(Blob, on_delete=models.RESTRICT, related_name="+")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["attachment", "variant"], name="rendition_unique_variant")
        ]

    def __str__(self) -> str:
        return f"{self.attachment_id} {self.variant}"


class SearchEntry(models.Model):
    """What search finds of a message (chat.search): its text, its files' names and the text inside
    them, one row per message. PostgreSQL matches it by a GIN index of its `portuguese` vector
    without accents; SQLite by an FTS5 table kept in step by triggers (migration 0009)."""

    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    content = models.TextField()
    timestamp = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["tenant", "-timestamp"], name="search_tenant_recent")]

    def __str__(self) -> str:
        return f"search entry of {self.message_id}"


class Erasure(models.Model):
    """A customer erased on request (LGPD art. 18; privacy.erasure): every message, file, avatar and
    transcript of one contact across the tenant's numbers, worked through in the background with
    its progress here, resumable, ending with a report."""

    class Status(models.TextChoices):
        QUEUED = "queued"
        RUNNING = "running"
        DONE = "done"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    # Digits of the customer's number (their WhatsApp JIDs start with it); never shown once done.
    phone = models.CharField(max_length=32)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_by_name = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    # Whether message rows stay, without content (the tenant's `erasure_keeps_metadata` then).
    keeps_metadata = models.BooleanField(default=False)
    conversations = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    files = models.PositiveIntegerField(default=0)
    bytes_freed = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="erasure_running")]

    def __str__(self) -> str:
        return f"erasure {self.pk} ({self.status})"


class QuickReply(models.Model):
    """A saved answer of a tenant's team ("resposta rápida"): a text and/or files, picked with `/`
    in the composer by its shortcut and sent as messages (chat.quick_replies). Its files are stored
    once (content-addressed) and every send refers to the same bytes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="quick_replies")
    shortcut = models.CharField(
        max_length=32, help_text="Typed after / in the composer: letters, digits, - and _."
    )
    text = models.TextField(
        blank=True, help_text="The message, or the caption of the first file that takes one."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["tenant", "shortcut"], name="quick_reply_unique_shortcut")
        ]
        ordering = ["shortcut"]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class QuickReplyFile(models.Model):
    """One file of a quick reply, in order, checked and prepared for WhatsApp when saved (an audio
    to go as a voice note is already Ogg/Opus): its bytes and renditions are tenant Blobs that
    every send refers to, as a forward does."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    quick_reply = models.ForeignKey(QuickReply, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    blob = models.ForeignKey(Blob, on_delete=models.RESTRICT, related_name="+")
    file_name = models.CharField(max_length=255, blank=True)
    mime_type = models.CharField(max_length=255, help_text="Detected from the bytes.")
    category = models.CharField(max_length=16, choices=Attachment.Category.choices)
    size = models.BigIntegerField()
    metadata = models.JSONField(default=dict, blank=True)  # as an attachment's: duration, waveform…
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "created_at"]

    def __str__(self) -> str:
        return f"{self.quick_reply_id} {self.file_name}"


class QuickReplyRendition(models.Model):
    """A rendition of a quick reply's file (thumbnail, poster, playback), copied to each send."""

    file = models.ForeignKey(QuickReplyFile, on_delete=models.CASCADE, related_name="renditions")
    variant = models.CharField(max_length=16, choices=Rendition.Variant.choices)
    blob = models.ForeignKey(Blob, on_delete=models.RESTRICT, related_name="+")
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.file_id} {self.variant}"
