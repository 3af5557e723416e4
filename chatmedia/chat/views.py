"""Read API of the chat. Thin views: authorization and scoping come from `tenancy.scoping`."""

from __future__ import annotations

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from rest_framework import generics

from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.chat.pagination import ConversationPagination, MessagePagination
from chatmedia.chat.serializers import AttachmentSerializer, ConversationSerializer, MessageSerializer
from chatmedia.tenancy.scoping import TenantScopedMixin


class ConversationList(TenantScopedMixin, generics.ListAPIView):
    queryset = Conversation.objects.all()
    serializer_class = ConversationSerializer
    pagination_class = ConversationPagination


class ConversationDetail(TenantScopedMixin, generics.RetrieveAPIView):
    queryset = Conversation.objects.all()
    serializer_class = ConversationSerializer


class MessageList(TenantScopedMixin, generics.ListAPIView):
    """Messages of one conversation, newest first, with their attachments."""

    queryset = Message.objects.all()
    serializer_class = MessageSerializer
    pagination_class = MessagePagination

    def get_queryset(self):
        conversation = get_object_or_404(self.scoped(Conversation.objects.all()), pk=self.kwargs["pk"])
        attachments = Prefetch(
            "attachments", queryset=Attachment.objects.order_by("created_at").prefetch_related("renditions")
        )
        return super().get_queryset().filter(conversation=conversation).prefetch_related(attachments)


class MessageDetail(TenantScopedMixin, generics.RetrieveAPIView):
    queryset = Message.objects.prefetch_related("attachments__renditions")
    serializer_class = MessageSerializer


class AttachmentDetail(TenantScopedMixin, generics.RetrieveAPIView):
    queryset = Attachment.objects.prefetch_related("renditions")
    serializer_class = AttachmentSerializer
