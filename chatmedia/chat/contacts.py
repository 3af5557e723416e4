"""One customer across a tenant's numbers, by their phone number: what an erasure deletes and an
export gathers (LGPD requests name a person by number, not by chat).

`normalize_phone(raw)` — the digits as WhatsApp writes them in a JID (country code first), or a 400.
`conversations_of(tenant_id, phone)` — the tenant's one-to-one chats with that number (their JID
or their other address, the LID's phone, starts with the digits), on every one of its numbers.
`messages_of(tenant_id, phone)` — those chats' messages, and what the person wrote in groups.
"""

from __future__ import annotations

import re

from django.db.models import Q

from chatmedia.chat.models import Conversation, Message
from chatmedia.errors import Refused

_NOT_DIGITS = re.compile(r"\D")


def normalize_phone(raw: str) -> str:
    digits = _NOT_DIGITS.sub("", raw or "")
    if not 8 <= len(digits) <= 15:
        raise Refused(400, "invalid_phone", "Give the customer's number with country and area code.")
    return digits


def jid_prefix(phone: str) -> str:
    return f"{phone}@"


def conversations_of(tenant_id, phone: str):
    prefix = jid_prefix(phone)
    return Conversation.objects.filter(tenant_id=tenant_id, is_group=False).filter(
        Q(remote_jid__startswith=prefix) | Q(alt_jid__startswith=prefix)
    )


def messages_of(tenant_id, phone: str):
    prefix = jid_prefix(phone)
    return Message.objects.filter(tenant_id=tenant_id).filter(
        Q(conversation__in=conversations_of(tenant_id, phone))
        | Q(conversation__is_group=True, author_jid__startswith=prefix)
    )
