"""Sending an outgoing message through its conversation's number (the connection's provider,
`whatsapp.providers`), exactly once.

Status: `pending` (uploading) → `processing` (verified, being prepared and sent) → `sent` (Evolution
answered with WhatsApp's `key.id`) → `delivered` → `read` / `played`, never backwards
(`chat.status`); or `failed` with a machine code and a human message.

No duplicate sends. Evolution's send is not idempotent before 2.4, and a send can outlive the worker
that made it (killed after Evolution answered, before we saved). So every send has an
`OutgoingSend` record, written and committed *before* the call:
- `calling` + `started_at`: a call is in flight. Another attempt (a redelivered task, a second
  completion) that finds it waits until the lease (EVOLUTION_SEND_LEASE_SECONDS) has run out.
- After the lease the first worker is taken for dead. With EVOLUTION_IDEMPOTENT_SENDS (Evolution
  ≥ 2.4) every call carries the same `messageId`, so the send is simply repeated: Evolution sends it
  at most once. Without it the send is *not* repeated: the message waits for Evolution's
  `send.message` webhook, which names it (`claim_from_webhook`), and otherwise ends `failed` with
  `send_unconfirmed` ("check the phone before retrying"); a person decides.
- An answer that never came (a timeout after the request went out) is treated the same way.
  Errors that prove nothing was sent (connection refused, 5xx, 429) are retried with backoff;
  4xx are final (`failed` with Evolution's reason). `retry` re-sends on an agent's request.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from chatmedia import jobs
from chatmedia.chat import ordering
from chatmedia.chat import status as message_status
from chatmedia.chat.models import Attachment, Message
from chatmedia.ops import logging as log_context
from chatmedia.ops import metrics
from chatmedia.realtime import events
from chatmedia.whatsapp import providers, receipts
from chatmedia.whatsapp.models import OutgoingSend
from chatmedia.whatsapp.outbound import FetchError

logger = logging.getLogger(__name__)

State = OutgoingSend.State
DONE = (Message.Status.SENT, Message.Status.DELIVERED, Message.Status.READ, Message.Status.PLAYED)
UNCONFIRMED_MESSAGE = (
    "Evolution API did not confirm the send; WhatsApp may have received it. "
    "Check the phone before sending it again."
)


class InFlight(Exception):
    """Another attempt is calling Evolution for this message; look again after `retry_after` s."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"a send is in flight; retry in {retry_after:.0f} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Outcome:
    state: str  # sent | failed | unconfirmed | gone
    detail: str = ""


def new_client_message_id() -> str:
    """A WhatsApp-shaped id of the kind Evolution's own sends get (`3EB0` + 18 hex = "web")."""
    return "3EB0" + secrets.token_hex(9).upper()


# --- the send -----------------------------------------------------------------------------------------


def _claim(message_id) -> tuple[Message, OutgoingSend] | Outcome:
    """Record the attempt before calling; an Outcome when there is nothing to call."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.select_for_update().select_related("tenant", "conversation").filter(pk=message_id)
        ).first()
        if message is None:
            return Outcome("gone")
        idempotent = _provider(message).capabilities.idempotent_sends
        if message.status in DONE:
            return Outcome("sent", "already sent")
        if message.status == Message.Status.FAILED:
            return Outcome("failed", message.error_code)
        record, _ = OutgoingSend.objects.get_or_create(
            message=message,
            defaults={"tenant": message.tenant, "client_message_id": new_client_message_id()},
        )
        if record.state == State.UNCONFIRMED:
            return Outcome("unconfirmed")
        if record.state == State.CALLING:
            lease_end = record.started_at + timedelta(seconds=settings.EVOLUTION_SEND_LEASE_SECONDS)
            if now < lease_end:
                raise InFlight((lease_end - now).total_seconds())
            if not idempotent:
                logger.warning("send of %s: the worker calling Evolution died; not repeating it", message.pk)
                _mark_unconfirmed(message, record)
                return Outcome("unconfirmed")
            logger.info("send of %s: the worker calling Evolution died; repeating the call", message.pk)
        record.state = State.CALLING
        record.started_at = now
        record.attempts += 1
        record.save(update_fields=["state", "started_at", "attempts"])
        if idempotent and not message.wa_message_id:
            # Receipts and the send.message webhook will carry this id: let them find the message.
            message.wa_message_id = record.client_message_id
            message.save(update_fields=["wa_message_id", "updated_at"])
    return message, record


def send(message_id) -> Outcome:
    """Send the message: its (ready) attachment, or its text when it has none. Raises InFlight, or
    FetchError when it is transient and worth a retry; a final failure is recorded and returned."""
    claimed = _claim(message_id)
    if isinstance(claimed, Outcome):
        return claimed
    message, record = claimed
    attachment = (
        Attachment.objects.select_related("original").filter(message=message).order_by("created_at").first()
    )
    if (attachment is None and not message.text) or (attachment is not None and attachment.original is None):
        _release(record)
        fail(message.pk, "nothing_to_send", "the message has no stored file")
        return Outcome("failed", "nothing_to_send")
    connection = message.conversation.connection
    provider = providers.of(connection)
    logger.info(
        "sending %s (%s, %d bytes) via %s, attempt %d",
        message.pk,
        attachment.category if attachment else "text",
        attachment.original.size if attachment else len(message.text.encode()),
        provider.name,
        record.attempts,
    )
    log_context.bind(tenant=message.tenant.slug)
    try:
        with metrics.phase("send", kind=_kind(attachment)):
            sent = provider.send(connection, message, attachment, record.client_message_id)
    except FetchError as exc:
        if exc.ambiguous and not provider.capabilities.idempotent_sends:
            return _answer_lost(message.pk, record, exc)
        _release(record)
        if exc.transient:
            raise
        fail(message.pk, exc.code, str(exc))
        return Outcome("failed", exc.code)
    OutgoingSend.objects.filter(pk=record.pk).update(transport=sent.transport)
    confirm(message.pk, sent.wa_message_id or None)
    return Outcome("sent", sent.wa_message_id)


def _provider(message: Message):
    return providers.of(message.conversation.connection)


def _kind(attachment: Attachment | None) -> str:
    return "text" if attachment is None else "media"


def _message_kind(message: Message) -> str:
    return "media" if message.attachments.exists() else "text"


def _release(record: OutgoingSend) -> None:
    """The call surely did not send anything: the next attempt may call again."""
    OutgoingSend.objects.filter(pk=record.pk, state=State.CALLING).update(state=State.IDLE)


def _answer_lost(message_id, record: OutgoingSend, exc: FetchError) -> Outcome:
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message_id)
        record = OutgoingSend.objects.select_for_update().get(pk=record.pk)
        if message.status in DONE or record.state == State.SENT:  # the webhook told us meanwhile
            return Outcome("sent")
        logger.warning("send of %s: %s; not repeating it (Evolution < 2.4)", message_id, exc)
        _mark_unconfirmed(message, record)
    return Outcome("unconfirmed")


def _mark_unconfirmed(message: Message, record: OutgoingSend) -> None:
    record.state = State.UNCONFIRMED
    record.finished_at = timezone.now()
    record.save(update_fields=["state", "finished_at"])
    _set_failed(message, "send_unconfirmed", UNCONFIRMED_MESSAGE)


def _set_failed(message: Message, code: str, text: str) -> bool:
    updated = Message.objects.filter(
        pk=message.pk, status__in=message_status.replaceable_by(Message.Status.FAILED)
    ).update(status=Message.Status.FAILED, error_code=code[:64], error_message=text[:500])
    if updated:
        message.status, message.error_code, message.error_message = Message.Status.FAILED, code, text
        events.message_status(message)
        ordering.release_next(message.pk)  # the next of a batch still goes
    return bool(updated)


def fail(message_id, code: str, text: str) -> None:
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is not None and _set_failed(message, code, text):
            logger.info("message %s failed: %s: %s", message_id, code, text, extra={"error_code": code})
            kind = _message_kind(message)
            transaction.on_commit(lambda: metrics.SENDS.labels(kind, "failed").inc())


def confirm(message_id, wa_message_id: str | None) -> bool:
    """WhatsApp has the message (Evolution's answer or its `send.message` webhook): record its id
    and move it to `sent`, then apply receipts that came first. False when the message is gone."""
    with transaction.atomic():
        message = Message.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return False
        OutgoingSend.objects.filter(message=message).update(state=State.SENT, finished_at=timezone.now())
        fields = []
        if wa_message_id and message.wa_message_id != wa_message_id:
            message.wa_message_id = wa_message_id
            fields.append("wa_message_id")
        # `failed` here can only be send_unconfirmed or a retry race: WhatsApp has it, so it is sent.
        if message.status in message_status.replaceable_by(Message.Status.SENT) or (
            message.status == Message.Status.FAILED
        ):
            message.status = Message.Status.SENT
            message.error_code = message.error_message = ""
            fields += ["status", "error_code", "error_message"]
            if message.sent_at is None:
                message.sent_at = timezone.now()
                fields.append("sent_at")
        if "status" in fields:
            kind = _message_kind(message)
            transaction.on_commit(lambda: metrics.SENDS.labels(kind, "sent").inc())
        if fields:
            if "wa_message_id" in fields:
                _drop_echo(message, wa_message_id)
            try:
                with transaction.atomic():
                    message.save(update_fields=[*fields, "updated_at"])
            except IntegrityError:  # another message of this chat has the id (not an echo of ours)
                logger.warning("message %s: WhatsApp id %s already recorded", message_id, wa_message_id)
                return False
            events.message_status(message)
        if "status" in fields:
            ordering.release_next(message.pk)
        if message.wa_message_id:
            receipts.apply_early(message)
    logger.info("message %s sent (WhatsApp id %s)", message_id, wa_message_id or "unknown")
    return True


def _drop_echo(message: Message, wa_message_id: str) -> None:
    """A `send.message` webhook that could not be matched to this send was recorded as a message of
    its own: the same WhatsApp id in the same chat is the same message, so that copy goes."""
    echo = (
        Message.objects.filter(
            conversation_id=message.conversation_id,
            wa_message_id=wa_message_id,
            direction=Message.Direction.OUTGOING,
            send__isnull=True,
        )
        .exclude(pk=message.pk)
        .first()
    )
    if echo is not None:
        logger.info("message %s: dropping the copy %s recorded from a webhook", message.pk, echo.pk)
        tenant_id, conversation_id, echo_id = echo.tenant_id, echo.conversation_id, echo.pk
        echo.delete()
        events.message_deleted(tenant_id, conversation_id, echo_id)


# --- reconciling with Evolution's send.message webhook ----------------------------------------------


def claim_from_webhook(tenant, incoming, conversation) -> bool:
    """A `send.message` webhook: if it is one of our sends, confirm that send and return True (the
    caller records nothing more); also True when it is one of several sends in flight that cannot
    be told apart (their answers will confirm them); False when someone else sent it through the API."""
    wa_id = incoming.wa_message_id
    known = Message.objects.filter(
        tenant=tenant, direction=Message.Direction.OUTGOING, wa_message_id=wa_id
    ).first()
    if known is not None:
        confirm(known.pk, wa_id)
        return True
    record = OutgoingSend.objects.filter(tenant=tenant, client_message_id=wa_id).first()
    if record is not None:
        return confirm(record.message_id, wa_id)
    if conversation is None:
        return False
    # Evolution < 2.4 gave it its own id: find the send in flight (or unanswered) in that chat.
    unanswered = Q(state__in=[State.CALLING, State.UNCONFIRMED]) | Q(
        state=State.SENT,
        message__wa_message_id__isnull=True,  # Evolution answered with an empty body
    )
    waiting = list(
        OutgoingSend.objects.filter(tenant=tenant, message__conversation=conversation)
        .filter(unanswered)
        .select_related("message")
    )
    if incoming.media is None:
        return _claim_text(waiting, incoming, wa_id)
    attachments = {
        a.message_id: a
        for a in Attachment.objects.filter(message_id__in=[r.message_id for r in waiting]).select_related(
            "original"
        )
    }
    sha = incoming.media.file_sha256.hex() if incoming.media.file_sha256 else ""
    same_bytes = [
        r for r in waiting if (a := attachments.get(r.message_id)) and a.original and a.original.sha256 == sha
    ]
    same_kind = [
        r
        for r in waiting
        if (a := attachments.get(r.message_id)) and _kind_of(a.category) == _kind_of(incoming.media.category)
    ]
    match = same_bytes or (same_kind if len(same_kind) == 1 else [])
    if len(match) == 1:
        return confirm(match[0].message_id, wa_id)
    if any(r.state == State.CALLING for r in waiting):
        # Several sends of this kind in flight (Evolution re-encodes pictures, so bytes do not tell):
        # their HTTP answers will name them. Recording this as a new message would show it twice.
        logger.info("send.message %s: one of %d sends in flight; left to their answers", wa_id, len(waiting))
        return True
    return False


def _claim_text(waiting: list[OutgoingSend], incoming, wa_id: str) -> bool:
    """A text echo: the one text send in flight in that chat with these very words."""
    same_text = [
        r
        for r in waiting
        if r.message.text == incoming.text and not Attachment.objects.filter(message_id=r.message_id).exists()
    ]
    if len(same_text) == 1:
        return confirm(same_text[0].message_id, wa_id)
    return bool(same_text)  # the same words twice in flight: their answers will name them


def _kind_of(category: str) -> str:
    return "audio" if category in ("voice", "audio") else category


# --- an agent's retry -----------------------------------------------------------------------------------


def retry(message: Message) -> bool:
    """Send a failed message again (the agent asked). False when there is nothing to re-send."""
    with transaction.atomic():
        message = Message.objects.select_for_update().get(pk=message.pk)
        attachment = Attachment.objects.filter(message=message).order_by("created_at").first()
        if message.status != Message.Status.FAILED or message.direction != Message.Direction.OUTGOING:
            return False
        if attachment is None and not message.text:
            return False
        if attachment is not None and attachment.status != Attachment.Status.READY:
            return False
        OutgoingSend.objects.filter(message=message).exclude(state=State.SENT).update(state=State.IDLE)
        message.status = Message.Status.PROCESSING
        message.error_code = message.error_message = ""
        message.save(update_fields=["status", "error_code", "error_message", "updated_at"])
        events.message_status(message)
        if attachment is None:
            jobs.after_commit("whatsapp.send_text", str(message.pk))
        else:
            jobs.after_commit("whatsapp.send_outgoing", str(attachment.id))
    logger.info("message %s: send retried by an agent", message.pk)
    return True
