"""JSON shapes of the chat API. The attachment shape is a fixed contract (design §11):
`{id, status, category, mime_type, size, file_name, error, metadata, urls}`.
Secrets and storage details (source, keys, blob ids) are never serialized.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from chatmedia.chat.models import Attachment, Conversation, Message


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

    @extend_schema_field(serializers.DictField(child=serializers.URLField()))
    def get_urls(self, obj) -> dict[str, str]:
        # Signed media URLs arrive with the media serving step; until then nothing is served.
        return {}


class ConversationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Conversation
        # avatar_updated_at: null = no picture (show initials); it changes when the picture does.
        fields = [
            "id",
            "remote_jid",
            "display_name",
            "is_group",
            "avatar_updated_at",
            "last_activity_at",
            "created_at",
        ]


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
