import uuid

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenancy", "0004_tenant_deleted_media_and_view_once"),
    ]

    operations = [
        migrations.CreateModel(
            name="Connection",
            fields=[
                (
                    "id",
                    models.UUIDField(default=uuid.uuid4, editable=False, primary_key=True, serialize=False),
                ),
                (
                    "provider",
                    models.CharField(
                        choices=[("evolution", "Evolution API"), ("cloud", "WhatsApp Cloud API")],
                        default="evolution",
                        max_length=16,
                    ),
                ),
                (
                    "name",
                    models.CharField(help_text="What agents see: Vendas, Suporte, Cobrança…", max_length=100),
                ),
                (
                    "phone",
                    models.CharField(blank=True, help_text="The number, digits only (E.164).", max_length=32),
                ),
                (
                    "evolution_url",
                    models.URLField(blank=True, help_text="Base URL of the Evolution API server."),
                ),
                ("evolution_instance", models.CharField(blank=True, max_length=200)),
                ("graph_url", models.URLField(blank=True, help_text="Graph API base URL (empty: Meta's).")),
                (
                    "phone_number_id",
                    models.CharField(blank=True, help_text="Meta's phone number id.", max_length=64),
                ),
                ("credentials", models.TextField(blank=True, editable=False)),
                (
                    "webhook_secret_digest",
                    models.CharField(blank=True, db_index=True, editable=False, max_length=64),
                ),
                ("jwt_key_digest", models.CharField(blank=True, editable=False, max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("unknown", "Not known yet"),
                            ("connected", "Connected"),
                            ("disconnected", "Disconnected"),
                            ("auth_error", "Credentials refused"),
                        ],
                        default="unknown",
                        max_length=16,
                    ),
                ),
                ("status_detail", models.CharField(blank=True, max_length=300)),
                ("status_changed_at", models.DateTimeField(blank=True, null=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="connections",
                        to="tenancy.tenant",
                    ),
                ),
            ],
            options={
                "ordering": ["tenant", "created_at"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("jwt_key_digest", ""), _negated=True),
                        fields=("jwt_key_digest",),
                        name="connection_unique_jwt_key",
                        violation_error_message="Another connection already uses this JWT key; each needs its own.",
                    ),
                    models.UniqueConstraint(
                        condition=models.Q(("phone_number_id", ""), _negated=True),
                        fields=("phone_number_id",),
                        name="connection_unique_phone_number_id",
                        violation_error_message="Another connection already uses this phone number id.",
                    ),
                ],
            },
        ),
    ]
