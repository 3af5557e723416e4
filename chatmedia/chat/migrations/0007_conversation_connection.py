"""Every conversation belongs to one connection: existing ones to their tenant's first (the one
tenancy 0006 made of its Evolution settings). Unique per connection and address from now on."""

import django.db.models.deletion
from django.db import migrations, models


def forwards(apps, schema_editor):
    Conversation = apps.get_model("chat", "Conversation")
    Connection = apps.get_model("tenancy", "Connection")
    firsts = {}
    for connection in Connection.objects.order_by("-created_at"):
        firsts[connection.tenant_id] = connection.pk  # the oldest wins
    for tenant_id, connection_id in firsts.items():
        Conversation.objects.filter(tenant_id=tenant_id, connection__isnull=True).update(
            connection_id=connection_id
        )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0006_message_history_reactions_albums"),
        ("tenancy", "0006_connections_from_tenants"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="connection",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="conversations",
                to="tenancy.connection",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="conversation", name="conversation_unique_tenant_jid"),
        migrations.RemoveIndex(model_name="conversation", name="conversation_alt_jid"),
        migrations.AlterField(
            model_name="conversation",
            name="connection",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.RESTRICT,
                related_name="conversations",
                to="tenancy.connection",
            ),
        ),
        migrations.AddConstraint(
            model_name="conversation",
            constraint=models.UniqueConstraint(
                fields=("connection", "remote_jid"), name="conversation_unique_connection_jid"
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(fields=["connection", "alt_jid"], name="conversation_connection_alt"),
        ),
    ]
