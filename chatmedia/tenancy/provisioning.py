"""Operator actions on tenants; the management commands are thin shells around these."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import transaction

from chatmedia.tenancy import credentials
from chatmedia.tenancy.models import ApiToken, Connection, Membership, Tenant, new_webhook_secret

# Shortest webhook secret (and JWT key) we accept: it is the only thing between the internet and
# the webhook.
MIN_WEBHOOK_SECRET_LENGTH = 16


class ProvisioningError(ValueError):
    pass


def webhook_url(tenant: Tenant) -> str:
    """The tenant's first Evolution connection's webhook URL in the route of before connections
    (`/webhooks/evolution/<slug>/<secret>/`, which keeps working)."""
    connection = tenant.connections.filter(provider=Connection.Provider.EVOLUTION).first()
    secret = connection.secret("webhook_secret") if connection is not None else ""
    return f"{settings.PUBLIC_BASE_URL}/webhooks/evolution/{tenant.slug}/{secret}/"


def connection_webhook_url(connection: Connection, *, reveal: bool = True) -> str:
    """Where the provider posts this connection's webhooks. Evolution: the path carries the
    webhook secret (`reveal=False` puts a placeholder there). Cloud: the app secret signs each
    body instead, and the verify token answers Meta's GET."""
    base = f"{settings.PUBLIC_BASE_URL}/webhooks/{connection.provider}/{connection.id}/"
    if connection.provider == Connection.Provider.EVOLUTION:
        return base + (connection.secret("webhook_secret") if reveal else "<webhook secret>") + "/"
    return base


def _check_url(url: str, what: str) -> str:
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ProvisioningError(f"{what}: " + "; ".join(exc.messages)) from exc
    return url.rstrip("/")


def _check_secret(value: str, what: str) -> None:
    if value and len(value) < MIN_WEBHOOK_SECRET_LENGTH:
        raise ProvisioningError(f"the {what} must have at least {MIN_WEBHOOK_SECRET_LENGTH} characters")


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
    """A tenant and its first connection (Evolution; the options of before connections)."""
    try:
        validate_slug(slug)
    except ValidationError as exc:
        raise ProvisioningError("; ".join(exc.messages)) from exc
    if Tenant.objects.filter(slug=slug).exists():
        raise ProvisioningError(f"tenant {slug!r} already exists")
    with transaction.atomic():
        tenant = Tenant.objects.create(slug=slug, name=name or slug)
        create_evolution_connection(
            tenant,
            url=evolution_url,
            instance=evolution_instance,
            token=evolution_token,
            webhook_secret=webhook_secret,
            jwt_key=jwt_key,
            name=evolution_instance or "WhatsApp",
        )
    return tenant


def create_evolution_connection(
    tenant: Tenant,
    *,
    url: str = "",
    instance: str = "",
    token: str = "",
    webhook_secret: str | None = None,
    jwt_key: str = "",
    name: str = "",
    phone: str = "",
) -> Connection:
    if url:
        url = _check_url(url, "the Evolution URL")
    if webhook_secret is not None:
        _check_secret(webhook_secret, "webhook secret")
    _check_secret(jwt_key, "JWT key")
    if jwt_key and Connection.objects.filter(jwt_key_digest=credentials.digest(jwt_key)).exists():
        raise ProvisioningError("another connection already uses this JWT key; each needs its own")
    connection = Connection(
        tenant=tenant,
        provider=Connection.Provider.EVOLUTION,
        name=name or instance or "WhatsApp",
        phone=_digits(phone),
        evolution_url=url,
        evolution_instance=instance,
    )
    connection.set_secrets(
        token=token, webhook_secret=webhook_secret or new_webhook_secret(), jwt_key=jwt_key
    )
    connection.save()
    return connection


def create_cloud_connection(
    tenant: Tenant,
    *,
    phone_number_id: str,
    access_token: str,
    app_secret: str,
    verify_token: str,
    graph_url: str = "",
    name: str = "",
    phone: str = "",
) -> Connection:
    if not phone_number_id.isdigit():
        raise ProvisioningError("the phone number id is Meta's numeric id (WhatsApp Manager → API Setup)")
    for value, what in (
        (access_token, "access token"),
        (app_secret, "app secret"),
        (verify_token, "verify token"),
    ):
        if not value:
            raise ProvisioningError(f"the {what} is required")
    _check_secret(verify_token, "verify token")
    if Connection.objects.filter(phone_number_id=phone_number_id).exists():
        raise ProvisioningError("another connection already uses this phone number id")
    connection = Connection(
        tenant=tenant,
        provider=Connection.Provider.CLOUD,
        name=name or phone or phone_number_id,
        phone=_digits(phone),
        graph_url=_check_url(graph_url, "the Graph API URL") if graph_url else "",
        phone_number_id=phone_number_id,
    )
    connection.set_secrets(access_token=access_token, app_secret=app_secret, verify_token=verify_token)
    connection.save()
    return connection


def _digits(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isdigit())


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
