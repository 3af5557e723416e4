"""`GET /api/audit-log/` — the tenant's audit log, for its admins only (403 otherwise), newest first,
cursor-paginated. Filters (all optional, combined): `action` (view, download, forward, delete,
export), `via`, `actor` (a user id), `attachment`, `conversation` (ids), `since`, `until` (ISO 8601
dates or times). Read only: there is no endpoint that changes or deletes a row.
"""

from __future__ import annotations

import uuid
from datetime import datetime, time

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers

from chatmedia.chat.pagination import NewestFirstCursorPagination
from chatmedia.errors import Refused
from chatmedia.privacy.models import AuditEvent
from chatmedia.tenancy.scoping import TenantScopedMixin, is_tenant_admin

ACTOR_MAX_DIGITS = 18


class AuditEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id", "at", "action", "via", "actor_id", "actor_name", "attachment_id", "message_id",
            "conversation_id", "variant", "category", "ip", "user_agent", "detail",
        ]  # fmt: skip
        read_only_fields = fields


class AuditPagination(NewestFirstCursorPagination):
    ordering = ("-at", "-id")


def _moment(raw: str, name: str, end: bool):
    """A time as given; a date alone is its first moment (`since`) or its last (`until`)."""
    try:
        day = parse_date(raw)
        found = datetime.combine(day, time.max if end else time.min) if day else parse_datetime(raw)
    except ValueError:
        found = None
    if found is None:
        raise Refused(400, "bad_filter", f"{name} must be an ISO 8601 date or time, e.g. 2026-12-01.")
    return timezone.make_aware(found) if timezone.is_naive(found) else found


def _uuid(raw: str, name: str):
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise Refused(400, "bad_filter", f"{name} must be an id.") from None


_FILTERS = [
    OpenApiParameter("action", OpenApiTypes.STR, enum=AuditEvent.Action.values),
    OpenApiParameter("via", OpenApiTypes.STR, enum=AuditEvent.Via.values),
    OpenApiParameter("actor", OpenApiTypes.INT),
    OpenApiParameter("attachment", OpenApiTypes.UUID),
    OpenApiParameter("conversation", OpenApiTypes.UUID),
    OpenApiParameter("since", OpenApiTypes.STR, description="ISO 8601 date or time"),
    OpenApiParameter("until", OpenApiTypes.STR, description="ISO 8601 date or time"),
]


class AuditLogList(TenantScopedMixin, generics.ListAPIView):
    serializer_class = AuditEventSerializer
    pagination_class = AuditPagination

    def get_queryset(self):
        if not is_tenant_admin(self.request):
            raise Refused(403, "admins_only", "Only the account's admins read the audit log.")
        rows = self.scoped(AuditEvent.objects.all())
        asked = self.request.query_params
        if action := asked.get("action"):
            if action not in AuditEvent.Action.values:
                raise Refused(400, "bad_filter", f"action is one of {', '.join(AuditEvent.Action.values)}.")
            rows = rows.filter(action=action)
        if via := asked.get("via"):
            if via not in AuditEvent.Via.values:
                raise Refused(400, "bad_filter", f"via is one of {', '.join(AuditEvent.Via.values)}.")
            rows = rows.filter(via=via)
        if actor := asked.get("actor"):
            # A user id fits a bigint: 18 digits at most (a longer one is no user, and int() of
            # thousands of digits raises).
            if not (actor.isascii() and actor.isdigit() and len(actor) <= ACTOR_MAX_DIGITS):
                raise Refused(400, "bad_filter", "actor must be a user id.")
            rows = rows.filter(actor_id=int(actor))
        if attachment := asked.get("attachment"):
            rows = rows.filter(attachment_id=_uuid(attachment, "attachment"))
        if conversation := asked.get("conversation"):
            rows = rows.filter(conversation_id=_uuid(conversation, "conversation"))
        if since := asked.get("since"):
            rows = rows.filter(at__gte=_moment(since, "since", end=False))
        if until := asked.get("until"):
            rows = rows.filter(at__lte=_moment(until, "until", end=True))
        return rows

    @extend_schema(parameters=_FILTERS)
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
