"""WhatsApp-side bookkeeping that has no place in the chat model.

`EarlyReceipt`: a `messages.update` can arrive before the message it is about (Evolution retries and
reorders webhooks; our own send's HTTP answer can come after the first receipt). The best status
seen is kept here and applied when the message appears (`whatsapp.receipts`).

`EarlyAction`: a reaction, an edit or a revoke can likewise come before its target message; it is
kept here and applied when the message appears (`whatsapp.history`).

`OutgoingSend`: the idempotency record of one outgoing message (design in `whatsapp.sending`). It is
written and committed *before* Evolution is called, so a worker that dies mid-call leaves a trace
that the next attempt reconciles instead of sending the message a second time.
"""

from __future__ import annotations

from django.db import models

from chatmedia.tenancy.models import Tenant


class EarlyReceipt(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    wa_message_id = models.CharField(max_length=128)
    from_me = models.BooleanField()
    status = models.CharField(max_length=16)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "wa_message_id", "from_me"], name="early_receipt_unique_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.wa_message_id} {self.status}"


class EarlyAction(models.Model):
    class Kind(models.TextChoices):
        REACTION = "reaction"
        EDIT = "edit"
        REVOKE = "revoke"

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    target_wa_id = models.CharField(max_length=128)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What to apply: the parsed item's fields (chat, author, emoji / new text, time).
    payload = models.JSONField(default=dict)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "target_wa_id"], name="early_action_target")]

    def __str__(self) -> str:
        return f"{self.kind} of {self.target_wa_id}"


class OutgoingSend(models.Model):
    class State(models.TextChoices):
        IDLE = "idle"  # no call in flight: the next attempt may call Evolution
        CALLING = "calling"  # a worker called Evolution at `started_at` and has not recorded the answer
        SENT = "sent"  # Evolution answered with the message; `wa_message_id` is WhatsApp's id
        UNCONFIRMED = "unconfirmed"  # the answer was lost; only a `send.message` webhook can tell

    message = models.OneToOneField("chat.Message", on_delete=models.CASCADE, related_name="send")
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="+")
    # Our own WhatsApp-shaped id, given to Evolution >= 2.4 as `messageId` (same id on every attempt).
    client_message_id = models.CharField(max_length=64, unique=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IDLE)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # How the bytes were handed over (url | base64), for support questions.
    transport = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [models.Index(fields=["tenant", "state"], name="outgoing_send_state")]

    def __str__(self) -> str:
        return f"send {self.message_id} {self.state}"
