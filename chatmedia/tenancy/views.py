"""Who am I and in which tenant am I acting (the web UI asks this first), and the tenant's
WhatsApp numbers (`GET /api/connections/`: never a credential)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.tenancy.models import Connection, Membership, Tenant
from chatmedia.tenancy.scoping import TenantScopedMixin


class TenantRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tenant
        # time_zone: the web chat's dates (Hoje, Ontem, weekdays) are in it.
        fields = ["id", "slug", "name", "time_zone"]


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    # May remove a file for everyone (LGPD requests; privacy.removal): admins, agents when allowed.
    may_remove_media = serializers.BooleanField()
    tenant = TenantRefSerializer()
    tenants = TenantRefSerializer(many=True)


class Me(TenantScopedMixin, APIView):
    @extend_schema(responses=MeSerializer)
    def get(self, request):
        memberships = list(Membership.objects.filter(user=request.user).select_related("tenant"))
        tenant = self.tenant
        membership = next(m for m in memberships if m.tenant_id == tenant.id)
        me = {
            "username": request.user.get_username(),
            "role": membership.role,
            "may_remove_media": membership.may_remove_media,
            "tenant": tenant,
            "tenants": [m.tenant for m in memberships],
        }
        return Response(MeSerializer(me).data)


class ConnectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Connection
        fields = ["id", "provider", "name", "phone", "status", "status_changed_at"]
        read_only_fields = fields


class ConnectionList(TenantScopedMixin, generics.ListAPIView):
    """The tenant's numbers, oldest first (a tenant has a handful: no pagination)."""

    queryset = Connection.objects.order_by("created_at", "id")
    serializer_class = ConnectionSerializer
    pagination_class = None
