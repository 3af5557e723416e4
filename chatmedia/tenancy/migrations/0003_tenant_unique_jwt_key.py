from collections import Counter

from django.db import migrations, models


def refuse_shared_keys(apps, schema_editor):
    """A JWT key shared by tenants lets one post into the other: name them instead of failing
    with the database's bare constraint error."""
    tenant = apps.get_model("tenancy", "Tenant")
    counts = Counter(tenant.objects.exclude(jwt_key="").values_list("jwt_key", flat=True))
    shared = {key for key, count in counts.items() if count > 1}
    if shared:
        slugs = sorted(tenant.objects.filter(jwt_key__in=shared).values_list("slug", flat=True))
        raise RuntimeError(
            f"tenants {', '.join(slugs)} share a webhook JWT key: give each its own (admin or "
            "create_tenant), then migrate again"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0002_tenant_storage_counted_at_tenant_storage_used_bytes"),
    ]

    operations = [
        migrations.RunPython(refuse_shared_keys, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="tenant",
            constraint=models.UniqueConstraint(
                condition=models.Q(("jwt_key", ""), _negated=True),
                fields=("jwt_key",),
                name="tenant_unique_jwt_key",
                violation_error_message="Another tenant already uses this JWT key; each needs its own.",
            ),
        ),
    ]
