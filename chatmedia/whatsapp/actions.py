"""Reactions, edits and revokes from WhatsApp, applied to the messages they are about.

The target is found by its WhatsApp id within the tenant, narrowed to the chat when the event
names one we know (the key of `messages.edited` is the sender's view of the chat, Evolution #1367:
its remoteJid is often our own number, so there the id alone decides).

An action can arrive before its target (Evolution reorders; a reaction to a photo can outrun the
photo's webhook): it is kept as an `EarlyAction` and applied when the message is stored, now and
once more after that commit, like early receipts (whatsapp.receipts).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from chatmedia.chat import history
from chatmedia.chat.models import Album, Message
from chatmedia.tenancy.models import Tenant
from chatmedia.whatsapp.items import AlbumAnnouncement, Edit, Envelope, Reaction, Revoke
from chatmedia.whatsapp.models import EarlyAction

logger = logging.getLogger(__name__)

EARLY_ACTION_MAX_AGE_DAYS = 7  # housekeeping drops actions whose message never came


def find_targets(tenant_id, wa_message_id: str, chat_jid: str = "") -> list[Message]:
    messages = list(
        Message.objects.filter(tenant_id=tenant_id, wa_message_id=wa_message_id).select_related(
            "conversation", "tenant"
        )
    )
    if chat_jid and len(messages) > 1:
        in_chat = [m for m in messages if chat_jid in (m.conversation.remote_jid, m.conversation.alt_jid)]
        messages = in_chat or messages
    return messages


def receive(tenant: Tenant, item: Reaction | Edit | Revoke) -> bool:
    """Apply `item` to its message, or keep it for when the message arrives. True if applied."""
    with transaction.atomic():
        targets = find_targets(tenant.pk, item.target_wa_id, item.where.chat_jid)
        for message in targets:
            _apply(message, item)
        if targets:
            return True
        EarlyAction.objects.create(
            tenant=tenant, target_wa_id=item.target_wa_id, kind=_kind(item), payload=_payload(item)
        )
        target = item.target_wa_id
        transaction.on_commit(lambda: _look_again(tenant.pk, target), robust=True)
    return False


def apply_early(message: Message) -> None:
    """`message` was just stored: actions that came first apply now, and once more after commit."""
    _apply_waiting(message)
    tenant_id, wa_id = message.tenant_id, message.wa_message_id
    transaction.on_commit(lambda: _look_again(tenant_id, wa_id), robust=True)


def _look_again(tenant_id, wa_message_id: str) -> None:
    with transaction.atomic():
        for message in Message.objects.filter(tenant_id=tenant_id, wa_message_id=wa_message_id):
            _apply_waiting(message)


def _apply_waiting(message: Message) -> None:
    waiting = list(
        EarlyAction.objects.select_for_update()
        .filter(tenant_id=message.tenant_id, target_wa_id=message.wa_message_id)
        .order_by("received_at", "pk")
    )
    for action in waiting:
        item = _item(action)
        chat = item.where.chat_jid
        conversation = message.conversation
        if (
            chat
            and chat not in (conversation.remote_jid, conversation.alt_jid)
            and not _chat_unknown(message.tenant_id, chat)
        ):
            continue  # for a message of the same id in another chat
        _apply(message, item)
        action.delete()


def _chat_unknown(tenant_id, jid: str) -> bool:
    from chatmedia.chat.models import Conversation

    return (
        not Conversation.objects.filter(tenant_id=tenant_id)
        .filter(Q(remote_jid=jid) | Q(alt_jid=jid))
        .exists()
    )


def _apply(message: Message, item: Reaction | Edit | Revoke) -> None:
    where = item.where
    if isinstance(item, Revoke):
        history.mark_deleted(message, _revoker(message, where), where.at)
    elif isinstance(item, Edit):
        if item.new_text:
            history.apply_edit(message, item.new_text, where.at)
    else:
        author = where.author_jid or ("" if where.from_me else where.chat_jid)
        history.set_reaction(
            message,
            author_jid=author,
            author_name=where.author_name,
            from_me=where.from_me,
            emoji=item.emoji,
            at=where.at,
        )


def _revoker(message: Message, where: Envelope) -> str:
    """Who deleted it: only its author can (or a group admin, whom the event names)."""
    if where.author_jid:
        return where.author_jid
    if message.direction == Message.Direction.OUTGOING:
        return history.DELETED_BY_US
    return message.author_jid or message.conversation.remote_jid


def _kind(item) -> str:
    if isinstance(item, Reaction):
        return EarlyAction.Kind.REACTION
    return EarlyAction.Kind.EDIT if isinstance(item, Edit) else EarlyAction.Kind.REVOKE


def _payload(item) -> dict:
    where = item.where
    payload = {
        "chat_jid": where.chat_jid,
        "chat_alt_jid": where.chat_alt_jid,
        "from_me": where.from_me,
        "author_jid": where.author_jid,
        "author_name": where.author_name,
        "at": where.at.isoformat(),
    }
    if isinstance(item, Reaction):
        payload["emoji"] = item.emoji
    elif isinstance(item, Edit):
        payload["new_text"] = item.new_text
    return payload


def _item(action: EarlyAction) -> Reaction | Edit | Revoke:
    p = action.payload
    at = parse_datetime(p.get("at") or "") or timezone.now()
    where = Envelope(
        p.get("chat_jid", ""),
        p.get("chat_alt_jid", ""),
        bool(p.get("from_me")),
        p.get("author_jid", ""),
        p.get("author_name", ""),
        at,
    )
    if action.kind == EarlyAction.Kind.REACTION:
        return Reaction(action.target_wa_id, p.get("emoji", ""), where)
    if action.kind == EarlyAction.Kind.EDIT:
        return Edit(action.target_wa_id, p.get("new_text", ""), where)
    return Revoke(action.target_wa_id, where)


def drop_stale(now: datetime | None = None) -> int:
    """Housekeeping: actions whose message never came."""
    cutoff = (now or timezone.now()) - timedelta(days=EARLY_ACTION_MAX_AGE_DAYS)
    deleted, _ = EarlyAction.objects.filter(received_at__lt=cutoff).delete()
    return deleted


def announce_album(tenant: Tenant, item: AlbumAnnouncement) -> None:
    """Remember how many photos and videos an album said would follow (its size before they all
    arrived; it may come before or after them). The announcement is not shown by itself."""
    Album.objects.update_or_create(
        tenant=tenant, wa_message_id=item.wa_message_id, defaults={"expected_count": item.expected_count}
    )
