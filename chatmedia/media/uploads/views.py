"""The upload API (contract: design §11 and issue "Outgoing media"). Thin views over `media.uploads.direct`.

POST /api/uploads/                       start: validate, then presigned PUT or multipart part URLs
GET  /api/uploads/<id>/parts/            parts already uploaded (resume a multipart upload)
POST /api/uploads/<id>/parts/            more part URLs, e.g. {"numbers": [3, 4]} (fresh ones to resume)
POST /api/uploads/<id>/complete/         verify and queue the send → 202 {id, status: "processing"}
POST /api/uploads/<id>/cancel/           delete the upload, its bytes and its message
POST /api/attachments/<id>/retry/        send a failed message again, or fetch a failed incoming file again
GET  /api/usage/                         this tenant's storage: stored, uploading, quota, free
Every refusal is `{"error": {"code", "message"}}` with a 4xx status; storage trouble is 503.
"""

from __future__ import annotations

import logging

from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat.models import Attachment
from chatmedia.errors import error_response
from chatmedia.media.models import Upload
from chatmedia.media.storage import StorageError, UploadedPart, quota
from chatmedia.media.uploads import direct as uploads
from chatmedia.tenancy.scoping import TenantScopedMixin, is_tenant_admin

logger = logging.getLogger(__name__)


class NewUploadSerializer(serializers.Serializer):
    conversation = serializers.UUIDField()
    file_name = serializers.CharField(max_length=255, allow_blank=True)
    mime_type = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=0)
    voice = serializers.BooleanField(required=False, default=False)
    caption = serializers.CharField(required=False, allow_blank=True, default="", max_length=10_000)
    reply_to = serializers.UUIDField(required=False, allow_null=True, default=None)
    after = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="An upload of this chat (its attachment id) this file is sent after: files reviewed "
        "together reach WhatsApp in the order they were chosen.",
    )


class PartSerializer(serializers.Serializer):
    number = serializers.IntegerField(min_value=1, max_value=10_000)
    etag = serializers.CharField(max_length=200)


class CompleteSerializer(serializers.Serializer):
    parts = PartSerializer(many=True, required=False, default=list)


class PartNumbersSerializer(serializers.Serializer):
    numbers = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10_000), min_length=1, max_length=1000
    )


class UploadStateSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.CharField()


def _storage_unavailable():
    message = "The file storage is not answering; try again shortly."
    return error_response(503, "storage_unavailable", message, {"Retry-After": "5"})


class _UploadView(TenantScopedMixin, APIView):
    def attachment(self, pk) -> Attachment | None:
        return self.scoped(Attachment.objects.all()).filter(pk=pk).first()

    def handle_exception(self, exc):
        if isinstance(exc, StorageError):
            logger.warning("storage failed during %s: %s", self.request.path, exc)
            return _storage_unavailable()
        return super().handle_exception(exc)


def _not_found():
    return error_response(404, "not_found", "No such upload.")


def _state(attachment: Attachment) -> dict:
    return {"id": str(attachment.id), "status": attachment.status}


class UploadStart(_UploadView):
    @extend_schema(
        request=NewUploadSerializer, responses={201: OpenApiResponse(description="id, status, upload")}
    )
    def post(self, request):
        given = NewUploadSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        attachment, instructions = uploads.start(
            self.tenant,
            uploads.NewUpload(
                conversation_id=str(data["conversation"]),
                file_name=data["file_name"],
                mime_type=data["mime_type"],
                size=data["size"],
                voice=data["voice"],
                caption=data["caption"],
                reply_to=str(data["reply_to"]) if data["reply_to"] else None,
                after=str(data["after"]) if data["after"] else None,
            ),
        )
        return Response({**_state(attachment), "upload": instructions}, status=201)


class UploadParts(_UploadView):
    def _upload(self, pk) -> Upload | None:
        attachment = self.attachment(pk)
        if attachment is None or attachment.status != Attachment.Status.UPLOADING:
            return None
        return Upload.objects.filter(attachment=attachment).first()

    @extend_schema(responses={200: OpenApiResponse(description="parts: [{number, etag, size}]")})
    def get(self, request, pk):
        upload = self._upload(pk)
        if upload is None:
            return _not_found()
        parts = uploads.list_parts(upload)
        return Response({"parts": [{"number": p.number, "etag": p.etag, "size": p.size} for p in parts]})

    @extend_schema(request=PartNumbersSerializer, responses={200: OpenApiResponse(description="parts")})
    def post(self, request, pk):
        upload = self._upload(pk)
        if upload is None:
            return _not_found()
        if not upload.multipart_id:
            raise uploads.UploadRefused(400, "not_multipart", "This upload is a single PUT; it has no parts.")
        given = PartNumbersSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        numbers = sorted(set(given.validated_data["numbers"]))
        if numbers[-1] > upload.part_count:
            raise uploads.UploadRefused(
                400, "no_such_part", f"This upload has {upload.part_count} parts of {upload.part_size} bytes."
            )
        return Response({"part_size": upload.part_size, "parts": uploads.part_urls(upload, numbers)})


class UploadComplete(_UploadView):
    @extend_schema(request=CompleteSerializer, responses={202: UploadStateSerializer})
    def post(self, request, pk):
        attachment = self.attachment(pk)
        if attachment is None:
            return _not_found()
        given = CompleteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        parts = [UploadedPart(number=p["number"], etag=p["etag"]) for p in given.validated_data["parts"]]
        attachment = uploads.complete(attachment.pk, parts)
        if attachment.status == Attachment.Status.FAILED:
            return error_response(422, attachment.error_code, attachment.error_message)
        return Response(_state(attachment), status=202)


class UploadCancel(_UploadView):
    @extend_schema(request=None, responses={200: UploadStateSerializer})
    def post(self, request, pk):
        attachment = self.attachment(pk)
        if attachment is None:
            return _not_found()
        uploads.cancel(attachment.pk)
        return Response({"id": str(attachment.id), "status": "cancelled"})


class UploadPolicyView(TenantScopedMixin, APIView):
    """What the composer checks before anything uploads: size limit and allowed types per category
    (the server checks the same again), caption and text lengths."""

    @extend_schema(responses={200: OpenApiResponse(description="limits and allowed types per category")})
    def get(self, request):
        return Response(uploads.client_policy())


class UsageView(TenantScopedMixin, APIView):
    """The tenant's storage; its admins also see where the bytes are (`by_category`,
    `top_conversations`: media.storage.quota.breakdown)."""

    @extend_schema(responses={200: OpenApiResponse(description="stored, uploading, quota and free bytes")})
    def get(self, request):
        if is_tenant_admin(request):
            body = quota.breakdown(self.tenant)
        else:
            body = quota.usage(self.tenant).as_json()
        return Response({**body, "upload_max_bytes": settings.UPLOAD_MAX_BYTES})
