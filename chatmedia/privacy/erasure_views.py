"""A customer's data on request (LGPD), for the tenant's admins only (403 otherwise): erasing it
(privacy.erasure) and exporting it (privacy.export).

- `POST /api/erasures/ {"phone"}` → 202: the erasure, queued; it runs in the background.
- `GET /api/erasures/` → the tenant's erasures, newest first; `GET /api/erasures/<id>/` → one, with
  its progress and, once `done`, its report (conversations, messages, files, bytes freed).
- `POST /api/exports/ {"phone"}` → 201 `{url, expires_at}`; `GET /api/exports/download/?token=` →
  the zip (privacy.export).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat.models import Erasure
from chatmedia.errors import error_response
from chatmedia.media.serving import archive
from chatmedia.privacy import audit_log, erasure, export
from chatmedia.tenancy.scoping import TenantScopedMixin, is_tenant_admin

# Erasures listed at once (a tenant has few: no pagination).
LIST_MAX = 100


class ErasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Erasure
        fields = [
            "id", "status", "phone", "requested_by_name", "keeps_metadata", "conversations", "messages",
            "files", "bytes_freed", "created_at", "heartbeat_at", "finished_at",
        ]  # fmt: skip
        read_only_fields = fields


class NewErasureSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=40, help_text="The customer's number, with country and area code."
    )


def _admins_only(request):
    if not is_tenant_admin(request):
        return error_response(403, "admins_only", "Only the account's admins erase a customer's data.")
    return None


class ErasureList(TenantScopedMixin, APIView):
    @extend_schema(responses={200: ErasureSerializer(many=True)})
    def get(self, request):
        if refused := _admins_only(request):
            return refused
        erasures = self.scoped(Erasure.objects.order_by("-created_at"))[:LIST_MAX]
        return Response(ErasureSerializer(erasures, many=True).data)

    @extend_schema(request=NewErasureSerializer, responses={202: ErasureSerializer})
    def post(self, request):
        if refused := _admins_only(request):
            return refused
        body = NewErasureSerializer(data=request.data)
        if not body.is_valid():
            return error_response(400, "invalid_phone", "Give the customer's number.")
        started = erasure.start(self.tenant, body.validated_data["phone"], request.user)  # Refused: 400
        return Response(ErasureSerializer(started).data, status=202)


class ErasureDetail(TenantScopedMixin, APIView):
    @extend_schema(responses={200: ErasureSerializer})
    def get(self, request, pk):
        found = self.scoped(Erasure.objects.all()).filter(pk=pk).first()
        if found is None:
            return error_response(404, "not_found", "No such erasure.")
        if refused := _admins_only(request):
            return refused
        return Response(ErasureSerializer(found).data)


class NewExportSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=40, help_text="The customer's number, with country and area code."
    )


class ExportLinkSerializer(serializers.Serializer):
    url = serializers.CharField()
    expires_at = serializers.DateTimeField()


class ExportLink(TenantScopedMixin, APIView):
    """POST {"phone"} (admins): a link to that customer's data as one zip (privacy.export), valid for
    EXPORT_LINK_TTL_SECONDS, for this admin only."""

    @extend_schema(request=NewExportSerializer, responses={201: ExportLinkSerializer})
    def post(self, request):
        if refused := _admins_only(request):
            return refused
        body = NewExportSerializer(data=request.data)
        if not body.is_valid():
            return error_response(400, "invalid_phone", "Give the customer's number.")
        token, expires_at = export.link(self.tenant, body.validated_data["phone"], request.user)
        url = f"{reverse('export-download')}?{urlencode({'token': token})}"
        return Response({"url": url, "expires_at": expires_at}, status=201)


class ExportDownload(TenantScopedMixin, APIView):
    """GET ?token=: the zip, streamed in constant memory with its exact length. The link must be
    this tenant's and this admin's, and not expired (410)."""

    @extend_schema(responses={(200, "application/zip"): OpenApiTypes.BINARY})
    def get(self, request):
        claims = export.opened(request.query_params.get("token", ""))
        if claims["tenant"] != str(self.tenant.pk) or claims["user"] != request.user.pk:
            return error_response(403, "not_yours", "This export link was made for someone else.")
        if refused := _admins_only(request):
            return refused
        files: list = []
        stream = export.zip_for(self.tenant, claims["phone"], files)
        conversations = len({a.conversation_id for a in files})
        audit_log.record(
            self.tenant.pk, audit_log.Action.EXPORT, audit_log.Via.EXPORT, actor=request.user,
            request=request, attachments=files, detail={"files": len(files), "conversations": conversations},
        )  # fmt: skip
        day = timezone.localtime().strftime("%Y-%m-%d")
        return archive.response(stream, f"dados-cliente-{day}.zip")
