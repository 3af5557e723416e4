"""JSON shapes of the chat API. The attachment shape is a fixed contract (design §11):
`{id, status, category, mime_type, size, file_name, error, metadata, urls}`.
Secrets and storage details (source, keys, blob ids) are never serialized.
"""

from __future__ import annotations

from django.db.models import OuterRef, Subquery
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmedia.chat.models import NEWEST_FIRST, Attachment, Conversation, Message
from chatmedia.media import signing
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


class AttachmentSerializer(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()

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
        if obj.status != Attachment.Status.READY or not obj.original_id:
            return {}
        variants = ["original"]
        variants += sorted(rendition.variant for rendition in obj.renditions.all())
        return {variant: signing.signed_url(obj.tenant_id, obj.id, variant) for variant in variants}


class LastMessageSerializer(serializers.ModelSerializer):
    """What the conversation list shows under a name: text or caption, and the kind of attachment."""

    attachment = serializers.SerializerMethodField()

    class Meta:
        model = Message
        fields = ["id", "direction", "text", "status", "timestamp", "created_at", "attachment"]

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_attachment(self, obj) -> dict | None:
        first = next(iter(obj.attachments.all()), None)
        if first is None:
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
    avatar_url = serializers.SerializerMethodField()
    last_message = serializers.SerializerMethodField()

    class Meta:
        model = Conversation
        # avatar_updated_at: null = no picture (show initials); it changes when the picture does.
        fields = [
            "id",
            "remote_jid",
            "display_name",
            "is_group",
            "avatar_updated_at",
            "avatar_url",
            "last_activity_at",
            "created_at",
            "last_message",
        ]

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


class MessageSerializer(serializers.ModelSerializer):
    conversation = serializers.UUIDField(source="conversation_id", read_only=True)
    error = serializers.SerializerMethodField()
    attachments = AttachmentSerializer(many=True, read_only=True)

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
            "timestamp",
            "created_at",
            "attachments",
        ]

    @extend_schema_field(ErrorSerializer(allow_null=True))
    def get_error(self, obj) -> dict | None:
        return _error_of(obj)
