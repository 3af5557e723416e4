"""The Django admin is usable: every registered model's list, add and change pages render, and
secrets are never rendered back."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse


@pytest.fixture
def superuser(django_user_model, db):
    return django_user_model.objects.create_superuser("root-admin", password="a-long-admin-password")


@pytest.fixture
def staff_client(client, superuser, settings):
    # Tests run without collectstatic: plain static storage instead of the manifest one.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(superuser)
    return client


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


def test_tenant_secrets_are_write_only(staff_client, world_a):
    world_a.tenant.evolution_token = "evo-secret-value"
    world_a.tenant.jwt_key = "jwt-secret-value"
    world_a.tenant.save()
    url = reverse("admin:tenancy_tenant_change", args=[world_a.tenant.pk])
    page = staff_client.get(url).content.decode()
    for secret in ("evo-secret-value", "jwt-secret-value", world_a.tenant.webhook_secret):
        assert secret not in page
    # Saving without retyping them keeps them.
    form = {
        "slug": world_a.tenant.slug, "name": "Renamed", "evolution_url": "", "evolution_instance": "",
        "evolution_token": "", "webhook_secret": "", "jwt_key": "", "storage_quota_bytes": "0",
        "deleted_media_retention_days": "0", "store_view_once_media": "on",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    }  # fmt: skip
    response = staff_client.post(url, form)
    assert response.status_code == 302, response.content[:2000]
    world_a.tenant.refresh_from_db()
    assert world_a.tenant.name == "Renamed"
    assert world_a.tenant.evolution_token == "evo-secret-value"
    assert world_a.tenant.jwt_key == "jwt-secret-value"
