"""Unread counts (`Conversation.agent_read_at`) and the times a message reached each state.
What was there before counts as read (nobody wants years of history as unread), and an outgoing
message WhatsApp had accepted was sent when it says it was (its timestamp)."""

from django.db import migrations, models
from django.utils import timezone


def history_is_read(apps, schema_editor):
    apps.get_model("chat", "Conversation").objects.filter(agent_read_at=None).update(
        agent_read_at=timezone.now()
    )
    Message = apps.get_model("chat", "Message")
    Message.objects.filter(direction="out", status__in=["sent", "delivered", "read", "played"]).update(
        sent_at=models.F("timestamp")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0007_conversation_connection"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="agent_read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="played_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="read_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="message",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(history_is_read, migrations.RunPython.noop),
    ]
