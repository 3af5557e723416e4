"""Erasing a customer's data (LGPD; chat.erasure), for the tenant's admins only (403 otherwise).

- `POST /api/erasures/ {"phone"}` → 202: the erasure, queued; it runs in the background.
- `GET /api/erasures/` → the tenant's erasures, newest first; `GET /api/erasures/<id>/` → one, with
  its progress and, once `done`, its report (conversations, messages, files, bytes freed).
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.chat import erasure
from chatmedia.chat.models import Erasure
from chatmedia.errors import error_response
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
