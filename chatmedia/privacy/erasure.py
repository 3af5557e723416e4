"""Erasing a customer on request (LGPD art. 18, VI): everything the tenant holds of one contact.

`start(tenant, phone, user)` — an `Erasure` row, queued (`privacy.erase` on `media_slow`). Its target
(`chat.contacts`): the tenant's chats with that number on every one of its numbers, and the
person's own messages and reactions in groups.

`run(erasure_id)` — the task's body, in batches of ERASURE_BATCH_SIZE messages, each its own
transaction that moves the counts and `heartbeat_at` forward; what is left is the resume point (a
deleted message is gone, a kept one has `erased_at`), so a message that arrives meanwhile is
erased too. Each message:
- deleted, with its files, renditions, reactions and search entry (blobs are released after the
  commit; one another message still uses stays); or, when the tenant keeps metadata
  (`Tenant.erasure_keeps_metadata`, fixed on the erasure when it starts), kept with only its time,
  direction and status: text, edit history, quote, author name and files go (files as a removal,
  with `removed_reason = "erasure"`).
Then the conversations: deleted (their avatar with them), or kept without name and avatar. The
erasure ends `done` with its report (conversations, messages, files, bytes freed) and the number
masked. Killed halfway, it resumes where it was: housekeeping queues again an erasure whose
heartbeat is older than ERASURE_STALE_SECONDS (`resume_stale`). Running it twice does nothing more.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from chatmedia import jobs
from chatmedia.chat import contacts, search
from chatmedia.chat.history import purge_attachments_bytes
from chatmedia.chat.models import Attachment, Conversation, Erasure, Message, Reaction, Rendition
from chatmedia.media.models import Blob
from chatmedia.media.storage import lifecycle
from chatmedia.media.storage.blobs import is_referenced
from chatmedia.media.storage.lifecycle import release_later
from chatmedia.privacy import audit_log
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

TASK = "privacy.erase"


def start(tenant, phone: str, user) -> Erasure:
    name = (user.get_full_name() or user.get_username())[:150] if user is not None else ""
    erasure = Erasure.objects.create(
        tenant=tenant,
        phone=contacts.normalize_phone(phone),
        requested_by=user,
        requested_by_name=name,
        keeps_metadata=tenant.erasure_keeps_metadata,
    )
    jobs.after_commit(TASK, str(erasure.pk))
    logger.info("erasure %s queued", erasure.pk)
    return erasure


def conversations_of(erasure: Erasure):
    return contacts.conversations_of(erasure.tenant_id, erasure.phone)


def messages_of(erasure: Erasure):
    return contacts.messages_of(erasure.tenant_id, erasure.phone)


def run(erasure_id) -> str:
    erasure = Erasure.objects.filter(pk=erasure_id).first()
    if erasure is None or erasure.status == Erasure.Status.DONE:
        return "nothing to do"
    Erasure.objects.filter(pk=erasure.pk).update(status=Erasure.Status.RUNNING, heartbeat_at=timezone.now())
    while _one_batch(erasure.pk):
        pass
    _finish(erasure.pk)
    return "done"


def _one_batch(erasure_id) -> bool:
    """One batch of messages; False when none is left."""
    with transaction.atomic(), lifecycle.batched():
        erasure = Erasure.objects.select_for_update().get(pk=erasure_id)
        remaining = messages_of(erasure).filter(erased_at__isnull=True).order_by("timestamp", "pk")
        batch = list(remaining[: settings.ERASURE_BATCH_SIZE])
        if not batch:
            return False
        attachments = list(Attachment.objects.filter(message__in=batch))
        blob_ids = _blob_ids(attachments)
        if erased := [a for a in attachments if a.removed_at is None]:
            audit_log.record(
                erasure.tenant_id, audit_log.Action.DELETE, audit_log.Via.ERASURE, attachments=erased,
                actor_id=erasure.requested_by_id, actor_name=erasure.requested_by_name,
                detail={"erasure": str(erasure.pk)},
            )  # fmt: skip
        if erasure.keeps_metadata:
            _strip(batch, attachments)
        else:
            Message.objects.filter(pk__in=[m.pk for m in batch]).delete()  # files go after the commit
        # What nothing refers to any more is released after the commit: those are the bytes freed.
        unused = [blob for blob in Blob.objects.filter(pk__in=blob_ids) if not is_referenced(blob)]
        Erasure.objects.filter(pk=erasure.pk).update(
            messages=erasure.messages + len(batch),
            files=erasure.files + len(attachments),
            bytes_freed=erasure.bytes_freed + sum(blob.size for blob in unused),
            heartbeat_at=timezone.now(),
        )
    return True


def _blob_ids(attachments: list[Attachment]) -> set:
    ids = {a.original_id for a in attachments if a.original_id}
    return ids | set(Rendition.objects.filter(attachment__in=attachments).values_list("blob_id", flat=True))


def _strip(batch: list[Message], attachments: list[Attachment]) -> None:
    """Keep the rows, with their time, direction and status only."""
    # The messages are reindexed below.
    purge_attachments_bytes([a for a in attachments if a.removed_at is None], reindex=False)
    Attachment.objects.filter(pk__in=[a.pk for a in attachments]).update(
        removed_at=timezone.now(), removed_reason=Attachment.Removal.ERASURE, file_name="", size=None
    )
    Reaction.objects.filter(message__in=batch).delete()
    Message.objects.filter(pk__in=[m.pk for m in batch]).update(
        text="", edits=[], quoted={}, author_name="", error_message="", deleted_by_jid="",
        erased_at=timezone.now(),
    )  # fmt: skip
    # Nothing left to find: the entries go.
    search.reindex_many(Message.objects.filter(pk__in=[m.pk for m in batch]))


def _finish(erasure_id) -> None:
    with transaction.atomic():
        erasure = Erasure.objects.select_for_update().get(pk=erasure_id)
        if erasure.status == Erasure.Status.DONE:
            return
        prefix = contacts.jid_prefix(erasure.phone)
        # Their reactions to other people's messages in groups.
        Reaction.objects.filter(tenant_id=erasure.tenant_id, author_jid__startswith=prefix).delete()
        conversations = list(conversations_of(erasure))
        if erasure.keeps_metadata:
            for conversation in conversations:
                release_later(conversation.avatar_id)
            Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(
                display_name="", avatar=None, avatar_source_hash=""
            )
            for conversation in Conversation.objects.filter(pk__in=[c.pk for c in conversations]):
                events.conversation_updated(conversation)
        else:
            for conversation in conversations:
                gone = conversation.pk
                conversation.delete()  # its avatar is released after the commit
                events.conversation_removed(erasure.tenant_id, gone)
        masked = f"{erasure.phone[:4]}…{erasure.phone[-2:]}"
        Erasure.objects.filter(pk=erasure.pk).update(
            status=Erasure.Status.DONE,
            conversations=len(conversations),
            phone=masked,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
        )
    logger.info("erasure %s done", erasure_id)


def resume_stale(now=None) -> int:
    """Housekeeping: queue again the erasures whose worker stopped (no heartbeat for a while)."""
    now = now or timezone.now()
    stale = now - timezone.timedelta(seconds=settings.ERASURE_STALE_SECONDS)
    waiting = Erasure.objects.exclude(status=Erasure.Status.DONE).filter(
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True, created_at__lt=stale)
    )
    count = 0
    for erasure_id in waiting.values_list("pk", flat=True):
        Erasure.objects.filter(pk=erasure_id).update(heartbeat_at=now)  # once per staleness period
        jobs.submit(TASK, str(erasure_id))
        count += 1
    return count
