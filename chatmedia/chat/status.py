"""The order of message states: a status only ever moves forward.

Evolution retries and reorders webhooks, and labels updates that carry no status as SERVER_ACK, so
a late `sent` must never overwrite `read`. `failed` is reachable only before WhatsApp confirmed
delivery, and a later delivery/read receipt wins over it (the message did arrive).
"""

from __future__ import annotations

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


def best(a: str, b: str) -> str:
    """The more advanced of two statuses (used to merge receipts that arrive out of order)."""
    if a == b:
        return a
    return b if a in replaceable_by(b) else a
