"""Several WhatsApp numbers per tenant: `create_connection`, `GET /api/connections/`, the
conversation list by number, webhooks per connection, credentials encrypted at rest."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from chatmedia.chat.models import Conversation
from chatmedia.chat.serializers import ConversationSerializer
from chatmedia.tenancy import credentials
from chatmedia.tenancy.models import Connection
from chatmedia.tenancy.provisioning import connection_webhook_url, create_evolution_connection
from tests.connections import connection_of


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_connection_evolution_prints_id_and_webhook_url(world_a, settings):
    settings.PUBLIC_BASE_URL = "https://chat.example.com"
    out = run(
        "create_connection", world_a.tenant.slug, "--provider", "evolution", "--name", "Suporte",
        "--evolution-url", "https://evo.example.com/", "--evolution-instance", "acme-suporte",
        "--evolution-token", "evo-token-of-support", "--webhook-secret", "w" * 24, "--jwt-key", "j" * 32,
        "--phone", "+55 11 98888-0000",
    )  # fmt: skip
    connection = Connection.objects.get(name="Suporte")
    assert str(connection.id) in out.splitlines()[0]
    assert f"Webhook URL: https://chat.example.com/webhooks/evolution/{connection.id}/{'w' * 24}/" in out
    assert connection.tenant == world_a.tenant and connection.phone == "5511988880000"
    assert connection.evolution_url == "https://evo.example.com"
    assert connection.secret("token") == "evo-token-of-support" and connection.secret("jwt_key") == "j" * 32
    for secret in ("evo-token-of-support", "w" * 24, "j" * 32):
        assert secret not in connection.credentials  # encrypted at rest
    assert connection.webhook_secret_digest == credentials.digest("w" * 24)


def test_create_connection_cloud(world_a, settings):
    settings.PUBLIC_BASE_URL = "https://chat.example.com"
    out = run(
        "create_connection", world_a.tenant.slug, "--provider", "cloud", "--name", "Cobrança",
        "--phone-number-id", "106540352242922", "--access-token", "EAAG-long-lived-token",
        "--app-secret", "the-meta-app-secret", "--verify-token", "a-verify-token-of-ours",
        "--graph-url", "http://127.0.0.1:9999",
    )  # fmt: skip
    connection = Connection.objects.get(name="Cobrança")
    assert out.splitlines()[-1] == f"Webhook URL: https://chat.example.com/webhooks/cloud/{connection.id}/"
    assert connection.provider == "cloud" and connection.phone_number_id == "106540352242922"
    assert connection.graph_url == "http://127.0.0.1:9999" and connection.can_send
    assert connection.secrets() == {
        "access_token": "EAAG-long-lived-token",
        "app_secret": "the-meta-app-secret",
        "verify_token": "a-verify-token-of-ours",
    }
    assert "EAAG" not in connection.credentials


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "evolution"], "missing --evolution-url"),
        (["--provider", "evolution", "--evolution-url", "ftp://x", "--evolution-instance", "i",
          "--evolution-token", "t"], "Evolution URL"),
        (["--provider", "cloud", "--phone-number-id", "abc"], "numeric id"),
        (["--provider", "cloud", "--phone-number-id", "1", "--access-token", "t", "--app-secret", "s"],
         "verify token"),
    ],
)  # fmt: skip
def test_create_connection_refuses_bad_input(world_a, args, message):
    with pytest.raises(CommandError, match=message):
        run("create_connection", world_a.tenant.slug, *args)
    with pytest.raises(CommandError, match="no tenant"):
        run("create_connection", "nobody", "--provider", "cloud")


def test_the_api_lists_the_tenants_numbers_and_never_a_credential(world_a, world_b):
    create_evolution_connection(world_a.tenant, name="Suporte", token="evo-token-never-shown")
    answer = world_a.client().get("/api/connections/")
    assert answer.status_code == 200
    listed = answer.json()
    assert [c["name"] for c in listed] == ["WhatsApp", "Suporte"]
    assert set(listed[0]) == {"id", "provider", "name", "phone", "status", "status_changed_at"}
    assert str(connection_of(world_b.tenant).id) not in answer.content.decode()
    assert "evo-token-never-shown" not in answer.content.decode()


def test_the_conversation_list_by_number(world_a, world_b):
    support = create_evolution_connection(world_a.tenant, name="Suporte")
    on_support = Conversation.objects.create(
        tenant=world_a.tenant, connection=support, remote_jid=world_a.conversation.remote_jid
    )
    client = world_a.client()
    everything = client.get("/api/conversations/").json()["results"]
    assert {c["id"] for c in everything} == {str(world_a.conversation.id), str(on_support.id)}
    assert {c["connection"] for c in everything} == {str(support.id), str(connection_of(world_a.tenant).id)}
    only = client.get(f"/api/conversations/?connection={support.id}").json()["results"]
    assert [c["id"] for c in only] == [str(on_support.id)]
    others = client.get(f"/api/conversations/?connection={connection_of(world_b.tenant).id}").json()
    assert others["results"] == []  # another tenant's number: nothing of theirs
    bad = client.get("/api/conversations/?connection=not-a-uuid")
    assert bad.status_code == 400 and bad.json()["error"]["code"]
    json.dumps(ConversationSerializer(on_support).data)  # events carry it through plain json


def test_credentials_survive_a_key_rotation_and_a_wrong_key_is_an_error(world_a, settings):
    connection = configure_token(world_a, "evo-token-before-rotation")
    old_key = settings.CREDENTIALS_KEY
    settings.CREDENTIALS_KEY = credentials.new_key()
    settings.CREDENTIALS_KEY_FALLBACKS = [old_key]
    connection.refresh_from_db()
    assert connection.secret("token") == "evo-token-before-rotation"
    run("rotate_credentials")
    settings.CREDENTIALS_KEY_FALLBACKS = []
    connection.refresh_from_db()
    assert connection.secret("token") == "evo-token-before-rotation"  # rewritten under the new key
    settings.CREDENTIALS_KEY = credentials.new_key()
    with pytest.raises(credentials.CredentialsError):
        connection.secret("token")


def configure_token(world, token: str) -> Connection:
    connection = connection_of(world.tenant)
    connection.set_secrets(token=token)
    connection.save()
    return connection


def test_the_webhook_url_of_each_provider(world_a, settings):
    settings.PUBLIC_BASE_URL = "https://chat.example.com"
    connection = connection_of(world_a.tenant)
    secret = connection.secret("webhook_secret")
    assert connection_webhook_url(connection).endswith(f"/webhooks/evolution/{connection.id}/{secret}/")
    assert secret not in connection_webhook_url(connection, reveal=False)
    # the old tenant route is still served
    assert Client().get(f"/webhooks/evolution/{world_a.tenant.slug}/{secret}/").status_code == 405
