"""Tenants of before connections keep everything: their Evolution settings become a first
connection (credentials encrypted) and every conversation moves onto it (tenancy 0006, chat 0007)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("tenancy", "0004_tenant_deleted_media_and_view_once"),
    ("chat", "0006_message_history_reactions_albums"),
]
AFTER = [("tenancy", "0007_tenant_settings_moved_to_connections"), ("chat", "0007_conversation_connection")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_tenant_with_data_becomes_a_tenant_with_one_connection():
    old = migrate(BEFORE)
    Tenant, Conversation, Message = (
        old.get_model("tenancy", "Tenant"),
        old.get_model("chat", "Conversation"),
        old.get_model("chat", "Message"),
    )
    acme = Tenant.objects.create(
        slug="acme", name="Acme", evolution_url="https://evo.example.com", evolution_instance="acme-vendas",
        evolution_token="evo-token-acme", webhook_secret="acme-webhook-secret-0123",
        jwt_key="acme-jwt-key-0123456789", deleted_media_retention_days=30,
    )  # fmt: skip
    bare = Tenant.objects.create(slug="bare", name="Bare", webhook_secret="bare-webhook-secret-0123")
    chats = [
        Conversation.objects.create(tenant=acme, remote_jid=f"551199999000{i}@s.whatsapp.net")
        for i in range(3)
    ]
    Conversation.objects.create(tenant=bare, remote_jid="5511988887777@s.whatsapp.net")
    for chat in chats:
        Message.objects.create(
            tenant=acme, conversation=chat, wa_message_id=f"ID{chat.remote_jid[:13]}", text="oi"
        )

    new = migrate(AFTER)
    Connection = new.get_model("tenancy", "Connection")
    Conversation, Message = new.get_model("chat", "Conversation"), new.get_model("chat", "Message")
    from chatmedia.tenancy import credentials

    (first,) = Connection.objects.filter(tenant__slug="acme")
    assert first.provider == "evolution" and first.name == "acme-vendas"
    assert first.evolution_url == "https://evo.example.com" and first.evolution_instance == "acme-vendas"
    assert credentials.decrypt(first.credentials) == {
        "token": "evo-token-acme",
        "webhook_secret": "acme-webhook-secret-0123",
        "jwt_key": "acme-jwt-key-0123456789",
    }
    assert "evo-token-acme" not in first.credentials
    assert first.webhook_secret_digest == credentials.digest("acme-webhook-secret-0123")
    assert first.jwt_key_digest == credentials.digest("acme-jwt-key-0123456789")
    assert Conversation.objects.filter(tenant__slug="acme", connection=first).count() == 3
    assert Message.objects.filter(conversation__connection=first).count() == 3
    (bare_connection,) = Connection.objects.filter(tenant__slug="bare")
    assert credentials.decrypt(bare_connection.credentials) == {"webhook_secret": "bare-webhook-secret-0123"}
    assert Conversation.objects.get(tenant__slug="bare").connection_id == bare_connection.id
    Tenant = new.get_model("tenancy", "Tenant")
    assert Tenant.objects.get(slug="acme").deleted_media_retention_days == 30

    # and back, for a deploy that has to be rolled back
    old = migrate(BEFORE)
    restored = old.get_model("tenancy", "Tenant").objects.get(slug="acme")
    assert (restored.evolution_token, restored.webhook_secret, restored.jwt_key) == (
        "evo-token-acme",
        "acme-webhook-secret-0123",
        "acme-jwt-key-0123456789",
    )
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
