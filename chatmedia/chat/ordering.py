"""Outgoing messages that go together are sent in order: the next one is queued only once the one
before it is sent (or failed), so workers running in parallel cannot swap them.

`queue_in_order(messages)` queues the first and links each of the others to the one before it
(`Message.send_after`); `release_next(message)` — called by `whatsapp.sending` when a send ends
either way — queues what was waiting on it. A message whose turn never comes (a predecessor lost
with a worker) is still sent: `whatsapp.recover` queues every outgoing message left `processing`.
"""

from __future__ import annotations

from chatmedia import jobs
from chatmedia.chat.models import Attachment, Message


def queue_send(message: Message) -> None:
    """Queue the send of one outgoing message once the transaction commits: its first file's, or
    its text's."""
    first = (
        Attachment.objects.filter(message=message).order_by("created_at").values_list("pk", flat=True).first()
    )
    if first is not None:
        jobs.after_commit("whatsapp.send_outgoing", str(first))
    else:
        jobs.after_commit("whatsapp.send_text", str(message.pk))


def queue_in_order(messages: list[Message]) -> None:
    """Send `messages` (just created, in one transaction) one after the other."""
    for before, message in zip([None, *messages], messages, strict=False):
        if before is None:
            queue_send(message)
        else:
            Message.objects.filter(pk=message.pk).update(send_after=before)


def release_next(message_id) -> int:
    """The send of `message_id` ended: queue the messages waiting on it; how many."""
    waiting = list(Message.objects.filter(send_after_id=message_id, status=Message.Status.PROCESSING))
    for message in waiting:
        Message.objects.filter(pk=message.pk).update(send_after=None)
        queue_send(message)
    return len(waiting)
