"""One conversation per person, whatever the addressing (LID or phone number).

WhatsApp addresses a person by phone JID or by LID (an opaque privacy id); Evolution tells both
only sometimes (spec §6.2). A conversation started under the LID and one under the phone number
are the same customer once any payload carries both: then they are merged, in one transaction —
messages, attachments, albums' members, the picture, the name — into the phone-keyed one (the
older when both or neither are), the LID kept as its alias, and the browser is told
(`conversation.merged`).

Two webhooks of the same person can store their conversations at the same moment, neither seeing
the other's row; so the merge runs after the commit of whoever learned the mapping, and again is
harmless: rows are locked in a fixed order, and a conversation already merged is simply gone.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Q

from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.realtime import events

logger = logging.getLogger(__name__)


def after_commit(connection_id, *jids: str) -> None:
    """Once the caller commits, merge the conversations any of `jids` reaches. One address is
    enough to look: the other webhook may have committed a conversation that has it as alias."""
    addresses = tuple(sorted({j for j in jids if j and not j.endswith("@g.us")}))
    if not addresses:
        return
    transaction.on_commit(lambda: merge_addresses(connection_id, addresses), robust=True)


def _rank(conversation: Conversation) -> tuple:
    """The conversation that stays: keyed by phone number first, then the oldest."""
    return (
        not conversation.remote_jid.endswith("@s.whatsapp.net"),
        conversation.created_at,
        str(conversation.pk),
    )


def merge_addresses(connection_id, addresses: tuple[str, ...]) -> Conversation | None:
    """Merge every conversation of the connection (never across our numbers: the same person on
    two of them is two conversations) reached by any of `addresses`, and key the one kept
    by phone when one of them is a phone number; the one kept (None when there is none)."""
    with transaction.atomic():
        found = Conversation.objects.filter(connection_id=connection_id).filter(
            Q(remote_jid__in=addresses) | Q(alt_jid__in=addresses)
        )
        rows = sorted(found.values_list("pk", "remote_jid"), key=lambda row: str(row[0]))
        phone_known = any(a.endswith("@s.whatsapp.net") for a in addresses)
        if not rows or (len(rows) == 1 and (not phone_known or rows[0][1].endswith("@s.whatsapp.net"))):
            return None  # one conversation, nothing to learn: the common case costs one query
        ids = [pk for pk, _ in rows]
        locked = list(Conversation.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        if not locked:
            return None
        locked.sort(key=_rank)
        kept, others = locked[0], locked[1:]
        for other in others:
            _merge_into(kept, other, addresses)
        _learn(kept, addresses)
    for other in others:
        logger.info("conversation %s merged into %s", other.pk, kept.pk)
    return kept


def _learn(kept: Conversation, addresses: tuple[str, ...]) -> None:
    """A LID-keyed conversation whose phone number we now know is keyed by it (the LID kept)."""
    phone = next((a for a in addresses if a.endswith("@s.whatsapp.net")), "")
    if kept.is_group or not phone or kept.remote_jid.endswith("@s.whatsapp.net"):
        return
    if (
        Conversation.objects.filter(connection_id=kept.connection_id, remote_jid=phone)
        .exclude(pk=kept.pk)
        .exists()
    ):
        return
    kept.alt_jid, kept.remote_jid = kept.remote_jid, phone
    kept.save(update_fields=["alt_jid", "remote_jid"])
    events.conversation_updated(kept)


def _merge_into(kept: Conversation, other: Conversation, addresses: tuple[str, ...]) -> None:
    # A message stored in both (the same WhatsApp id under each address) stays once.
    duplicate_ids = set(
        Message.objects.filter(conversation=kept, wa_message_id__isnull=False).values_list(
            "wa_message_id", flat=True
        )
    )
    Message.objects.filter(conversation=other, wa_message_id__in=duplicate_ids).delete()
    Message.objects.filter(conversation=other).update(conversation=kept)
    Attachment.objects.filter(conversation=other).update(conversation=kept)
    changed = set()
    known = {kept.remote_jid, kept.alt_jid}
    for jid in (other.remote_jid, other.alt_jid, *addresses):
        if jid and jid not in known and not kept.alt_jid:
            kept.alt_jid = jid
            changed.add("alt_jid")
            known.add(jid)
    if not kept.display_name and other.display_name:
        kept.display_name = other.display_name
        changed.add("display_name")
    if kept.avatar_id is None and other.avatar_id is not None:
        kept.avatar_id, kept.avatar_source_hash = other.avatar_id, other.avatar_source_hash
        kept.avatar_updated_at, kept.avatar_checked_at = other.avatar_updated_at, other.avatar_checked_at
        changed |= {"avatar", "avatar_source_hash", "avatar_updated_at", "avatar_checked_at"}
        Conversation.objects.filter(pk=other.pk).update(avatar=None)  # its deletion must not release it
    if other.last_activity_at > kept.last_activity_at:
        kept.last_activity_at = other.last_activity_at
        changed.add("last_activity_at")
    merged_id = other.pk
    other.refresh_from_db()
    other.delete()
    if changed:
        kept.save(update_fields=sorted(changed))
    events.conversation_merged(kept.tenant_id, kept.pk, merged_id)
    events.conversation_updated(kept)
