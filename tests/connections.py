"""Test helpers for tenants and their WhatsApp connections (credentials go through the model's
encryption, as in production)."""

from __future__ import annotations

from chatmedia.chat.models import Conversation
from chatmedia.tenancy.models import Connection, Tenant, new_webhook_secret


def new_tenant(slug: str, name: str = "", **evolution) -> Tenant:
    """A tenant with one Evolution connection; `evolution`: see `configure`."""
    tenant = Tenant.objects.create(slug=slug, name=name or slug.title())
    connection = Connection(tenant=tenant, provider=Connection.Provider.EVOLUTION, name="WhatsApp")
    connection.set_secrets(webhook_secret=evolution.pop("webhook_secret", None) or new_webhook_secret())
    connection.save()
    if evolution:
        configure(tenant, **evolution)
    return tenant


def connection_of(tenant: Tenant) -> Connection:
    """The tenant's first connection (the one every single-number test uses)."""
    return Connection.objects.filter(tenant=tenant).order_by("created_at").select_related("tenant").first()


def configure(
    tenant_or_connection, *, url=None, instance=None, token=None, webhook_secret=None, jwt_key=None
) -> Connection:
    """Change the Evolution settings of a tenant's first connection (or of that connection)."""
    connection = (
        tenant_or_connection
        if isinstance(tenant_or_connection, Connection)
        else connection_of(tenant_or_connection)
    )
    if url is not None:
        connection.evolution_url = url
    if instance is not None:
        connection.evolution_instance = instance
    secrets = {"token": token, "webhook_secret": webhook_secret, "jwt_key": jwt_key}
    connection.set_secrets(**{k: v for k, v in secrets.items() if v is not None})
    connection.save()
    return connection


def connect_to_fake(tenant: Tenant, fake) -> Connection:
    return configure(tenant, url=fake.url, instance=fake.state.instance, token=fake.state.apikey)


def webhook_secret_of(tenant: Tenant) -> str:
    return connection_of(tenant).secret("webhook_secret")


def webhook_path(tenant: Tenant) -> str:
    """The route of before connections (tenant slug + secret), which keeps working."""
    return f"/webhooks/evolution/{tenant.slug}/{webhook_secret_of(tenant)}/"


def new_conversation(tenant: Tenant, **fields) -> Conversation:
    return Conversation.objects.create(tenant=tenant, connection=connection_of(tenant), **fields)


def jwt_key_of(tenant: Tenant) -> str:
    return connection_of(tenant).secret("jwt_key")


def cloud_on_fake(
    tenant: Tenant, graph, *, name: str = "Atendimento", phone_number_id: str = ""
) -> Connection:
    """A WhatsApp Cloud API number of `tenant` on the fake Graph API (tools/fake_graph)."""
    from chatmedia.tenancy.provisioning import create_cloud_connection

    return create_cloud_connection(
        tenant,
        phone_number_id=phone_number_id or graph.state.phone_number_id,
        access_token=graph.state.access_token,
        app_secret=graph.state.app_secret,
        verify_token="our-verify-token-0123456789",
        graph_url=graph.url,
        name=name,
    )
