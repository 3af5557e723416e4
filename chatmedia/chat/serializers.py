"""JSON shapes of the chat API. The attachment shape is a fixed contract (design §11):
`{id, status, category, mime_type, size, file_name, error, metadata, urls}`.
Secrets and storage details (source, keys, blob ids) are never serialized.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmedia.chat import unread
from chatmedia.chat.models import NEWEST_FIRST, Album, Attachment, Conversation, Message
from chatmedia.media.serving import signing
from chatmedia.whatsapp.recovery import can_fetch_again


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


class AttachmentErrorSerializer(ErrorSerializer):
    retryable = serializers.BooleanField(help_text="Fetching it again may work (not refused for what it is).")


def _error_of(obj) -> dict | None:
    if not obj.error_code:
        return None
    return {"code": obj.error_code, "message": obj.error_message}


def _withheld(attachment) -> bool:
    """Its message was deleted for everyone, or is a view-once file nobody has opened yet: no URL.
    (The message is in the prefetch cache when the attachment came with its message.)"""
    message = attachment.message if attachment.message_id else None
    if message is None:
        return False
    return message.deleted_at is not None or (message.is_view_once and message.view_once_opened_at is None)


class AttachmentSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()
    metadata = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "status", "category", "mime_type", "size", "file_name", "error", "metadata", "urls"]

    @extend_schema_field(AttachmentErrorSerializer(allow_null=True))
    def get_error(self, obj) -> dict | None:
        error = _error_of(obj)
        if error is not None:
            error["retryable"] = can_fetch_again(obj)
        return error

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_urls(self, obj) -> dict[str, str]:
        """A signed same-origin URL per variant that exists, once the file is `ready` (it passed every
        check); none before, so nothing unscreened ever reaches a browser."""
        if obj.status != Attachment.Status.READY or not obj.original_id or _withheld(obj):
            return {}
        variants = ["original"]
        variants += sorted(rendition.variant for rendition in obj.renditions.all())
        return {variant: signing.signed_url(obj.tenant_id, obj.id, variant) for variant in variants}

    @extend_schema_field(serializers.DictField())
    def get_metadata(self, obj) -> dict:
        """What the bytes say (and WhatsApp's hints); a recording's transcript with its state
        (`transcript_status` pending/done/failed, `transcript_error` {code, message} when failed);
        a file removed on request: only `removed` {at, by} — inside metadata, so the attachment JSON
        keeps its fixed fields (design §11)."""
        if obj.removed_at is not None:
            removed = {
                "at": obj.removed_at.isoformat(),
                "by": obj.removed_by_name,
                "reason": obj.removed_reason,
            }
            return {"removed": removed}
        metadata = dict(obj.metadata or {})
        if _withheld(obj):  # not even WhatsApp's tiny picture of it
            metadata.pop("placeholder", None)
        if obj.transcript_status:
            metadata["transcript_status"] = obj.transcript_status
            if obj.transcript_status == Attachment.Transcript.FAILED:
                metadata["transcript_error"] = {
                    "code": obj.transcript_error_code,
                    "message": obj.transcript_error,
                }
        return metadata


class LastMessageSerializer(serializers.ModelSerializer):
    """What the conversation list shows under a name: text or caption, and the kind of attachment."""

    attachment = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "direction", "text", "status", "timestamp", "created_at", "attachment", "deleted_at"]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.deleted_at is not None:
            data["text"] = ""
        return data

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_attachment(self, obj) -> dict | None:
        first = next(iter(obj.attachments.all()), None)
        if first is None or obj.deleted_at is not None:
            return None
        return {
            "category": first.category,
            "file_name": first.file_name,
            "duration": (first.metadata or {}).get("duration"),
        }


def last_message_of(conversation) -> Message | None:
    """The newest message (with its attachments); `with_last_messages` fills this in for a page."""
    if hasattr(conversation, "_last_message"):
        return conversation._last_message
    return (
        Message.objects.filter(conversation=conversation)
        .order_by(*NEWEST_FIRST)
        .prefetch_related("attachments")
        .first()
    )


def with_last_messages(conversations: list) -> list:
    """Set the newest message of each conversation in two queries (not one per row)."""
    ids = [c.pk for c in conversations]
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by(*NEWEST_FIRST).values("pk")[:1]
    by_conversation = dict(
        Conversation.objects.filter(pk__in=ids).annotate(newest=Subquery(newest)).values_list("pk", "newest")
    )
    messages = Message.objects.filter(pk__in=[m for m in by_conversation.values() if m]).prefetch_related(
        "attachments"
    )
    found = {m.pk: m for m in messages}
    for conversation in conversations:
        conversation._last_message = found.get(by_conversation.get(conversation.pk))
    return conversations


class ConversationSerializer(serializers.ModelSerializer):
    connection = serializers.UUIDField(source="connection_id", read_only=True)  # a str in events too
    avatar_url = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()
    unread_count = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        # avatar_updated_at: null = no picture (show initials); it changes when the picture does.
        # connection: which of the tenant's numbers the chat is on (GET /api/connections/).
        fields = [
            "id",
            "connection",
            "remote_jid",
            "display_name",
            "is_group",
            "avatar_updated_at",
            "avatar_url",
            "last_activity_at",
            "created_at",
            "last_message",
            "unread_count",
            "agent_read_at",
        ]

    @extend_schema_field(serializers.IntegerField())
    def get_unread_count(self, obj) -> int:
        """Incoming messages that arrived after the team last saw the chat (chat.unread)."""
        return unread.unread_count(obj)

    @extend_schema_field(LastMessageSerializer(allow_null=True))
    def get_last_message(self, obj) -> dict | None:
        message = last_message_of(obj)
        return LastMessageSerializer(message).data if message is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_avatar_url(self, obj) -> str | None:
        """Signed URL of the profile picture, or null (show initials). `v` changes with the picture,
        so a browser never shows an old one from its cache."""
        if obj.avatar_id is None:
            return None
        version = str(int(obj.avatar_updated_at.timestamp())) if obj.avatar_updated_at else "0"
        return signing.signed_url(obj.tenant_id, obj.id, signing.AVATAR, v=version)


def _thumb_url(message: Message) -> str | None:
    """Signed URL of the small picture of a message's first attachment (thumb, else poster)."""
    for attachment in message.attachments.all():
        if attachment.status != Attachment.Status.READY or not attachment.original_id:
            return None
        variants = {rendition.variant for rendition in attachment.renditions.all()}
        for variant in ("thumb", "poster"):
            if variant in variants:
                return signing.signed_url(attachment.tenant_id, attachment.id, variant)
        return None
    return None


def _quoted_target(message: Message) -> Message | None:
    if hasattr(message, "_reply_target"):
        return message._reply_target
    if not message.reply_to_wa_id:
        return None
    return (
        Message.objects.filter(conversation_id=message.conversation_id, wa_message_id=message.reply_to_wa_id)
        .prefetch_related("attachments__renditions")
        .first()
    )


def _album_of(message: Message) -> dict | None:
    if not message.album_wa_id:
        return None
    if hasattr(message, "_album"):
        return message._album
    positions = album_positions(message.tenant_id, message.conversation_id, [message.album_wa_id])
    return positions.get((message.album_wa_id, message.pk))


def album_positions(tenant_id, conversation_id, album_ids) -> dict:
    """{(album id, message pk): {id, index, size}} for the given albums of one conversation."""
    if not album_ids:
        return {}
    expected = dict(
        Album.objects.filter(tenant_id=tenant_id, wa_message_id__in=album_ids).values_list(
            "wa_message_id", "expected_count"
        )
    )
    members: dict[str, list] = {}
    rows = (
        Message.objects.filter(conversation_id=conversation_id, album_wa_id__in=album_ids, deleted_at=None)
        .order_by("timestamp", "created_at", "id")
        .values_list("album_wa_id", "pk")
    )
    for album_id, pk in rows:
        members.setdefault(album_id, []).append(pk)
    positions = {}
    for album_id, pks in members.items():
        size = max(len(pks), expected.get(album_id, 0))
        for index, pk in enumerate(pks):
            positions[(album_id, pk)] = {"id": album_id, "index": index, "size": size}
    return positions


def made_messages(made: list) -> list[dict]:
    """Messages just created (a forward, a quick reply), in the order made, as the API shows them."""
    found = Message.objects.filter(pk__in=[m.pk for m in made]).prefetch_related(
        "attachments__renditions", "reactions"
    )
    by_id = {m.pk: m for m in found}
    return MessageSerializer(with_message_context([by_id[m.pk] for m in made]), many=True).data


def with_message_context(messages: list) -> list:
    """Fill in what a page of messages shows besides itself (the messages its replies quote, album
    positions) in a few queries instead of some per message."""
    by_conversation: dict = {}
    for message in messages:
        by_conversation.setdefault(message.conversation_id, []).append(message)
    for conversation_id, group in by_conversation.items():
        quoted_ids = {m.reply_to_wa_id for m in group if m.reply_to_wa_id}
        targets = {}
        if quoted_ids:
            for target in Message.objects.filter(
                conversation_id=conversation_id, wa_message_id__in=quoted_ids
            ).prefetch_related("attachments__renditions"):
                targets[target.wa_message_id] = target
        album_ids = {m.album_wa_id for m in group if m.album_wa_id}
        positions = album_positions(group[0].tenant_id, conversation_id, album_ids)
        for message in group:
            message._reply_target = targets.get(message.reply_to_wa_id) if message.reply_to_wa_id else None
            message._album = positions.get((message.album_wa_id, message.pk))
    return messages


class ReplyToSerializer(serializers.Serializer):
    id = serializers.UUIDField(allow_null=True, help_text="Our message, when we have the quoted one.")
    wa_message_id = serializers.CharField()
    direction = serializers.CharField(allow_null=True)
    author_name = serializers.CharField()
    text = serializers.CharField()
    category = serializers.CharField(help_text="Attachment category of the quoted message; '' for text.")
    thumb_url = serializers.CharField(allow_null=True)


class ReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField()
    author_jid = serializers.CharField()
    author_name = serializers.CharField()
    from_me = serializers.BooleanField()
    at = serializers.DateTimeField()


class AlbumSerializer(serializers.Serializer):
    id = serializers.CharField()
    index = serializers.IntegerField()
    size = serializers.IntegerField()


class EditSerializer(serializers.Serializer):
    text = serializers.CharField()
    at = serializers.DateTimeField()


def reply_to_of(message: Message) -> dict | None:
    if not message.reply_to_wa_id:
        return None
    quoted = message.quoted or {}
    target = _quoted_target(message)
    if target is None:
        return {
            "id": None,
            "wa_message_id": message.reply_to_wa_id,
            "direction": None,
            "author_name": "",
            "text": quoted.get("text", ""),
            "category": quoted.get("category", ""),
            "thumb_url": quoted.get("placeholder") or None,
        }
    first = next(iter(target.attachments.all()), None)
    deleted = target.deleted_at is not None
    return {
        "id": str(target.pk),
        "wa_message_id": target.wa_message_id,
        "direction": target.direction,
        "author_name": target.author_name,
        "text": "" if deleted else target.text,
        "category": first.category if first is not None and not deleted else "",
        "thumb_url": None if deleted else (_thumb_url(target) or quoted.get("placeholder") or None),
    }


class MessageSerializer(serializers.ModelSerializer):
    """A message as agents see it. Deleted for everyone (`deleted_at`): no text, no edit history,
    attachments without URLs, names or metadata (the bytes are purged or kept for admins only)."""

    conversation = serializers.UUIDField(source="conversation_id", read_only=True)
    error = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)
    reply_to = serializers.SerializerMethodField()
    reactions = serializers.SerializerMethodField()
    album = serializers.SerializerMethodField()
    edits = serializers.SerializerMethodField()
    view_once_opened_by = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = [
            "id",
            "conversation",
            "wa_message_id",
            "direction",
            "author_jid",
            "author_name",
            "text",
            "status",
            "error",
            "sent_at",
            "delivered_at",
            "read_at",
            "played_at",
            "timestamp",
            "created_at",
            "attachments",
            "deleted_at",
            "edited_at",
            "edits",
            "reply_to",
            "reactions",
            "album",
            "forwarded",
            "forwarding_score",
            "is_view_once",
            "view_once_opened_at",
            "view_once_opened_by",
        ]

    @extend_schema_field(ErrorSerializer(allow_null=True))
    def get_error(self, obj) -> dict | None:
        return _error_of(obj)

    @extend_schema_field(ReplyToSerializer(allow_null=True))
    def get_reply_to(self, obj) -> dict | None:
        return reply_to_of(obj)

    @extend_schema_field(ReactionSerializer(many=True))
    def get_reactions(self, obj) -> list[dict]:
        return [
            {
                "emoji": r.emoji,
                "author_jid": r.author_jid,
                "author_name": r.author_name,
                "from_me": r.from_me,
                "at": serializers.DateTimeField().to_representation(r.at),
            }
            for r in sorted(obj.reactions.all(), key=lambda r: r.at)
            if r.emoji
        ]

    @extend_schema_field(AlbumSerializer(allow_null=True))
    def get_album(self, obj) -> dict | None:
        return _album_of(obj)

    @extend_schema_field(EditSerializer(many=True))
    def get_edits(self, obj) -> list[dict]:
        return [] if obj.deleted_at else list(obj.edits or [])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_view_once_opened_by(self, obj) -> str | None:
        """Who opened a view-once file first (its URLs are handed out only after that tap)."""
        user = obj.view_once_opened_by if obj.view_once_opened_by_id else None
        return user.get_username() if user is not None else None

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if instance.deleted_at is not None:
            data["text"] = ""
            for attachment in data["attachments"]:
                attachment.update(urls={}, file_name="", metadata={}, error=None)
        return data


class GalleryItemSerializer(serializers.Serializer):
    """One entry of a conversation's gallery: a file (with its message) or a message's links."""

    id = serializers.UUIDField(help_text="the attachment's id, or the message's for links")
    message = serializers.UUIDField()
    timestamp = serializers.DateTimeField()
    direction = serializers.CharField()
    attachment = AttachmentSerializer(allow_null=True)
    links = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()


def gallery_file(attachment: Attachment) -> dict:
    message = attachment.message
    return {
        "id": attachment.pk,
        "message": message.pk,
        "timestamp": message.timestamp,
        "direction": message.direction,
        "attachment": attachment,
        "links": [],
        "text": message.text,
    }


def gallery_links(message: Message) -> dict:
    from chatmedia.chat.gallery import links_in

    return {
        "id": message.pk,
        "message": message.pk,
        "timestamp": message.timestamp,
        "direction": message.direction,
        "attachment": None,
        "links": links_in(message.text),
        "text": message.text,
    }
