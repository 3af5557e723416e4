"""The order of message states: a status only ever moves forward.

Evolution retries and reorders webhooks, and labels updates that carry no status as SERVER_ACK, so
a late `sent` must never overwrite `read`. `failed` is reachable only before WhatsApp confirmed
delivery, and a later delivery/read receipt wins over it (the message did arrive).
"""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Coalesce

from chatmedia.chat.models import Message

S = Message.Status
RANK = {S.PENDING: 0, S.PROCESSING: 1, S.SENT: 2, S.DELIVERED: 3, S.READ: 4, S.PLAYED: 5}


def replaceable_by(new: str) -> list[str]:
    """The current statuses that `new` may replace."""
    if new == S.FAILED:
        return [S.PENDING, S.PROCESSING, S.SENT]
    lower = [status for status, rank in RANK.items() if rank < RANK[new]]
    if RANK[new] >= RANK[S.DELIVERED]:
        lower.append(S.FAILED)
    return lower


# When each state was reached (the message's info); reaching one stamps the ones it implies, if
# they were skipped (WhatsApp's read receipt can arrive before, or instead of, the delivery one).
STAMPED = ((S.SENT, "sent_at"), (S.DELIVERED, "delivered_at"), (S.READ, "read_at"), (S.PLAYED, "played_at"))
STAMP_FIELDS = tuple(field for _, field in STAMPED)


def stamps(new: str, at) -> dict:
    """The `update()` arguments that stamp `new` (and the states below it not stamped yet) `at`."""
    if new not in RANK:
        return {}
    return {field: Coalesce(F(field), Value(at)) for status, field in STAMPED if RANK[status] <= RANK[new]}


def best(a: str, b: str) -> str:
    """The more advanced of two statuses (used to merge receipts that arrive out of order)."""
    if a == b:
        return a
    return b if a in replaceable_by(b) else a
