"""Live events to browsers: names, payloads, groups, and the one way to send them.

Groups: `tenant.<uuid>` (every event of a tenant: the conversation list) and `conversation.<uuid>`
(only that chat). Each event goes to both; a socket is in exactly one of them.
Events: message.created, message.status, message.deleted, message.edited, message.reactions,
message.updated,
attachment.ready, attachment.failed, attachment.progress (a file being converted before it is sent:
`{conversation, message, attachment, phase, progress}`), conversation.updated, conversation.merged.
`message.deleted` without `message`: an outgoing message that never reached WhatsApp was dropped
(remove it); with `message`: deleted for everyone on WhatsApp (show it as deleted).
They are sent only after the surrounding transaction commits (`transaction.on_commit`), and
attachment events only once the bytes are stored, so a browser never fetches what is not there.
A failure to publish (Redis down) is logged and never breaks the caller: the REST API stays the
source of truth and the UI refetches on reconnect.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import threading
import time
import uuid

from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

MESSAGE_CREATED = "message.created"
MESSAGE_STATUS = "message.status"
MESSAGE_DELETED = "message.deleted"
MESSAGE_EDITED = "message.edited"
MESSAGE_REACTIONS = "message.reactions"
MESSAGE_UPDATED = "message.updated"  # anything else about it changed (a view-once file was opened)
CONVERSATION_MERGED = "conversation.merged"
ATTACHMENT_READY = "attachment.ready"
ATTACHMENT_FAILED = "attachment.failed"
ATTACHMENT_PROGRESS = "attachment.progress"
ATTACHMENT_REMOVED = "attachment.removed"  # its bytes removed on request (privacy.removal)
CONVERSATION_UPDATED = "conversation.updated"
CONVERSATION_REMOVED = "conversation.removed"  # erased with its customer's data (privacy.erasure)
EVENT_TYPES = (
    MESSAGE_CREATED,
    MESSAGE_STATUS,
    MESSAGE_DELETED,
    MESSAGE_EDITED,
    MESSAGE_REACTIONS,
    MESSAGE_UPDATED,
    ATTACHMENT_READY,
    ATTACHMENT_FAILED,
    CONVERSATION_UPDATED,
    CONVERSATION_MERGED,
    CONVERSATION_REMOVED,
)

# The event loop of the ASGI server, for the in-memory channel layer (embedded mode): its queues
# belong to that loop, so sends from other threads are handed to it.
_server_loop: asyncio.AbstractEventLoop | None = None


def remember_server_loop() -> None:
    global _server_loop
    _server_loop = asyncio.get_running_loop()


def tenant_group(tenant_id: uuid.UUID | str) -> str:
    return f"tenant.{uuid.UUID(str(tenant_id))}"


def conversation_group(conversation_id: uuid.UUID | str) -> str:
    return f"conversation.{uuid.UUID(str(conversation_id))}"


class _Publisher:
    """Sends events from one background event loop, in order, so the caller (a webhook request, a
    worker task) never waits for Redis: a group send costs milliseconds of round trips, and a
    webhook answer must not. Events are best effort by design (the REST API is the truth)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue | None = None
        self.pending = 0

    def _run(self, ready: threading.Event) -> None:
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.queue = asyncio.Queue()
        ready.set()
        self.loop.run_until_complete(self._drain())

    async def _drain(self) -> None:
        while True:
            group, message = await self.queue.get()
            try:
                layer = get_channel_layer()
                loop = _server_loop
                if isinstance(layer, InMemoryChannelLayer) and loop is not None and loop.is_running():
                    await asyncio.wrap_future(
                        asyncio.run_coroutine_threadsafe(layer.group_send(group, message), loop)
                    )
                else:
                    await layer.group_send(group, message)
            except Exception:
                logger.exception("could not publish %s to %s", message.get("event"), group)
            finally:
                with self.lock:
                    self.pending -= 1

    def submit(self, group: str, message: dict) -> None:
        with self.lock:
            if self.loop is None:
                ready = threading.Event()
                threading.Thread(
                    target=self._run, args=(ready,), name="realtime-publisher", daemon=True
                ).start()
                ready.wait(5)
            self.pending += 1
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (group, message))

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every submitted event was handed to the channel layer (tests, process exit)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.pending == 0:
                    return True
            time.sleep(0.01)
        return False


_publisher = _Publisher()
atexit.register(_publisher.flush, 2.0)
flush = _publisher.flush


def send_now(tenant_id, conversation_id, event: str, data: dict) -> None:
    message = {"type": "chat.event", "event": event, "data": data}
    for group in (tenant_group(tenant_id), conversation_group(conversation_id)):
        _publisher.submit(group, message)


def publish(tenant_id, conversation_id, event: str, data: dict) -> None:
    """Send after the current transaction commits (at once when there is none)."""
    transaction.on_commit(lambda: send_now(tenant_id, conversation_id, event, data))


# --- payloads (the same JSON shapes as the REST API) -------------------------------------------------


def message_created(message) -> None:
    from chatmedia.chat.serializers import MessageSerializer

    publish(message.tenant_id, message.conversation_id, MESSAGE_CREATED, MessageSerializer(message).data)


def message_status(message) -> None:
    from chatmedia.chat.serializers import MessageSerializer

    data = MessageSerializer(message).data
    keys = (
        "id",
        "conversation",
        "wa_message_id",
        "status",
        "error",
        "sent_at",
        "delivered_at",
        "read_at",
        "played_at",
    )
    payload = {key: data[key] for key in keys}
    publish(message.tenant_id, message.conversation_id, MESSAGE_STATUS, payload)


def message_deleted(tenant_id, conversation_id, message_id) -> None:
    """An outgoing message that never reached WhatsApp was cancelled or abandoned."""
    payload = {"id": str(message_id), "conversation": str(conversation_id)}
    publish(tenant_id, conversation_id, MESSAGE_DELETED, payload)


def message_changed(event: str, message_id) -> None:
    """`message.deleted` (for everyone), `message.edited`, `message.reactions` or `message.updated`:
    the message as it is once the transaction committed (two changes at once each send the final
    state)."""
    from chatmedia.chat.models import Message
    from chatmedia.chat.serializers import MessageSerializer, with_message_context

    def send() -> None:
        message = (
            Message.objects.filter(pk=message_id)
            .prefetch_related("attachments__renditions", "reactions")
            .first()
        )
        if message is None:
            return
        data = MessageSerializer(with_message_context([message])[0]).data
        payload = {"id": data["id"], "conversation": data["conversation"], "message": data}
        send_now(message.tenant_id, message.conversation_id, event, payload)

    transaction.on_commit(send, robust=True)


def conversation_merged(tenant_id, kept_id, merged_id) -> None:
    """Two conversations were one person (a LID and a phone number): `merged` is gone, its
    messages are in `id` now."""
    payload = {"id": str(kept_id), "merged": str(merged_id)}
    publish(tenant_id, merged_id, CONVERSATION_MERGED, payload)  # the list, and whoever had it open
    message = {"type": "chat.event", "event": CONVERSATION_MERGED, "data": payload}
    transaction.on_commit(lambda: _publisher.submit(conversation_group(kept_id), message), robust=True)


def conversation_removed(tenant_id, conversation_id) -> None:
    """The conversation is gone (its customer's data erased): off the list, closed where open."""
    publish(tenant_id, conversation_id, CONVERSATION_REMOVED, {"id": str(conversation_id)})


def attachment_changed(attachment) -> None:
    from chatmedia.chat.models import Attachment
    from chatmedia.chat.serializers import AttachmentSerializer

    if attachment.removed_at is not None:
        event = ATTACHMENT_REMOVED
    elif attachment.status == Attachment.Status.READY:
        event = ATTACHMENT_READY
    elif attachment.status == Attachment.Status.FAILED:
        event = ATTACHMENT_FAILED
    else:
        return
    payload = {
        "conversation": str(attachment.conversation_id),
        "message": str(attachment.message_id) if attachment.message_id else None,
        "attachment": AttachmentSerializer(attachment).data,
    }
    publish(attachment.tenant_id, attachment.conversation_id, event, payload)


def attachment_progress(attachment, phase: str, fraction: float) -> None:
    """How far a long step on a file has come (`phase`: "converting"), sent at once."""
    send_now(
        attachment.tenant_id,
        attachment.conversation_id,
        ATTACHMENT_PROGRESS,
        {
            "conversation": str(attachment.conversation_id),
            "message": str(attachment.message_id) if attachment.message_id else None,
            "attachment": str(attachment.pk),
            "phase": phase,
            "progress": round(max(0.0, min(1.0, fraction)), 3),
        },
    )


def conversation_updated(conversation) -> None:
    """Serialized after the commit, not before: two messages stored at once in one chat each see
    the other's row then, so neither event carries a stale `last_message`. Read again then: a
    conversation merged into another meanwhile (chat.merge) is gone and says nothing."""
    from chatmedia.chat.models import Conversation
    from chatmedia.chat.serializers import ConversationSerializer

    conversation_id, tenant_id = conversation.pk, conversation.tenant_id

    def send() -> None:
        current = Conversation.objects.filter(pk=conversation_id).first()
        if current is None:
            return
        send_now(tenant_id, conversation_id, CONVERSATION_UPDATED, ConversationSerializer(current).data)

    transaction.on_commit(send, robust=True)
