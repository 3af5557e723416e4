"""WhatsApp-side bookkeeping that has no place in the chat model.

`EarlyReceipt`: a `messages.update` can arrive before the message it is about (Evolution retries and
reorders webhooks; our own send's HTTP answer can come after the first receipt). The best status
seen is kept here and applied when the message appears.
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
