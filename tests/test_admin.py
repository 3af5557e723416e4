"""The Django admin is usable: every registered model's list, add and change pages render, and
secrets are never rendered back."""

from __future__ import annotations

from django.contrib import admin
from django.urls import reverse

from chatmedia.tenancy.models import Connection
from tests.connections import configure, connection_of


def test_every_admin_page_renders(staff_client, superuser, world_a, rf):
    request = rf.get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert staff_client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(request):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert staff_client.get(add).status_code == 200, add
        obj = model.objects.first()
        if obj is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
            assert staff_client.get(change).status_code == 200, change


def test_connection_credentials_are_write_only_and_encrypted(staff_client, world_a):
    connection = configure(world_a.tenant, token="evo-secret-value", jwt_key="jwt-secret-value-0123")
    url = reverse("admin:tenancy_connection_change", args=[connection.pk])
    page = staff_client.get(url).content.decode()
    for secret in ("evo-secret-value", "jwt-secret-value-0123", connection.secret("webhook_secret")):
        assert secret not in page
    # Saving without retyping them keeps them.
    form = {
        "tenant": str(world_a.tenant.pk), "provider": "evolution", "name": "Vendas", "phone": "",
        "evolution_url": "https://evo.example.com", "evolution_instance": "vendas", "graph_url": "",
        "phone_number_id": "", "token": "", "webhook_secret": "", "jwt_key": "", "access_token": "",
        "app_secret": "", "verify_token": "",
    }  # fmt: skip
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    connection.refresh_from_db()
    assert connection.name == "Vendas" and connection.evolution_instance == "vendas"
    assert connection.secret("token") == "evo-secret-value"
    assert connection.secret("jwt_key") == "jwt-secret-value-0123"
    assert "evo-secret-value" not in connection.credentials
    # A new one typed replaces it; a short JWT key is refused.
    response = staff_client.post(url, {**form, "token": "evo-new-value"})
    assert response.status_code == 302
    connection.refresh_from_db()
    assert connection.secret("token") == "evo-new-value"
    assert staff_client.post(url, {**form, "jwt_key": "short"}).status_code == 200


def test_a_connection_added_in_the_admin_gets_a_webhook_secret(staff_client, world_a):
    form = {
        "tenant": str(world_a.tenant.pk), "provider": "cloud", "name": "Suporte", "phone": "5511999990000",
        "evolution_url": "", "evolution_instance": "", "graph_url": "", "phone_number_id": "1234567890",
        "token": "", "webhook_secret": "", "jwt_key": "", "access_token": "EAAG-token",
        "app_secret": "app-secret", "verify_token": "verify-token-0123456789",
    }  # fmt: skip
    response = staff_client.post(reverse("admin:tenancy_connection_add"), form)
    assert response.status_code == 302, response.content[:2000]
    added = Connection.objects.get(name="Suporte")
    assert added.secret("access_token") == "EAAG-token" and added.secret("webhook_secret")


def test_tenant_form_keeps_its_policies(staff_client, world_a):
    url = reverse("admin:tenancy_tenant_change", args=[world_a.tenant.pk])
    form = {
        "slug": world_a.tenant.slug, "name": "Renamed", "time_zone": "America/Manaus",
        "storage_quota_bytes": "0",
        "deleted_media_retention_days": "30", "store_view_once_media": "on",
        "connections-TOTAL_FORMS": "1", "connections-INITIAL_FORMS": "1",
        "connections-0-id": str(connection_of(world_a.tenant).pk),
        "connections-0-tenant": str(world_a.tenant.pk),
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content[:3000]
    world_a.tenant.refresh_from_db()
    assert world_a.tenant.name == "Renamed" and world_a.tenant.deleted_media_retention_days == 30
    assert world_a.tenant.time_zone == "America/Manaus"
