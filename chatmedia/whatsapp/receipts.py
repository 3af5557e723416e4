"""Delivery receipts (sent → delivered → read/played) applied to messages, in whatever order they come.

A `messages.update` can arrive before the message it is about: Evolution retries and reorders
webhooks, and our own send's HTTP answer can come after the first receipt. Then the best status
seen is kept as an `EarlyReceipt` and applied when the message appears (stored from its webhook,
or given its WhatsApp id by `sending.confirm`). Statuses only move forward.

Two workers can store a message and its receipt at the same moment; neither transaction sees the
other's uncommitted row. So each side looks again once it has committed: whichever commits last
then sees the other, and the receipt is never left waiting for a message that is already there.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from chatmedia.chat import status as message_status
from chatmedia.chat.models import Message
from chatmedia.realtime import events
from chatmedia.whatsapp.models import EarlyReceipt


def advance(message: Message, new_status: str, error: tuple[str, str] | None = None, at=None) -> bool:
    """Move `message` to `new_status` unless it is already there or further (then False).
    `error`: why it failed (code, message), when the provider said; `at`: when the receipt came."""
    fields = {"status": new_status}
    if new_status == Message.Status.FAILED and error:
        fields.update(error_code=error[0][:64], error_message=error[1][:500])
    times = message_status.stamps(new_status, at or timezone.now())
    updated = Message.objects.filter(
        pk=message.pk, status__in=message_status.replaceable_by(new_status)
    ).update(**fields, **times)
    if updated:
        for name, value in fields.items():
            setattr(message, name, value)
        if times:
            message.refresh_from_db(fields=list(times))
        events.message_status(message)
    return bool(updated)


def _direction(from_me: bool) -> str:
    return Message.Direction.OUTGOING if from_me else Message.Direction.INCOMING


def receive(
    tenant_id,
    wa_message_id: str,
    from_me: bool,
    status: str,
    either_direction: bool = False,
    error: tuple[str, str] | None = None,
) -> None:
    """A receipt from WhatsApp: applied to its message, or kept until the message appears.
    `either_direction`: the event's fromMe cannot be trusted (a READ from Evolution's Cloud API
    integration): the message of that id in the stated direction, else the other one."""
    with transaction.atomic():
        messages = list(
            Message.objects.filter(
                tenant_id=tenant_id, wa_message_id=wa_message_id, direction=_direction(from_me)
            )
        )
        if not messages and either_direction:
            messages = list(
                Message.objects.filter(
                    tenant_id=tenant_id, wa_message_id=wa_message_id, direction=_direction(not from_me)
                )
            )
        for message in messages:
            advance(message, status, error)
        if messages:
            return
        receipt, created = EarlyReceipt.objects.select_for_update().get_or_create(
            tenant_id=tenant_id, wa_message_id=wa_message_id, from_me=from_me, defaults={"status": status}
        )
        if not created:
            receipt.status = message_status.best(receipt.status, status)
            receipt.save(update_fields=["status", "received_at"])
        _look_again_after_commit(tenant_id, wa_message_id, from_me)


def apply_early(message: Message) -> None:
    """`message` now has its WhatsApp id (it was just stored, or its send confirmed): a receipt that
    came first is applied, now and once more after the commit."""
    _apply(message)
    from_me = message.direction == Message.Direction.OUTGOING
    _look_again_after_commit(message.tenant_id, message.wa_message_id, from_me)


def _apply(message: Message) -> None:
    receipt = EarlyReceipt.objects.filter(
        tenant_id=message.tenant_id,
        wa_message_id=message.wa_message_id,
        from_me=message.direction == Message.Direction.OUTGOING,
    ).first()
    if receipt is not None:
        advance(message, receipt.status, at=receipt.received_at)
        receipt.delete()


def _look_again_after_commit(tenant_id, wa_message_id: str, from_me: bool) -> None:
    def look_again() -> None:
        with transaction.atomic():
            for message in Message.objects.filter(
                tenant_id=tenant_id, wa_message_id=wa_message_id, direction=_direction(from_me)
            ):
                _apply(message)

    transaction.on_commit(look_again, robust=True)
