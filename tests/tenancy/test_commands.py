"""create_tenant and create_api_token (contract §11)."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from chatmedia.tenancy.models import ApiToken, Membership, Tenant
from tests.connections import webhook_secret_of


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_tenant_prints_webhook_url(db, settings):
    settings.PUBLIC_BASE_URL = "https://chat.example.com"
    out, _ = run(
        "create_tenant", "acme", "--name", "ACME Ltda", "--webhook-secret", "s" * 24,
        "--evolution-url", "https://evo.example.com/", "--evolution-instance", "acme-main",
        "--evolution-token", "evo-token-123",
    )  # fmt: skip
    tenant = Tenant.objects.get(slug="acme")
    assert tenant.name == "ACME Ltda"
    (connection,) = tenant.connections.all()  # the options of before connections: its first one
    assert connection.provider == "evolution" and connection.evolution_url == "https://evo.example.com"
    assert connection.evolution_instance == "acme-main" and connection.secret("token") == "evo-token-123"
    assert "evo-token-123" not in connection.credentials  # encrypted at rest
    assert f"https://chat.example.com/webhooks/evolution/acme/{'s' * 24}/" in out


def test_create_tenant_generates_a_secret_and_refuses_bad_input(db):
    run("create_tenant", "beta")
    assert len(webhook_secret_of(Tenant.objects.get(slug="beta"))) >= 32
    with pytest.raises(CommandError, match="already exists"):
        run("create_tenant", "beta")
    with pytest.raises(CommandError, match="at least 16"):
        run("create_tenant", "gamma", "--webhook-secret", "short")
    with pytest.raises(CommandError):
        run("create_tenant", "bad slug!")
    with pytest.raises(CommandError):
        run("create_tenant", "delta", "--evolution-url", "ftp://x")


def test_create_api_token_prints_a_working_token(db):
    run("create_tenant", "acme")
    out, err = run("create_api_token", "acme", "integration")
    token = out.strip()
    assert token.startswith("cm_") and "\n" not in token
    assert "Created user" in err
    assert Membership.objects.filter(user__username="integration", tenant__slug="acme").exists()
    stored = ApiToken.objects.get()
    assert token not in (stored.key_digest, stored.key_hint)  # only a digest is stored
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    me = client.get("/api/me/").json()
    assert me["username"] == "integration" and me["tenant"]["slug"] == "acme"


def test_create_api_token_errors(db):
    with pytest.raises(CommandError, match="no tenant"):
        run("create_api_token", "nope", "someone")
    run("create_tenant", "acme")
    with pytest.raises(CommandError, match="no user"):
        run("create_api_token", "acme", "ghost", "--no-create-user")
