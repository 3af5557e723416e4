"""What happens to a message after it was sent: deleted for everyone, edited, reacted to.

Each operation is idempotent (Evolution repeats and reorders webhooks) and sends its event after
the commit with the message as it then is.

Deleting for everyone (a revoke): the message keeps its place in the chat ("🚫 Esta mensagem foi
apagada") and who/when; its text, captions and edit history are no longer shown; its attachments
lose their URLs and `/media/` answers 410. The bytes (original, every rendition, cached copies)
are purged at once, as the customer asked, unless the tenant keeps deleted media for
`deleted_media_retention_days` (audit, tenant admins only); housekeeping purges them after that.
Content-addressed blobs are reference-counted: the same photo forwarded into another message
stays there.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from chatmedia.chat import search
from chatmedia.chat.models import Attachment, Message, Reaction, Rendition
from chatmedia.media.serving import cache
from chatmedia.media.storage.lifecycle import release_later
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

DELETED_BY_US = "me"  # deleted_by_jid of a message our own account deleted
EDIT_HISTORY_MAX = 50  # earlier texts kept per message; WhatsApp allows edits for 15 minutes


def mark_deleted(message: Message, by_jid: str, at: datetime) -> bool:
    """Deleted for everyone; False when it already was."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().filter(pk=message.pk).first()
        if locked is None or locked.deleted_at is not None:
            return False
        locked.deleted_at = at
        locked.deleted_by_jid = by_jid
        fields = ["deleted_at", "deleted_by_jid", "updated_at"]
        if not locked.tenant.deleted_media_retention_days:
            locked.text, locked.edits = "", []
            fields += ["text", "edits"]
            for attachment in locked.attachments.all():
                purge_attachment_bytes(attachment)
        else:
            for attachment in locked.attachments.all():
                transaction.on_commit(
                    lambda attachment_id=attachment.pk: cache.forget_attachment(attachment_id), robust=True
                )
        locked.save(update_fields=fields)
        events.message_changed(events.MESSAGE_DELETED, locked.pk)
        events.conversation_updated(locked.conversation)
    logger.info("message %s deleted for everyone", message.pk)
    return True


def purge_attachment_bytes(attachment: Attachment, *, reindex: bool = True) -> None:
    """Drop the attachment's stored bytes (its own use of them: a blob another row refers to
    stays) and every cached copy. The row stays, without an original or renditions. `reindex=False`:
    the caller brings the message's search entry in line itself (once, after its own changes)."""
    purge_attachments_bytes([attachment], reindex=reindex)


def purge_attachments_bytes(attachments: list[Attachment], *, reindex: bool = True) -> None:
    """`purge_attachment_bytes` for many at once (retention, an erasure): a few queries in all."""
    ids = [a.pk for a in attachments]
    if not ids:
        return
    # Each rendition's blob is released after the commit (media.storage.lifecycle; in one batch
    # inside `lifecycle.batched()`).
    Rendition.objects.filter(attachment_id__in=ids).delete()
    # What was read out of the bytes goes with them: a document's text, a recording's transcript.
    Attachment.objects.filter(pk__in=ids).update(
        original=None,
        source={},
        metadata={},
        searchable_text="",
        transcript_status="",
        transcript_error_code="",
        transcript_error="",
    )
    for attachment in attachments:
        release_later(attachment.original_id)
    transaction.on_commit(lambda: cache.forget_attachments(ids), robust=True)
    # The update above bypassed the save signal: search must not find the file by its text any more.
    if reindex:
        search.reindex_many(
            Message.objects.filter(pk__in={a.message_id for a in attachments if a.message_id})
        )


def purge_expired_deleted_media(now: datetime | None = None) -> int:
    """Housekeeping: bytes of messages deleted longer ago than their tenant keeps them."""
    now = now or timezone.now()
    purged = 0
    candidates = (
        Message.objects.filter(deleted_at__isnull=False, attachments__original__isnull=False)
        .select_related("tenant")
        .distinct()
    )
    for message in candidates.iterator():
        keep = timedelta(days=message.tenant.deleted_media_retention_days)
        if message.deleted_at + keep > now:
            continue
        with transaction.atomic():
            for attachment in message.attachments.all():
                purge_attachment_bytes(attachment)
                purged += 1
            Message.objects.filter(pk=message.pk).update(text="", edits=[])
    return purged


def apply_edit(message: Message, new_text: str, at: datetime) -> bool:
    """The author changed the text (or caption). False for a repeat, or a message deleted already."""
    with transaction.atomic():
        locked = Message.objects.select_for_update().filter(pk=message.pk).first()
        if locked is None or locked.deleted_at is not None:
            return False
        if locked.text == new_text or any(
            e.get("text") == new_text and e.get("at") == at.isoformat() for e in locked.edits
        ):
            return False  # a repeat
        if locked.edited_at is not None and at < locked.edited_at:
            # An older edit arriving late: only its text goes into the history.
            history = [*locked.edits, {"text": new_text, "at": at.isoformat()}]
            locked.edits = sorted(history, key=lambda e: e["at"])[-EDIT_HISTORY_MAX:]
            locked.save(update_fields=["edits", "updated_at"])
        else:
            stamp = (locked.edited_at or locked.timestamp).isoformat()
            locked.edits = [*locked.edits, {"text": locked.text, "at": stamp}][-EDIT_HISTORY_MAX:]
            locked.text, locked.edited_at = new_text, at
            locked.save(update_fields=["text", "edits", "edited_at", "updated_at"])
        events.message_changed(events.MESSAGE_EDITED, locked.pk)
    return True


def set_reaction(
    message: Message, *, author_jid: str, author_name: str, from_me: bool, emoji: str, at: datetime
) -> bool:
    """One author's reaction: replaces theirs, '' removes it (the row stays, empty, so an older
    reaction arriving late is recognised as older and dropped). False when nothing changed."""
    author_jid = "" if from_me else author_jid
    with transaction.atomic():
        Message.objects.select_for_update().filter(pk=message.pk).first()  # one change at a time
        current = Reaction.objects.filter(message=message, author_jid=author_jid, from_me=from_me).first()
        if current is None:
            if not emoji:
                return False
            Reaction.objects.create(
                message=message,
                tenant_id=message.tenant_id,
                author_jid=author_jid,
                author_name=author_name,
                from_me=from_me,
                emoji=emoji,
                at=at,
            )
        elif current.at > at or (current.at == at and current.emoji == emoji):
            return False
        else:
            current.emoji, current.at = emoji, at
            current.author_name = author_name or current.author_name
            current.save(update_fields=["emoji", "at", "author_name"])
        events.message_changed(events.MESSAGE_REACTIONS, message.pk)
    return True
