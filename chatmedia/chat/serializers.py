"""JSON shapes of the chat API. The attachment shape is a fixed contract (design §11):
`{id, status, category, mime_type, size, file_name, error, metadata, urls}`.
Secrets and storage details (source, keys, blob ids) are never serialized.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.media import signing


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()


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

    @extend_schema_field(ErrorSerializer(allow_null=True))
    def get_error(self, obj) -> dict | None:
        return _error_of(obj)

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def get_urls(self, obj) -> dict[str, str]:
        """A signed same-origin URL per variant that exists (`original` once the bytes are stored)."""
        variants = ["original"] if obj.original_id else []
        variants += sorted(rendition.variant for rendition in obj.renditions.all())
        return {variant: signing.signed_url(obj.tenant_id, obj.id, variant) for variant in variants}


class ConversationSerializer(serializers.ModelSerializer):
    avatar_url = serializers.SerializerMethodField()

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
        ]

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
            "attachments",
        ]

    @extend_schema_field(ErrorSerializer(allow_null=True))
    def get_error(self, obj) -> dict | None:
        return _error_of(obj)
