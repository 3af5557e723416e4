"""What the team has not seen yet: a conversation's unread count is the number of incoming
messages (not deleted for everyone) that arrived after `Conversation.agent_read_at`.

The marker is shared by the tenant's agents (one inbox, as a team's WhatsApp), moved forward only,
by `mark_read` when the chat is open in a web chat; every web chat learns it by
`conversation.updated`. Counted in one query for a page of conversations (`with_unread_counts`).
"""

from __future__ import annotations

from django.db.models import Count, F, Q, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from chatmedia.chat.models import Conversation, Message
from chatmedia.errors import Refused
from chatmedia.realtime import events


def _unread(conversation_ids) -> dict:
    counted = (
        Message.objects.filter(
            conversation_id__in=conversation_ids,
            direction=Message.Direction.INCOMING,
            deleted_at=None,
        )
        .filter(Q(conversation__agent_read_at=None) | Q(created_at__gt=F("conversation__agent_read_at")))
        .values("conversation_id")
        .annotate(n=Count("id"))
    )
    return {row["conversation_id"]: row["n"] for row in counted}


def unread_count(conversation: Conversation) -> int:
    if hasattr(conversation, "_unread"):
        return conversation._unread
    return _unread([conversation.pk]).get(conversation.pk, 0)


def with_unread_counts(conversations: list) -> list:
    counts = _unread([c.pk for c in conversations])
    for conversation in conversations:
        conversation._unread = counts.get(conversation.pk, 0)
    return conversations


def mark_read(tenant, conversation_id, at=None) -> Conversation:
    """Everything that arrived until `at` (now) has been seen; never moves the marker back."""
    at = at or timezone.now()
    # Greatest(NULL, x) is NULL on PostgreSQL and SQLite alike: a missing marker counts as `at`.
    changed = Conversation.objects.filter(tenant=tenant, pk=conversation_id).update(
        agent_read_at=Greatest(Coalesce(F("agent_read_at"), Value(at)), Value(at))
    )
    if not changed:
        raise Refused(404, "not_found", "No such conversation.")
    conversation = Conversation.objects.get(pk=conversation_id)
    events.conversation_updated(conversation)
    return conversation
