"""Exactly once, and never backwards: double runs, sends in flight, lost answers on Evolution 2.3
and 2.4, `send.message` webhooks before and after the answer, receipts out of order, lost tasks.
Both storage backends; the fake Evolution as in test_sending."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chatmedia.chat.models import Attachment, Message
from chatmedia.media.models import Upload
from chatmedia.media.storage import UploadedPart
from chatmedia.whatsapp import sending, tasks
from chatmedia.whatsapp.models import OutgoingSend
from tests.media.upload_client import MiB, pdf_bytes, recording


def test_running_the_task_twice_sends_once(send, fake_whatsapp, storage):
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    tasks.send_outgoing.apply(args=[str(attachment.id)])
    assert len(fake_whatsapp.sent()) == 1


def test_a_send_in_flight_is_not_repeated_by_another_attempt(send, fake_whatsapp, storage, uploads, agent):
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    attachment = Attachment.objects.get(pk=started.id)
    OutgoingSend.objects.create(
        message_id=attachment.message_id,
        tenant=attachment.tenant,
        client_message_id=sending.new_client_message_id(),
        state=OutgoingSend.State.CALLING,
        started_at=timezone.now(),
    )
    from chatmedia.media.processing import outgoing

    outgoing.prepare(attachment.pk)
    with pytest.raises(sending.InFlight) as waiting:
        sending.send(attachment.message_id)
    assert 0 < waiting.value.retry_after <= 150
    assert fake_whatsapp.sent() == []


def test_lost_answer_with_idempotent_evolution_repeats_with_the_same_id(
    send, fake_whatsapp, storage, settings
):
    """Evolution >= 2.4: the answer is lost (the worker died or timed out after Evolution sent);
    the send is repeated with the same messageId and Evolution sends nothing twice."""
    settings.EVOLUTION_IDEMPOTENT_SENDS = True
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 0.01
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    calls = fake_whatsapp.calls("sendMedia")
    assert len(calls) == 2 and calls[0]["body"]["messageId"] == calls[1]["body"]["messageId"]
    (sent,) = fake_whatsapp.sent()
    assert attachment.message.status == "sent" and attachment.message.wa_message_id == sent.id
    assert sent.id == calls[0]["body"]["messageId"]


def test_lost_answer_with_evolution_2_3_is_not_repeated(send, fake_whatsapp, storage, settings):
    """Evolution 2.3 (messageId ignored), no webhook: a repeat could send twice, so the message ends
    failed/send_unconfirmed for a person to check, after exactly one send."""
    fake_whatsapp.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert len(fake_whatsapp.sent()) == 1 and len(fake_whatsapp.calls("sendMedia")) == 1
    message = attachment.message
    assert message.status == "failed" and message.error_code == "send_unconfirmed"
    assert "Check the phone" in message.error_message


def test_lost_answer_with_evolution_2_3_is_confirmed_by_the_send_message_webhook(
    send, webhook_to_us, storage, settings
):
    fake = webhook_to_us
    fake.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake.state.stall_seconds = 2
    fake.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    (sent,) = fake.sent()
    message = attachment.message
    assert message.status == "sent" and message.wa_message_id == sent.id  # Evolution's own id
    assert Message.objects.filter(conversation=message.conversation, direction="out").count() == 1


def test_send_message_webhook_after_the_answer_records_nothing_new(send, webhook_to_us, storage):
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert attachment.message.status == "sent"
    assert Message.objects.filter(direction="out").count() == 1


def test_receipts_move_forward_only_even_out_of_order(send, webhook_to_us, storage):
    fake = webhook_to_us
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    message = attachment.message
    assert fake.ack(message.wa_message_id, "READ") == 200
    assert fake.ack(message.wa_message_id, "DELIVERY_ACK") == 200  # late: must not go back
    assert fake.ack(message.wa_message_id, "SERVER_ACK") == 200
    message.refresh_from_db()
    assert message.status == "read"


def test_played_voice_note(send, webhook_to_us, storage):
    attachment = send(recording("webm"), file_name="v.webm", mime_type="audio/webm", voice=True)
    for status in ("DELIVERY_ACK", "PLAYED", "READ"):
        webhook_to_us.ack(attachment.message.wa_message_id, status)
    attachment.message.refresh_from_db()
    assert attachment.message.status == "played"


def test_receipt_that_comes_before_the_answer_is_applied(uploads, agent, webhook_to_us, storage):
    """Evolution 2.3: a receipt for Evolution's id can arrive before its HTTP answer named the id."""
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    from chatmedia.media.processing import outgoing

    message_id = outgoing.prepare(started.id).message_id
    early_id = "3EB0AAAAAAAAAAAAAAAAAA"
    webhook_to_us.state.answers[early_id] = {"key": {"remoteJid": agent.conversation.remote_jid}}
    assert webhook_to_us.ack(early_id, "DELIVERY_ACK") == 200  # no message has this id yet
    assert sending.confirm(message_id, early_id)  # the answer comes: sent, then the receipt applies
    message = Message.objects.get(pk=message_id)
    assert message.status == "delivered" and message.wa_message_id == early_id


def test_unconfirmed_then_late_webhook_marks_it_sent(send, fake_whatsapp, storage, settings):
    fake_whatsapp.state.honour_message_id = False
    settings.EVOLUTION_TIMEOUT_SECONDS = 1
    fake_whatsapp.state.stall_seconds = 2
    fake_whatsapp.fail("sendMedia", "send_then_stall")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    assert attachment.message.status == "failed"
    (sent,) = fake_whatsapp.sent()
    assert sending.confirm(attachment.message_id, sent.id)
    attachment.message.refresh_from_db()
    assert attachment.message.status == "sent" and attachment.message.error_code == ""


def test_stale_call_without_idempotency_becomes_unconfirmed(uploads, agent, fake_whatsapp, storage, settings):
    started, _, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    from chatmedia.media.processing import outgoing

    attachment = outgoing.prepare(started.id)
    OutgoingSend.objects.create(
        message_id=attachment.message_id,
        tenant=attachment.tenant,
        client_message_id=sending.new_client_message_id(),
        state=OutgoingSend.State.CALLING,
        started_at=timezone.now() - timedelta(seconds=settings.EVOLUTION_SEND_LEASE_SECONDS + 1),
    )
    assert sending.send(attachment.message_id).state == "unconfirmed"
    assert fake_whatsapp.sent() == []


def test_a_send_whose_task_was_lost_is_queued_again(uploads, agent, storage, queued_sends):
    from chatmedia.whatsapp import recovery

    started, status, _ = uploads.send(
        agent.conversation.id, pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf"
    )
    assert status == 202 and queued_sends == [started.id]  # …and say the broker lost it
    assert recovery.requeue_unfinished_sends() == 0  # too recent: its task is probably still queued
    Message.objects.filter(attachments__id=started.id).update(updated_at=timezone.now() - timedelta(hours=1))
    report = tasks.recover.apply().get()
    assert report["sends"] == 1 and queued_sends == [started.id, started.id]
    tasks.send_outgoing.apply(args=[started.id])
    assert Message.objects.get(attachments__id=started.id).status == "sent"
    assert recovery.requeue_unfinished_sends(older_than_seconds=0) == 0


def test_empty_answer_is_sent_and_its_webhook_names_it_later(send, webhook_to_us, storage):
    from tools.fake_whatsapp import sends

    url, webhook_to_us.state.webhook_url = webhook_to_us.state.webhook_url, None
    webhook_to_us.fail("sendMedia", "empty_body")
    attachment = send(pdf_bytes(20_000), file_name="a.pdf", mime_type="application/pdf")
    message = attachment.message
    assert message.status == "sent" and message.wa_message_id is None  # sent, id unknown yet
    (sent,) = webhook_to_us.sent()
    webhook_to_us.state.webhook_url = url
    assert (
        sends.post_webhook(webhook_to_us.state, "send.message", webhook_to_us.state.answers[sent.id]) == 200
    )
    message.refresh_from_db()
    assert message.wa_message_id == sent.id
    assert Message.objects.filter(direction="out").count() == 1


def test_completing_again_after_storage_finished_the_multipart(
    uploads, agent, storage, settings, queued_sends
):
    """The first complete joined the parts, then failed before recording it: a retry still works."""
    settings.UPLOAD_MULTIPART_THRESHOLD_BYTES = 5 * MiB
    settings.UPLOAD_PART_BYTES = 5 * MiB
    data = pdf_bytes(6 * MiB)
    started = uploads.start(agent.conversation.id, data, mime_type="application/pdf")
    parts = uploads.put(started, data)
    upload = Upload.objects.get(attachment_id=started.id)
    storage.complete_multipart(
        upload.storage_key,
        upload.multipart_id,
        [UploadedPart(p["number"], p["etag"].strip('"')) for p in parts],
    )
    status, body = uploads.complete(started.id, parts)
    assert status == 202, body
    assert queued_sends == [started.id]
