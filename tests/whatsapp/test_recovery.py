"""Lost tasks are queued again; stale receipts are forgotten."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

from chatmedia.chat.models import Attachment
from chatmedia.whatsapp.models import EarlyReceipt
from chatmedia.whatsapp.recovery import forget_stale_receipts, requeue_unfinished_media
from tests.whatsapp.fixtures import evolution


def test_unfinished_incoming_media_is_queued_again(tenant, post_webhook, queued, settings):
    post_webhook(tenant, evolution("messages-upsert-image-caption.json"))
    post_webhook(tenant, evolution("messages-upsert-video.json"))
    attachments = list(Attachment.objects.order_by("created_at"))
    queued.media.clear()
    assert requeue_unfinished_media() == 0  # too recent: their tasks are probably still queued
    Attachment.objects.filter(pk=attachments[1].pk).update(status=Attachment.Status.READY)
    Attachment.objects.update(updated_at=timezone.now() - timedelta(hours=1))
    assert requeue_unfinished_media() == 1
    assert queued.media == [str(attachments[0].id)]
    call_command("recover_media", "--older-than", "0")
    assert queued.media == [str(attachments[0].id)] * 2


def test_stale_receipts_are_forgotten(tenant, settings):
    EarlyReceipt.objects.create(tenant=tenant, wa_message_id="OLD", from_me=True, status="read")
    EarlyReceipt.objects.create(tenant=tenant, wa_message_id="NEW", from_me=True, status="read")
    EarlyReceipt.objects.filter(wa_message_id="OLD").update(received_at=timezone.now() - timedelta(days=2))
    assert forget_stale_receipts() == 1
    assert list(EarlyReceipt.objects.values_list("wa_message_id", flat=True)) == ["NEW"]
