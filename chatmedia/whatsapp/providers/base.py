"""The seam every WhatsApp provider implements (Evolution API, Meta's WhatsApp Cloud API).

The neutral core — `ingest`, `receipts`, the send record (`sending`), the media pipeline, events —
speaks only in our typed items (`whatsapp.items`) and this interface. A provider:
- authenticates and parses its own webhooks into `Webhook` items (its `webhook` module: routes
  `/webhooks/<provider>/<connection>/…`); a body its route queued is parsed by `parse_queued`;
- fetches the bytes a `MediaRef` / attachment source points at (`fetch_media`), verified and capped;
- sends a message (text, media, voice note, reply) and a reaction;
- says what it can do (`Capabilities`), so the core never asks a provider for what it lacks.
Errors are `FetchError` (whatsapp.outbound): `transient` worth a retry, `ambiguous` when the request
may have gone out, `code` shown to the agent.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import BinaryIO


@dataclass(frozen=True)
class Capabilities:
    avatars: bool  # can look up a contact's profile picture
    group_subjects: bool  # can look up a group's name
    idempotent_sends: bool  # repeating a send with the same id sends it at most once
    echoes_own_sends: bool  # our sends come back as a webhook naming them (a lost answer heals)
    voice_notes: bool
    # Largest file per attachment category the provider takes (None: ours are the only limits),
    # and the types it takes per category (empty: any we send).
    max_bytes: dict[str, int] = field(default_factory=dict)
    allowed_types: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Sent:
    wa_message_id: str  # WhatsApp's id of what went out ("" when the provider did not say)
    transport: str  # how the bytes travelled (url | base64 | upload | text), for support


class Provider(ABC):
    name: str
    capabilities: Capabilities

    @abstractmethod
    def can_send(self, connection) -> bool:
        """Configured enough to call (whether it answers is another matter)."""

    @abstractmethod
    def fetch_media(self, connection, source: dict, max_bytes: int) -> BinaryIO:
        """The verified plaintext of an incoming attachment (a context manager, read from 0)."""

    def inline_media(self, connection, source: dict, text: str, max_bytes: int) -> BinaryIO:
        """The verified plaintext of media the webhook carried inline (base64 `text`)."""
        from chatmedia.whatsapp.outbound import FetchError

        raise FetchError("no_inline", f"{self.name} sends no media inline")

    def parse_queued(self, body: str):
        """The `Webhook` in a body the provider's webhook route queued (a ValueError when it is
        not one). Only for providers whose route queues bodies."""
        raise NotImplementedError(f"{self.name} queues no webhooks")

    @abstractmethod
    def send(self, connection, message, attachment, client_message_id: str) -> Sent:
        """Send `message` (its `attachment`, or its text when None; a reply when it has one)."""

    @abstractmethod
    def react(self, connection, message, emoji: str) -> None:
        """React to `message` with `emoji` ("" takes ours back)."""

    def profile_picture_url(self, connection, jid: str) -> str:
        """The contact's current picture URL ("" for none). Only with `capabilities.avatars`."""
        raise NotImplementedError(f"{self.name} has no profile pictures")

    def group_subject(self, connection, jid: str) -> str:
        """A group's name. Only with `capabilities.group_subjects`."""
        raise NotImplementedError(f"{self.name} has no group metadata")
