"""Loose ends a crash can leave, picked up again: media whose task was lost, stale early receipts.

With RabbitMQ a task survives a worker crash (acks_late); the embedded in-process queue does not
survive a restart of `make run`, and a broker outage can swallow an enqueue. So attachments still
waiting for their bytes, and outgoing messages still `processing`, after MEDIA_REQUEUE_AFTER_SECONDS
are queued again (the tasks are idempotent: a duplicate finds the work done, and a send in flight
is never repeated — `whatsapp.sending`). Runs when the embedded worker starts, on Celery beat
(`whatsapp.recover`, every HOUSEKEEPING_INTERVAL_SECONDS), and as `python manage.py recover_media`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from chatmedia.chat.models import Attachment
from chatmedia.whatsapp.models import EarlyReceipt

logger = logging.getLogger(__name__)


def requeue_unfinished_media(older_than_seconds: int | None = None) -> int:
    from chatmedia.whatsapp.tasks import fetch_incoming_media

    age = settings.MEDIA_REQUEUE_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    stalled = Attachment.objects.filter(
        status__in=[Attachment.Status.PENDING, Attachment.Status.PROCESSING],
        source__kind="whatsapp",
        updated_at__lte=cutoff,
    ).values_list("id", flat=True)
    return _queue_again(fetch_incoming_media, stalled, "unfinished incoming media")


def requeue_unfinished_sends(older_than_seconds: int | None = None) -> int:
    from chatmedia.chat.models import Message
    from chatmedia.whatsapp.tasks import send_outgoing

    age = settings.MEDIA_REQUEUE_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    stalled = Attachment.objects.filter(
        message__direction=Message.Direction.OUTGOING,
        message__status=Message.Status.PROCESSING,
        message__updated_at__lte=cutoff,
        status__in=[Attachment.Status.PROCESSING, Attachment.Status.READY],
    ).values_list("id", flat=True)
    return _queue_again(send_outgoing, stalled, "unfinished sends")


def _queue_again(task, attachment_ids, what: str) -> int:
    count = 0
    for attachment_id in attachment_ids.iterator():
        task.delay(str(attachment_id))
        count += 1
    if count:
        logger.info("queued %d %s again", count, what)
    return count


def recover() -> dict:
    return {
        "incoming": requeue_unfinished_media(),
        "sends": requeue_unfinished_sends(),
        "receipts_forgotten": forget_stale_receipts(),
    }


def forget_stale_receipts() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.EARLY_RECEIPT_TTL_SECONDS)
    deleted, _ = EarlyReceipt.objects.filter(received_at__lt=cutoff).delete()
    return deleted
