"""Search in a conversation or across a tenant: message texts, captions, file names, the text
inside documents (extracted while they were processed) and voice-note transcripts.

One `SearchEntry` per message holds all of it (`reindex`, called whenever a message or one of its
files is saved). PostgreSQL: full-text search with the `chatmedia_pt` configuration (`portuguese`
stemming, accents ignored: "promocao" finds "Promoção"), ranked, with a headline; SQLite (the
embedded default): FTS5 with accents ignored (no stemming), prefix matches. Every query is
filtered by tenant, and by conversation when asked; messages deleted for everyone are never found.
Results come newest first, as WhatsApp lists them.
A match comes back as text segments (`[{"text", "match"}]`), never HTML, so nothing a customer
wrote is ever markup in the browser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.db import connection

from chatmedia.chat.models import Attachment, Message, SearchEntry
from chatmedia.errors import Refused
from chatmedia.media.filenames import is_default_file_name

START, STOP = "\x02", "\x03"  # marks around a match in a snippet (never in stored text: cleaned)
_MARKS = re.compile(f"[{START}{STOP}]")
_WORDS = re.compile(r"\w+", re.UNICODE)
_NAME_SEPARATORS = re.compile(r"[._\-]+")


@dataclass(frozen=True)
class Hit:
    message_id: object
    conversation_id: object
    snippet: list[dict]


_CONTENT_FIELDS = ("message_id", "file_name", "searchable_text", "metadata")


def content_of(message: Message, attachments=None) -> str:
    """Everything search should find the message by (`attachments`: its files, when the caller
    read them already)."""
    parts = [message.text or ""]
    if attachments is None:
        attachments = Attachment.objects.filter(message=message).only(*_CONTENT_FIELDS)
    for attachment in attachments:
        # A name we made up ("Imagem do WhatsApp de …") says nothing of the file: left out. A real
        # one also as words: a parser takes "contrato-locacao.pdf" for one token.
        name = "" if is_default_file_name(attachment.file_name) else attachment.file_name
        name_words = _NAME_SEPARATORS.sub(" ", name).strip()
        parts += [
            name,
            name_words if name_words != name else "",
            attachment.searchable_text,
            (attachment.metadata or {}).get("transcript", ""),
        ]
    return _MARKS.sub(" ", "\n".join(p for p in parts if p))[: settings.SEARCH_ENTRY_MAX_CHARS]


def reindex(message: Message, attachments=None) -> None:
    """Bring the message's entry in line with it (none when deleted for everyone or empty)."""
    content = "" if message.deleted_at else content_of(message, attachments)
    if not content:
        SearchEntry.objects.filter(message_id=message.pk).delete()
        return
    _store(message, content)


def reindex_many(messages) -> None:
    """`reindex` for many messages: their files read in one query, the emptied entries deleted in one."""
    messages = list(messages)
    files: dict = {m.pk: [] for m in messages}
    for attachment in Attachment.objects.filter(message__in=messages).only(*_CONTENT_FIELDS):
        files[attachment.message_id].append(attachment)
    empty = []
    for message in messages:
        content = "" if message.deleted_at else content_of(message, files[message.pk])
        if content:
            _store(message, content)
        else:
            empty.append(message.pk)
    if empty:
        SearchEntry.objects.filter(message_id__in=empty).delete()


def _store(message: Message, content: str) -> None:
    SearchEntry.objects.update_or_create(
        message_id=message.pk,
        defaults={
            "tenant_id": message.tenant_id,
            "conversation_id": message.conversation_id,
            "content": content,
            "timestamp": message.timestamp,
        },
    )


# What a saved row may change that search sees; a save of other fields (a status) changes nothing.
_MESSAGE_FIELDS = {"text", "deleted_at", "timestamp"}
_ATTACHMENT_FIELDS = {"file_name", "searchable_text", "metadata", "message"}


def message_saved(sender, instance: Message, created: bool, update_fields=None, **kwargs) -> None:
    if created or update_fields is None or _MESSAGE_FIELDS & set(update_fields):
        reindex(instance)


def attachment_saved(sender, instance: Attachment, created: bool, update_fields=None, **kwargs) -> None:
    if instance.message_id and (update_fields is None or _ATTACHMENT_FIELDS & set(update_fields)):
        message = Message.objects.filter(pk=instance.message_id).first()
        if message is not None:
            reindex(message)


def search(tenant, query: str, conversation_id=None, limit: int | None = None) -> list[Hit]:
    words = _WORDS.findall(query or "")
    if not words or len(query) > settings.SEARCH_QUERY_MAX_CHARS:
        raise Refused(
            400, "bad_query", f"Search for words, in at most {settings.SEARCH_QUERY_MAX_CHARS} characters."
        )
    limit = min(limit or settings.SEARCH_MAX_RESULTS, settings.SEARCH_MAX_RESULTS)
    if connection.vendor == "postgresql":
        return _postgres(tenant, query, conversation_id, limit)
    return _sqlite(tenant, words, conversation_id, limit)


def _postgres(tenant, query, conversation_id, limit) -> list[Hit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchVector

    wanted = SearchQuery(query, config="chatmedia_pt", search_type="websearch")
    vector = SearchVector("content", config="chatmedia_pt")  # the GIN index's very expression
    entries = (
        SearchEntry.objects.filter(tenant=tenant, message__deleted_at=None)
        .alias(found=vector)  # filtered on, never selected (it would be computed per match)
        .filter(found=wanted)
    )
    if conversation_id is not None:
        entries = entries.filter(conversation_id=conversation_id)
    # Newest first, as WhatsApp lists its results: the GIN index finds the matches and only the
    # page's 50 are read again for their headline (PostgreSQL computes it above the LIMIT; ranking
    # every match re-parsed each one's text: 0.5 s for a common word over 10 000 messages).
    entries = entries.annotate(
        headline=SearchHeadline(
            "content",
            wanted,
            config="chatmedia_pt",
            start_sel=START,
            stop_sel=STOP,
            max_words=settings.SEARCH_SNIPPET_WORDS,
            min_words=max(1, settings.SEARCH_SNIPPET_WORDS // 3),
        ),
    ).order_by("-timestamp")[:limit]
    return [Hit(e.message_id, e.conversation_id, segments(e.headline)) for e in entries]


def _fts_query(words: list[str]) -> str:
    """Each word as a quoted FTS5 prefix term (nothing the agent types is FTS5 syntax)."""
    return " ".join('"' + word.replace('"', '""') + '"*' for word in words[:20])


def _sqlite(tenant, words, conversation_id, limit) -> list[Hit]:
    # Two steps: the FTS index drives (CROSS JOIN keeps SQLite from scanning the tenant's entries
    # and matching each), newest first; then snippets for the page's rows only.
    match = _fts_query(words)
    sql = (
        "SELECT e.id, e.message_id, e.conversation_id FROM chat_searchentry_fts "
        "CROSS JOIN chat_searchentry e ON e.id = chat_searchentry_fts.rowid "
        "CROSS JOIN chat_message m ON m.id = e.message_id "
        "WHERE chat_searchentry_fts MATCH %s AND e.tenant_id = %s AND m.deleted_at IS NULL"
    )
    params: list = [match, tenant.pk.hex]
    if conversation_id is not None:
        sql += " AND e.conversation_id = %s"
        params.append(conversation_id.hex)
    sql += " ORDER BY e.timestamp DESC LIMIT %s"
    params.append(limit)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
        if not rows:
            return []
        marks = ", ".join(["%s"] * len(rows))  # one placeholder per row: no value is in the SQL
        snippet_sql = (
            "SELECT rowid, snippet(chat_searchentry_fts, 0, char(2), char(3), '…', %s) "
            "FROM chat_searchentry_fts WHERE chat_searchentry_fts MATCH %s AND rowid IN (" + marks + ")"
        )
        cursor.execute(
            snippet_sql,
            [settings.SEARCH_SNIPPET_WORDS, match, *(row[0] for row in rows)],
        )
        snippets = dict(cursor.fetchall())
    return [
        Hit(_uuid(message_id), _uuid(conversation_id), segments(snippets.get(entry_id, "")))
        for entry_id, message_id, conversation_id in rows
    ]


def _uuid(value):
    import uuid

    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def segments(marked: str) -> list[dict]:
    """'a \x02b\x03 c' → [{"text": "a ", "match": False}, {"text": "b", "match": True}, …]."""
    out, match = [], False
    for piece in re.split(f"([{START}{STOP}])", marked or ""):
        if piece == START:
            match = True
        elif piece == STOP:
            match = False
        elif piece:
            out.append({"text": piece, "match": match})
    return out
