"""The one place that decides which tenant a request acts in, and scopes every query to it.

- A token acts in the tenant of its membership.
- A session acts in the tenant stored in the session (`SESSION_TENANT_KEY`), else the user's first
  membership. A user with no membership is authenticated but may do nothing (403).

Every API view inherits `TenantScopedMixin`, so its queryset is filtered by tenant before any lookup:
an id of another tenant is simply not found (404), exactly like an id that does not exist.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from rest_framework import exceptions, permissions

from chatmedia.tenancy.models import ApiToken, Membership, Tenant

SESSION_TENANT_KEY = "chatmedia_tenant_id"
_CACHE_ATTR = "_chatmedia_tenant"


def tenant_for_session(user: AbstractBaseUser | AnonymousUser, session) -> Tenant | None:
    if not user.is_authenticated:
        return None
    memberships = Membership.objects.filter(user=user).select_related("tenant").order_by("created_at", "id")
    chosen = session.get(SESSION_TENANT_KEY) if session is not None else None
    if chosen:
        for membership in memberships:
            if str(membership.tenant_id) == chosen:
                return membership.tenant
    first = memberships.first()
    return first.tenant if first else None


def tenant_for_request(request) -> Tenant | None:
    """The tenant of an authenticated DRF request (memoized on the request)."""
    django_request = getattr(request, "_request", request)
    if hasattr(django_request, _CACHE_ATTR):
        return getattr(django_request, _CACHE_ATTR)
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiToken):
        tenant = auth.membership.tenant
    else:
        tenant = tenant_for_session(request.user, getattr(django_request, "session", None))
    setattr(django_request, _CACHE_ATTR, tenant)
    return tenant


def membership_for_request(request) -> Membership | None:
    """The caller's membership of the tenant the request acts in (with its tenant)."""
    tenant = tenant_for_request(request)
    if tenant is None or not request.user.is_authenticated:
        return None
    return Membership.objects.select_related("tenant").filter(user=request.user, tenant=tenant).first()


def is_tenant_admin(request) -> bool:
    """The caller is an admin of the tenant the request acts in (not of some other tenant)."""
    tenant = tenant_for_request(request)
    if tenant is None:
        return False
    return Membership.objects.filter(user=request.user, tenant=tenant, role=Membership.Role.ADMIN).exists()


class IsTenantMember(permissions.BasePermission):
    """Authenticated (else 401) and a member of some tenant (else 403)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if tenant_for_request(request) is None:
            raise exceptions.PermissionDenied("Your user is not a member of any tenant.")
        return True


class TenantScopedMixin:
    """Mix into every API view: querysets are filtered by the request's tenant before any lookup."""

    @property
    def tenant(self) -> Tenant:
        tenant = tenant_for_request(self.request)
        if tenant is None:  # IsTenantMember ran first; this is a programming error guard
            raise exceptions.PermissionDenied("Your user is not a member of any tenant.")
        return tenant

    def scoped(self, queryset):
        return queryset.filter(tenant=self.tenant)

    def get_queryset(self):
        return self.scoped(super().get_queryset())
