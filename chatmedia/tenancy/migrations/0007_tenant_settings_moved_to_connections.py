from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0006_connections_from_tenants"),
        ("chat", "0007_conversation_connection"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="tenant", name="tenant_unique_jwt_key"),
        migrations.RemoveField(model_name="tenant", name="evolution_url"),
        migrations.RemoveField(model_name="tenant", name="evolution_instance"),
        migrations.RemoveField(model_name="tenant", name="evolution_token"),
        migrations.RemoveField(model_name="tenant", name="webhook_secret"),
        migrations.RemoveField(model_name="tenant", name="jwt_key"),
    ]
