"""The quick replies API (chat.quick_replies): the tenant's library, its files, and a send.

- `GET /api/quick-replies/?q=` — the team's replies, by shortcut (`q` filters shortcut and text);
  `POST` `{shortcut, text}` makes one (409 `shortcut_taken`).
- `GET|PATCH|DELETE /api/quick-replies/<id>/`.
- `POST /api/quick-replies/<id>/files/` multipart `file` (+ `voice=0` to send an audio as an audio
  file, not a voice note): checked and stored once; `DELETE /api/quick-replies/<id>/files/<file>/`.
- `POST /api/quick-replies/<id>/send/` `{conversation, reply_to?}` → 201, the new messages.
"""

from __future__ import annotations

from django.db.models import Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat import quick_replies
from chatmedia.chat.models import QuickReply, QuickReplyFile
from chatmedia.chat.serializers import MessageSerializer, made_messages
from chatmedia.tenancy.scoping import TenantScopedMixin


class QuickReplyFileSerializer(serializers.ModelSerializer):
    duration = serializers.SerializerMethodField()

    class Meta:
        model = QuickReplyFile
        fields = ["id", "file_name", "category", "mime_type", "size", "duration"]

    def get_duration(self, obj) -> float | None:
        seconds = (obj.metadata or {}).get("duration")
        return seconds if isinstance(seconds, int | float) else None


class QuickReplySerializer(serializers.ModelSerializer):
    files = QuickReplyFileSerializer(many=True, read_only=True)

    class Meta:
        model = QuickReply
        fields = ["id", "shortcut", "text", "files", "created_at", "updated_at"]


class QuickReplyInput(serializers.Serializer):
    shortcut = serializers.CharField(max_length=64)
    text = serializers.CharField(max_length=100_000, allow_blank=True, required=False, trim_whitespace=False)


class QuickReplyPatch(serializers.Serializer):
    shortcut = serializers.CharField(max_length=64, required=False)
    text = serializers.CharField(max_length=100_000, allow_blank=True, required=False, trim_whitespace=False)


class QuickReplySendInput(serializers.Serializer):
    conversation = serializers.UUIDField()
    reply_to = serializers.UUIDField(required=False, allow_null=True)


def _shown(reply_id) -> dict:
    return QuickReplySerializer(QuickReply.objects.prefetch_related("files").get(pk=reply_id)).data


class QuickReplyList(TenantScopedMixin, APIView):
    @extend_schema(responses=QuickReplySerializer(many=True))
    def get(self, request):
        replies = self.scoped(QuickReply.objects.all()).prefetch_related("files")
        q = request.query_params.get("q", "").strip().removeprefix("/")[:64]
        if q:
            replies = replies.filter(Q(shortcut__icontains=q) | Q(text__icontains=q))
        return Response(QuickReplySerializer(replies, many=True).data)

    @extend_schema(request=QuickReplyInput, responses={201: QuickReplySerializer})
    def post(self, request):
        asked = QuickReplyInput(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        made = quick_replies.create(self.tenant, request.user, data["shortcut"], data.get("text", ""))
        return Response(_shown(made.pk), status=201)


class QuickReplyDetail(TenantScopedMixin, APIView):
    def _reply(self, pk) -> QuickReply:
        return get_object_or_404(self.scoped(QuickReply.objects.all()), pk=pk)

    @extend_schema(responses=QuickReplySerializer)
    def get(self, request, pk):
        return Response(_shown(self._reply(pk).pk))

    @extend_schema(request=QuickReplyPatch, responses=QuickReplySerializer)
    def patch(self, request, pk):
        reply = self._reply(pk)
        asked = QuickReplyPatch(data=request.data)
        asked.is_valid(raise_exception=True)
        quick_replies.update(reply, asked.validated_data.get("shortcut"), asked.validated_data.get("text"))
        return Response(_shown(reply.pk))

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        quick_replies.delete(self._reply(pk))
        return Response(status=204)


class QuickReplyFiles(TenantScopedMixin, APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}, "voice": {"type": "boolean"}},
            }
        },
        responses={201: QuickReplySerializer},
    )
    def post(self, request, pk):
        reply = get_object_or_404(self.scoped(QuickReply.objects.select_related("tenant")), pk=pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise serializers.ValidationError({"file": ["Choose the file to add."]})
        voice = request.data.get("voice", "1") not in ("0", "false", "False")
        quick_replies.add_file(reply, upload, voice=voice)
        return Response(_shown(reply.pk), status=201)


class QuickReplyFileDetail(TenantScopedMixin, APIView):
    @extend_schema(responses={204: None})
    def delete(self, request, pk, file_pk):
        reply = get_object_or_404(self.scoped(QuickReply.objects.all()), pk=pk)
        quick_replies.remove_file(
            get_object_or_404(QuickReplyFile.objects.filter(quick_reply=reply), pk=file_pk)
        )
        return Response(status=204)


class QuickReplySend(TenantScopedMixin, APIView):
    @extend_schema(request=QuickReplySendInput, responses={201: MessageSerializer(many=True)})
    def post(self, request, pk):
        reply = get_object_or_404(self.scoped(QuickReply.objects.all()), pk=pk)
        asked = QuickReplySendInput(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        made = quick_replies.send(self.tenant, reply.pk, data["conversation"], data.get("reply_to"))
        return Response(made_messages(made), status=201)
