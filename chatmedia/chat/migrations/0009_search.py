"""Search (chat.search): one SearchEntry per message, matched by full-text search on either database.

PostgreSQL: the `unaccent` extension (contrib) and a `chatmedia_pt` text search configuration (the
`portuguese` one, accents removed first), and a GIN index of `to_tsvector('chatmedia_pt', content)`.
SQLite: an FTS5 table over the entries (`unicode61`, accents removed), kept in step by triggers.
Messages already stored get their entries here, from their texts and file names (the text inside
documents stored before this comes when they are processed again)."""

import django.db.models.deletion
from django.db import migrations, models

PG_INSTALL = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    """DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'chatmedia_pt') THEN
            CREATE TEXT SEARCH CONFIGURATION chatmedia_pt (COPY = portuguese);
            ALTER TEXT SEARCH CONFIGURATION chatmedia_pt
                ALTER MAPPING FOR hword, hword_part, word WITH unaccent, portuguese_stem;
        END IF;
    END $$""",
    # The very expression Django's SearchVector("content", config="chatmedia_pt") writes.
    "CREATE INDEX search_content_fts ON chat_searchentry "
    "USING GIN (to_tsvector('chatmedia_pt'::regconfig, COALESCE(content, '')))",
]
PG_REMOVE = ["DROP INDEX IF EXISTS search_content_fts"]
SQLITE_INSTALL = [
    "CREATE VIRTUAL TABLE chat_searchentry_fts USING fts5(content, content='chat_searchentry', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER chat_searchentry_ai AFTER INSERT ON chat_searchentry BEGIN "
    "INSERT INTO chat_searchentry_fts(rowid, content) VALUES (new.id, new.content); END",
    "CREATE TRIGGER chat_searchentry_ad AFTER DELETE ON chat_searchentry BEGIN "
    "INSERT INTO chat_searchentry_fts(chat_searchentry_fts, rowid, content) VALUES ('delete', old.id, old.content); END",
    "CREATE TRIGGER chat_searchentry_au AFTER UPDATE ON chat_searchentry BEGIN "
    "INSERT INTO chat_searchentry_fts(chat_searchentry_fts, rowid, content) VALUES ('delete', old.id, old.content); "
    "INSERT INTO chat_searchentry_fts(rowid, content) VALUES (new.id, new.content); END",
]
SQLITE_REMOVE = [
    "DROP TRIGGER IF EXISTS chat_searchentry_ai",
    "DROP TRIGGER IF EXISTS chat_searchentry_ad",
    "DROP TRIGGER IF EXISTS chat_searchentry_au",
    "DROP TABLE IF EXISTS chat_searchentry_fts",
]


def install(apps, schema_editor):
    statements = {"postgresql": PG_INSTALL, "sqlite": SQLITE_INSTALL}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def remove(apps, schema_editor):
    statements = {"postgresql": PG_REMOVE, "sqlite": SQLITE_REMOVE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement)


def backfill(apps, schema_editor):
    Message = apps.get_model("chat", "Message")
    Attachment = apps.get_model("chat", "Attachment")
    SearchEntry = apps.get_model("chat", "SearchEntry")
    names: dict = {}
    for message_id, name in (
        Attachment.objects.exclude(message=None).exclude(file_name="").values_list("message_id", "file_name")
    ):
        names.setdefault(message_id, []).append(name)
    batch = []
    rows = Message.objects.filter(deleted_at=None).values_list(
        "pk", "tenant_id", "conversation_id", "text", "timestamp"
    )
    for pk, tenant_id, conversation_id, text, timestamp in rows.iterator(chunk_size=2000):
        content = "\n".join(part for part in [text, *names.get(pk, [])] if part)
        if content:
            batch.append(
                SearchEntry(
                    message_id=pk,
                    tenant_id=tenant_id,
                    conversation_id=conversation_id,
                    content=content,
                    timestamp=timestamp,
                )
            )
        if len(batch) >= 2000:
            SearchEntry.objects.bulk_create(batch)
            batch = []
    SearchEntry.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0008_unread_and_status_times"),
        ("tenancy", "0008_tenant_time_zone"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="searchable_text",
            field=models.TextField(blank=True),
        ),
        migrations.CreateModel(
            name="SearchEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("content", models.TextField()),
                ("timestamp", models.DateTimeField()),
                (
                    "conversation",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="chat.conversation"
                    ),
                ),
                (
                    "message",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="chat.message"
                    ),
                ),
                (
                    "tenant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="tenancy.tenant"
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["tenant", "-timestamp"], name="search_tenant_recent")],
            },
        ),
        migrations.RunPython(install, remove),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
