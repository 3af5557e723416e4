"""Operator actions on tenants; the management commands are thin shells around these."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction

from chatmedia.tenancy.models import ApiToken, Membership, Tenant, new_webhook_secret

# Shortest webhook secret (and JWT key) we accept: it is the only thing between the internet and
# the webhook.
MIN_WEBHOOK_SECRET_LENGTH = 16


class ProvisioningError(ValueError):
    pass


def webhook_url(tenant: Tenant) -> str:
    return f"{settings.PUBLIC_BASE_URL}/webhooks/evolution/{tenant.slug}/{tenant.webhook_secret}/"


def create_tenant(
    slug: str,
    *,
    name: str = "",
    webhook_secret: str | None = None,
    evolution_url: str = "",
    evolution_instance: str = "",
    evolution_token: str = "",
    jwt_key: str = "",
) -> Tenant:
    try:
        validate_slug(slug)
        if evolution_url:
            URLValidator(schemes=["http", "https"])(evolution_url)
    except ValidationError as exc:
        raise ProvisioningError("; ".join(exc.messages)) from exc
    if webhook_secret is not None and len(webhook_secret) < MIN_WEBHOOK_SECRET_LENGTH:
        raise ProvisioningError(
            f"the webhook secret must have at least {MIN_WEBHOOK_SECRET_LENGTH} characters"
        )
    if jwt_key and len(jwt_key) < MIN_WEBHOOK_SECRET_LENGTH:
        raise ProvisioningError(f"the JWT key must have at least {MIN_WEBHOOK_SECRET_LENGTH} characters")
    if Tenant.objects.filter(slug=slug).exists():
        raise ProvisioningError(f"tenant {slug!r} already exists")
    if jwt_key and Tenant.objects.filter(jwt_key=jwt_key).exists():
        raise ProvisioningError("another tenant already uses this JWT key; each needs its own")
    return Tenant.objects.create(
        slug=slug,
        name=name or slug,
        webhook_secret=webhook_secret or new_webhook_secret(),
        evolution_url=evolution_url.rstrip("/"),
        evolution_instance=evolution_instance,
        evolution_token=evolution_token,
        jwt_key=jwt_key,
    )


@transaction.atomic
def issue_api_token(slug: str, username: str, *, create_user: bool = True) -> tuple[str, bool]:
    """Mint a token for `username` acting in tenant `slug`. Returns (raw token, user_was_created).

    A missing user (an integration account) is created without a usable password, and made a
    member of the tenant; an existing user must already be a member or is made one.
    """
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise ProvisioningError(f"no tenant {slug!r}")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    created = False
    if user is None:
        if not create_user:
            raise ProvisioningError(f"no user {username!r}")
        user = user_model(username=username)
        user.set_unusable_password()
        user.save()
        created = True
    membership, _ = Membership.objects.get_or_create(user=user, tenant=tenant)
    _, raw = ApiToken.issue(membership, name="cli")
    return raw, created
