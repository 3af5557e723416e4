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

from chatmedia import jobs
from chatmedia.chat.models import Attachment
from chatmedia.media.policy import FINAL_REFUSAL_CODES
from chatmedia.whatsapp.models import EarlyReceipt

logger = logging.getLogger(__name__)

# Attachment sources a worker fetches: WhatsApp's CDN (Evolution) and Meta's Cloud API media ids.
INCOMING_SOURCES = ("whatsapp", "cloud")


def requeue_unfinished_media(older_than_seconds: int | None = None) -> int:
    age = settings.MEDIA_REQUEUE_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    stalled = Attachment.objects.filter(
        status__in=[Attachment.Status.PENDING, Attachment.Status.PROCESSING],
        source__kind__in=INCOMING_SOURCES,
        updated_at__lte=cutoff,
    ).values_list("id", flat=True)
    return _queue_again("whatsapp.fetch_incoming_media", stalled, "unfinished incoming media")


def can_fetch_again(attachment: Attachment) -> bool:
    """An incoming file that failed for a reason that may heal (not refused for what it is)."""
    return (
        attachment.source.get("kind") in INCOMING_SOURCES and attachment.error_code not in FINAL_REFUSAL_CODES
    )


def retry_incoming(attachment: Attachment) -> bool:
    """An agent asks to fetch a failed incoming file again (the CDN or Evolution may answer now).
    False when it is not failed, not incoming, or was refused for what it is."""

    if not can_fetch_again(attachment):
        return False
    updated = Attachment.objects.filter(pk=attachment.pk, status=Attachment.Status.FAILED).update(
        status=Attachment.Status.PENDING, error_code="", error_message="", updated_at=timezone.now()
    )
    if updated:
        jobs.after_commit("whatsapp.fetch_incoming_media", str(attachment.pk))
        logger.info("attachment %s: fetch retried by an agent", attachment.pk)
    return bool(updated)


def requeue_unfinished_sends(older_than_seconds: int | None = None) -> int:
    from chatmedia.chat.models import Message

    age = settings.MEDIA_REQUEUE_AFTER_SECONDS if older_than_seconds is None else older_than_seconds
    cutoff = timezone.now() - timedelta(seconds=age)
    stalled = Attachment.objects.filter(
        message__direction=Message.Direction.OUTGOING,
        message__status=Message.Status.PROCESSING,
        message__updated_at__lte=cutoff,
        status__in=[Attachment.Status.PROCESSING, Attachment.Status.READY],
    ).values_list("id", flat=True)
    texts = Message.objects.filter(
        direction=Message.Direction.OUTGOING,
        status=Message.Status.PROCESSING,
        updated_at__lte=cutoff,
        attachments__isnull=True,
    ).values_list("id", flat=True)
    return _queue_again("whatsapp.send_outgoing", stalled, "unfinished sends") + _queue_again(
        "whatsapp.send_text", texts, "unfinished text sends"
    )


def _queue_again(task: str, ids, what: str) -> int:
    count = 0
    for pk in ids.iterator():
        jobs.submit(task, str(pk))
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
