"""Each tenant's Evolution settings become its first connection, credentials encrypted; reversible."""

from django.db import migrations

from chatmedia.tenancy import credentials


def forwards(apps, schema_editor):
    Tenant = apps.get_model("tenancy", "Tenant")
    Connection = apps.get_model("tenancy", "Connection")
    for tenant in Tenant.objects.all().iterator():
        if Connection.objects.filter(tenant=tenant).exists():
            continue
        secrets = {
            "token": tenant.evolution_token,
            "webhook_secret": tenant.webhook_secret,
            "jwt_key": tenant.jwt_key,
        }
        secrets = {key: value for key, value in secrets.items() if value}
        Connection.objects.create(
            tenant=tenant,
            provider="evolution",
            name=tenant.evolution_instance or "WhatsApp",
            evolution_url=tenant.evolution_url,
            evolution_instance=tenant.evolution_instance,
            credentials=credentials.encrypt(secrets),
            webhook_secret_digest=credentials.digest(secrets.get("webhook_secret", "")),
            jwt_key_digest=credentials.digest(secrets.get("jwt_key", "")),
        )


def backwards(apps, schema_editor):
    Tenant = apps.get_model("tenancy", "Tenant")
    Connection = apps.get_model("tenancy", "Connection")
    for tenant in Tenant.objects.all().iterator():
        first = Connection.objects.filter(tenant=tenant, provider="evolution").order_by("created_at").first()
        if first is None:
            continue
        secrets = credentials.decrypt(first.credentials)
        tenant.evolution_url = first.evolution_url
        tenant.evolution_instance = first.evolution_instance
        tenant.evolution_token = secrets.get("token", "")
        tenant.webhook_secret = secrets.get("webhook_secret", "") or tenant.webhook_secret
        tenant.jwt_key = secrets.get("jwt_key", "")
        tenant.save()


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0005_connection"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
