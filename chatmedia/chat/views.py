"""The chat API: conversations, messages and their files, an agent's actions on them (text, reaction,
retry, view-once, transcript, audit). Thin views: authorization and scoping come from
`tenancy.scoping`. The workspace (gallery, search, forward) is in `workspace_views`, quick replies
in `quick_reply_views`."""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils.http import content_disposition_header
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat import compose, unread
from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.chat.pagination import ConversationPagination, MessagePagination
from chatmedia.chat.serializers import (
    AttachmentSerializer,
    ConversationSerializer,
    EditSerializer,
    MessageSerializer,
    with_last_messages,
    with_message_context,
)
from chatmedia.errors import error_response
from chatmedia.media.processing import outgoing
from chatmedia.media.storage import media_storage
from chatmedia.media.transcription import service as transcription
from chatmedia.privacy import audit_log, removal
from chatmedia.tenancy.scoping import TenantScopedMixin, is_tenant_admin, membership_for_request
from chatmedia.whatsapp import recovery, sending


class ConversationList(TenantScopedMixin, generics.ListAPIView):
    """`?connection=<id>`: only the chats on that number of the tenant."""

    queryset = Conversation.objects.all()
    serializer_class = ConversationSerializer
    pagination_class = ConversationPagination

    @extend_schema(
        parameters=[OpenApiParameter("connection", OpenApiTypes.UUID, description="one of /api/connections/")]
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        queryset = super().get_queryset()
        connection = self.request.query_params.get("connection")
        if connection:
            try:
                connection = uuid.UUID(connection)
            except ValueError:
                raise ValidationError({"connection": "not a connection id"}) from None
            queryset = queryset.filter(connection_id=connection)
        return queryset

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return unread.with_unread_counts(with_last_messages(page)) if page is not None else None


class ConversationDetail(TenantScopedMixin, generics.RetrieveAPIView):
    queryset = Conversation.objects.all()
    serializer_class = ConversationSerializer


class ConversationRead(TenantScopedMixin, APIView):
    """POST: the team has seen this chat (the web chat says so while it is open): its unread count
    becomes 0 for every agent (`conversation.updated`)."""

    @extend_schema(request=None, responses={200: ConversationSerializer})
    def post(self, request, pk):
        conversation = unread.mark_read(self.tenant, pk)
        return Response(ConversationSerializer(conversation).data)


class NewTextSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=100_000, trim_whitespace=False)
    reply_to = serializers.UUIDField(
        required=False, allow_null=True, help_text="A message of this conversation the new one quotes."
    )


class NewReactionSerializer(serializers.Serializer):
    emoji = serializers.CharField(
        max_length=64, allow_blank=True, trim_whitespace=True, help_text="'' takes it back."
    )


class MessageList(TenantScopedMixin, generics.ListAPIView):
    """GET: messages of one conversation, newest first, with their attachments.
    POST {"text"}: send a text message (201, `processing`; then `message.status` events)."""

    queryset = Message.objects.all()
    serializer_class = MessageSerializer
    pagination_class = MessagePagination

    def get_queryset(self):
        conversation = get_object_or_404(self.scoped(Conversation.objects.all()), pk=self.kwargs["pk"])
        attachments = Prefetch(
            "attachments", queryset=Attachment.objects.order_by("created_at").prefetch_related("renditions")
        )
        return (
            super()
            .get_queryset()
            .filter(conversation=conversation)
            .prefetch_related(attachments, "reactions")
        )

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        return with_message_context(page) if page is not None else None

    @extend_schema(request=NewTextSerializer, responses={201: MessageSerializer})
    def post(self, request, pk):
        new = NewTextSerializer(data=request.data)
        new.is_valid(raise_exception=True)
        message = compose.send_text(
            self.tenant, pk, new.validated_data["text"], reply_to=new.validated_data.get("reply_to")
        )
        message = Message.objects.prefetch_related("attachments").get(pk=message.pk)
        return Response(MessageSerializer(with_message_context([message])[0]).data, status=201)


class MessageDetail(TenantScopedMixin, generics.RetrieveAPIView):
    queryset = Message.objects.prefetch_related("attachments__renditions", "reactions")
    serializer_class = MessageSerializer


class MessageViewOnceOpen(TenantScopedMixin, APIView):
    """POST: an agent taps a view-once file open. The first tap is recorded (who, when) and from
    then on its URLs are handed out; the answer is the message with them."""

    @extend_schema(request=None, responses={200: MessageSerializer})
    def post(self, request, pk):
        message = compose.open_view_once(self.tenant, pk, request.user)
        message = Message.objects.prefetch_related("attachments__renditions", "reactions").get(pk=message.pk)
        return Response(MessageSerializer(with_message_context([message])[0]).data)


class AuditFileSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    file_name = serializers.CharField()
    mime_type = serializers.CharField()
    size = serializers.IntegerField(allow_null=True)
    kept = serializers.BooleanField(help_text="Its bytes are still stored (within the retention).")


class AuditSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    deleted_at = serializers.DateTimeField(allow_null=True)
    deleted_by_jid = serializers.CharField()
    text = serializers.CharField()
    edits = EditSerializer(many=True)
    attachments = AuditFileSerializer(many=True)


class MessageAudit(TenantScopedMixin, APIView):
    """GET, tenant admins only: a message deleted for everyone as it was (text, edit history, who and
    when, its files while the tenant's retention keeps them). 403 for agents."""

    @extend_schema(responses={200: AuditSerializer})
    def get(self, request, pk):
        message = self.scoped(Message.objects.prefetch_related("attachments")).filter(pk=pk).first()
        if message is None:
            return error_response(404, "not_found", "No such message.")
        if not is_tenant_admin(request):
            return error_response(403, "admins_only", "Only the account's admins read deleted messages.")
        return Response(
            {
                "id": str(message.pk),
                "deleted_at": message.deleted_at,
                "deleted_by_jid": message.deleted_by_jid,
                "text": message.text,
                "edits": message.edits,
                "attachments": [
                    {
                        "id": str(a.pk),
                        "file_name": a.file_name,
                        "mime_type": a.mime_type,
                        "size": a.size,
                        "kept": a.original_id is not None,
                    }
                    for a in message.attachments.all()
                ],
            }
        )


class AttachmentAudit(TenantScopedMixin, APIView):
    """GET, tenant admins only: the original of a deleted message's file while it is kept, always
    as a download (never drawn inline). 410 once purged."""

    @extend_schema(responses={200: None})
    def get(self, request, pk):
        attachment = (
            self.scoped(Attachment.objects.select_related("original", "message")).filter(pk=pk).first()
        )
        if attachment is None:
            return error_response(404, "not_found", "No such attachment.")
        if not is_tenant_admin(request):
            return error_response(403, "admins_only", "Only the account's admins read deleted messages.")
        if attachment.original is None:
            return error_response(410, "purged", "This file's bytes were purged.")
        blob = attachment.original
        audit_log.record(
            self.tenant.pk, audit_log.Action.DOWNLOAD, audit_log.Via.API, actor=request.user, request=request,
            attachments=[attachment], detail={"deleted_message": True},
        )  # fmt: skip
        response = StreamingHttpResponse(
            media_storage().iter_chunks(blob.storage_key), content_type="application/octet-stream"
        )
        response["Content-Length"] = str(blob.size)
        response["Content-Disposition"] = content_disposition_header(
            True, attachment.file_name or f"{attachment.category}-{str(attachment.pk)[:8]}"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        response["Cache-Control"] = "private, no-store"
        return response


class MessageReactions(TenantScopedMixin, APIView):
    """POST {"emoji"}: react to a message (media included) as this account; "" takes it back.
    202: shown at once (`message.reactions`), sent to WhatsApp by a worker."""

    @extend_schema(request=NewReactionSerializer, responses={202: MessageSerializer})
    def post(self, request, pk):
        if not self.scoped(Message.objects.all()).filter(pk=pk).exists():
            return error_response(404, "not_found", "No such message.")
        new = NewReactionSerializer(data=request.data)
        new.is_valid(raise_exception=True)
        message = compose.react(self.tenant, pk, new.validated_data["emoji"])
        message = Message.objects.prefetch_related("attachments__renditions", "reactions").get(pk=message.pk)
        return Response(MessageSerializer(with_message_context([message])[0]).data, status=202)


class AttachmentDetail(TenantScopedMixin, generics.RetrieveAPIView):
    """GET: the attachment. DELETE: its file removed for everyone (LGPD; privacy.removal): the bytes,
    renditions and cached copies go, a "🗑️ Mídia removida" placeholder stays. 403 for an agent
    when the tenant lets only its admins remove media; a second DELETE answers the same."""

    queryset = Attachment.objects.prefetch_related("renditions")
    serializer_class = AttachmentSerializer

    @extend_schema(responses={200: AttachmentSerializer})
    def delete(self, request, pk):
        attachment = self.scoped(Attachment.objects.all()).filter(pk=pk).first()
        if attachment is None:
            return error_response(404, "not_found", "No such attachment.")
        if not removal.may_remove(membership_for_request(request)):
            return error_response(403, "not_allowed", "Only the account's admins may remove media.")
        removal.remove_attachment(attachment, request.user, request)
        fresh = Attachment.objects.prefetch_related("renditions").get(pk=pk)
        return Response(AttachmentSerializer(fresh).data)


class MessageMedia(TenantScopedMixin, APIView):
    """DELETE: every file of the message removed for everyone (an album at once), as above."""

    @extend_schema(responses={200: MessageSerializer})
    def delete(self, request, pk):
        message = self.scoped(Message.objects.all()).filter(pk=pk).first()
        if message is None:
            return error_response(404, "not_found", "No such message.")
        if not removal.may_remove(membership_for_request(request)):
            return error_response(403, "not_allowed", "Only the account's admins may remove media.")
        removal.remove_message_media(message, request.user, request)
        return Response(MessageSerializer(self._fresh(message.pk)).data)

    def _fresh(self, pk):
        return Message.objects.prefetch_related("attachments__renditions", "reactions").get(pk=pk)


class RetryStateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()


class AttachmentRetry(TenantScopedMixin, APIView):
    """POST: fetch an incoming file that could not be fetched again, or send a failed one again."""

    @extend_schema(request=None, responses={202: RetryStateSerializer})
    def post(self, request, pk):
        attachment = self.scoped(Attachment.objects.select_related("message")).filter(pk=pk).first()
        if attachment is None or attachment.message_id is None:
            return error_response(404, "not_found", "No such attachment.")
        if attachment.message.direction == "in":
            if not recovery.retry_incoming(attachment):
                return error_response(
                    409, "not_retryable", "Only a file that could not be fetched can be fetched again."
                )
            return Response({"id": str(attachment.id), "status": "pending"}, status=202)
        if not sending.retry(attachment.message):
            return error_response(
                409,
                "not_retryable",
                "Only a message that failed to send can be retried; a refused file must be uploaded again.",
            )
        return Response({"id": str(attachment.id), "status": "processing"}, status=202)


class AttachmentSendAsDocument(TenantScopedMixin, APIView):
    """POST: a video refused as too long to fit WhatsApp's limit at an acceptable quality goes again
    as a document (media.processing.outgoing.send_as_document): the same bytes, not converted."""

    @extend_schema(request=None, responses={202: RetryStateSerializer})
    def post(self, request, pk):
        attachment = self.scoped(Attachment.objects.all()).filter(pk=pk).first()
        if attachment is None:
            return error_response(404, "not_found", "No such attachment.")
        if not outgoing.send_as_document(attachment):
            return error_response(
                409,
                "not_a_refused_video",
                "Only a video refused as too long for WhatsApp can go as a document.",
            )
        return Response({"id": str(attachment.id), "status": "processing"}, status=202)


class AttachmentTranscribe(TenantScopedMixin, APIView):
    """POST: make (again) a voice note's or an audio file's transcript (media.transcription); the
    text follows over the WebSocket (`attachment.ready` with `transcript_status` done)."""

    @extend_schema(request=None, responses={202: RetryStateSerializer})
    def post(self, request, pk):
        attachment = self.scoped(Attachment.objects.select_related("message")).filter(pk=pk).first()
        if attachment is None:
            return error_response(404, "not_found", "No such attachment.")
        transcription.request(attachment)
        return Response({"id": str(attachment.id), "status": "pending"}, status=202)


class MessageRetry(TenantScopedMixin, APIView):
    """POST: send a failed outgoing message again (text or file)."""

    @extend_schema(request=None, responses={202: MessageSerializer})
    def post(self, request, pk):
        message = self.scoped(Message.objects.all()).filter(pk=pk).first()
        if message is None:
            return error_response(404, "not_found", "No such message.")
        if not sending.retry(message):
            return error_response(
                409,
                "not_retryable",
                "Only a message that failed to send can be retried; a refused file must be uploaded again.",
            )
        message = Message.objects.prefetch_related("attachments__renditions").get(pk=message.pk)
        return Response(MessageSerializer(message).data, status=202)
