"""The agent's workspace API: a chat's gallery and a zip of its files, search across the tenant or
in a chat, forwarding messages. Thin views over `chat.gallery`, `chat.search` and `chat.forward`;
scoping comes from `tenancy.scoping`. Quick replies are in `quick_reply_views`."""

from __future__ import annotations

import uuid

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat import forward, gallery, search
from chatmedia.chat.models import Conversation, Message
from chatmedia.chat.pagination import GalleryPagination, MessagePagination
from chatmedia.chat.serializers import (
    GalleryItemSerializer,
    MessageSerializer,
    gallery_file,
    gallery_links,
    made_messages,
)
from chatmedia.errors import Refused
from chatmedia.media.filenames import extension_for
from chatmedia.media.serving import archive
from chatmedia.privacy import audit_log
from chatmedia.tenancy.scoping import TenantScopedMixin


class GalleryList(TenantScopedMixin, generics.ListAPIView):
    """GET `?tab=media|documents|audio|links`: the chat's files of that tab (or its messages with
    links), newest first, cursor-paginated (chat.gallery)."""

    serializer_class = GalleryItemSerializer

    @extend_schema(
        parameters=[OpenApiParameter("tab", OpenApiTypes.STR, enum=list(gallery.TABS), required=True)],
        responses=GalleryItemSerializer(many=True),
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @property
    def tab(self) -> str:
        return self.request.query_params.get("tab", "")

    @property
    def pagination_class(self):
        return MessagePagination if self.tab == "links" else GalleryPagination

    def get_queryset(self):
        conversation = get_object_or_404(self.scoped(Conversation.objects.all()), pk=self.kwargs["pk"])
        if self.tab == "links":
            return gallery.link_messages(conversation)
        return gallery.files(conversation, self.tab)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        shape = gallery_links if self.tab == "links" else gallery_file
        return self.get_paginated_response([GalleryItemSerializer(shape(item)).data for item in page])


class GalleryZip(TenantScopedMixin, APIView):
    """GET `?ids=<attachment>,<attachment>…`: those files of the chat as one zip, streamed in
    constant memory with its exact length (media.serving.archive); at most GALLERY_ZIP_MAX_FILES
    files and GALLERY_ZIP_MAX_BYTES bytes."""

    @extend_schema(
        parameters=[OpenApiParameter("ids", OpenApiTypes.STR, description="attachment ids, comma-separated")],
        responses={(200, "application/zip"): OpenApiTypes.BINARY},
    )
    def get(self, request, pk):
        conversation = get_object_or_404(self.scoped(Conversation.objects.all()), pk=pk)
        ids = []
        for raw in request.query_params.get("ids", "").split(","):
            try:
                ids.append(uuid.UUID(raw.strip()))
            except ValueError:
                if raw.strip():
                    raise Refused(400, "bad_id", f"{raw.strip()[:40]!r} is not a file id") from None
        chosen = gallery.for_zip(self.tenant, conversation.pk, ids)
        members = [
            archive.Member(
                a.file_name or f"{a.category}-{str(a.pk)[:8]}{extension_for(a.mime_type)}",
                a.original.storage_key,
                a.original.size,
            )
            for a in chosen
        ]
        audit_log.record(
            self.tenant.pk, audit_log.Action.DOWNLOAD, audit_log.Via.ZIP, actor=request.user, request=request,
            attachments=chosen,
        )  # fmt: skip
        day = timezone.localtime().strftime("%Y-%m-%d")
        return archive.response(archive.zip_of(members), f"conversa-{day}.zip")


class SnippetSerializer(serializers.Serializer):
    text = serializers.CharField()
    match = serializers.BooleanField()


class SearchHitSerializer(serializers.Serializer):
    message = serializers.UUIDField()
    conversation = serializers.UUIDField()
    conversation_name = serializers.CharField()
    timestamp = serializers.DateTimeField()
    direction = serializers.CharField()
    author_name = serializers.CharField()
    snippet = SnippetSerializer(many=True, help_text="the text around the match, matches marked")


class Search(TenantScopedMixin, APIView):
    """GET `?q=<words>[&conversation=<id>]`: messages of the tenant (or of one chat) whose text,
    file names, documents or transcripts say it, best first (chat.search); at most
    SEARCH_MAX_RESULTS."""

    @extend_schema(
        parameters=[
            OpenApiParameter("q", OpenApiTypes.STR, required=True),
            OpenApiParameter("conversation", OpenApiTypes.UUID),
        ],
        responses=SearchHitSerializer(many=True),
    )
    def get(self, request):
        conversation_id = None
        if request.query_params.get("conversation"):
            try:
                conversation_id = uuid.UUID(request.query_params["conversation"])
            except ValueError:
                raise Refused(400, "bad_id", "conversation is not a conversation id") from None
            get_object_or_404(self.scoped(Conversation.objects.all()), pk=conversation_id)
        hits = search.search(self.tenant, request.query_params.get("q", ""), conversation_id)
        messages = Message.objects.filter(
            tenant=self.tenant, pk__in=[h.message_id for h in hits]
        ).select_related("conversation")
        by_id = {m.pk: m for m in messages}
        results = []
        for hit in hits:
            message = by_id.get(hit.message_id)
            if message is None:
                continue
            conversation = message.conversation
            results.append(
                {
                    "message": message.pk,
                    "conversation": conversation.pk,
                    "conversation_name": conversation.display_name or conversation.remote_jid.split("@")[0],
                    "timestamp": message.timestamp,
                    "direction": message.direction,
                    "author_name": message.author_name,
                    "snippet": hit.snippet,
                }
            )
        return Response(SearchHitSerializer(results, many=True).data)


class ForwardSerializer(serializers.Serializer):
    messages = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)
    conversations = serializers.ListField(child=serializers.UUIDField(), min_length=1, max_length=1000)


class MessageForward(TenantScopedMixin, APIView):
    """POST {"messages": [...], "conversations": [...]}: forward those messages to those chats of the
    tenant (any number, any provider); the stored files are reused, nothing uploads again
    (chat.forward). 201 with the new messages, `processing`; then their `message.status` events."""

    @extend_schema(request=ForwardSerializer, responses={201: MessageSerializer(many=True)})
    def post(self, request):
        asked = ForwardSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        made = forward.forward(
            self.tenant, asked.validated_data["messages"], asked.validated_data["conversations"], request
        )
        return Response(made_messages(made), status=201)
