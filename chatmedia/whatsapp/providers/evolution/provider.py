"""Evolution API (Baileys) behind the provider seam: the adapter over `client` (the HTTP client),
`download` (CDN + decryption, Evolution's getBase64 fallback), `send_request` (which route and body
a message needs) and `payloads` (webhook JSON → our items). Webhooks: `webhook` and the fast path
`webhook_app` (`/webhooks/evolution/<connection>/<secret>/`)."""

from __future__ import annotations

from django.conf import settings

from chatmedia.whatsapp.providers.base import Capabilities, Provider, Sent
from chatmedia.whatsapp.providers.evolution import client, download
from chatmedia.whatsapp.providers.evolution.payloads import parse_webhook_body
from chatmedia.whatsapp.providers.evolution.send_request import build_request


class EvolutionProvider(Provider):
    name = "evolution"

    @property
    def capabilities(self) -> Capabilities:  # idempotency is a setting (Evolution >= 2.4)
        return Capabilities(
            avatars=True,
            group_subjects=True,
            idempotent_sends=settings.EVOLUTION_IDEMPOTENT_SENDS,
            echoes_own_sends=True,
            voice_notes=True,
        )

    def can_send(self, connection) -> bool:
        return client.is_configured(connection)

    def fetch_media(self, connection, source: dict, max_bytes: int):
        return download.obtain(connection, source, max_bytes)

    def inline_media(self, connection, source: dict, text: str, max_bytes: int):
        return download.from_inline(text, source, max_bytes)

    def parse_queued(self, body: str):
        return parse_webhook_body(body)

    def send(self, connection, message, attachment, client_message_id: str) -> Sent:
        route, body, transport = build_request(message, attachment, client_message_id)
        answer = client.call(connection, f"message/{route}", body)
        key = answer.get("key") if isinstance(answer, dict) else None
        wa_id = key.get("id") if isinstance(key, dict) and isinstance(key.get("id"), str) else ""
        return Sent(wa_id, transport)

    def react(self, connection, message, emoji: str) -> None:
        key = {
            "id": message.wa_message_id,
            "remoteJid": message.conversation.remote_jid,
            "fromMe": message.direction == "out",
        }
        if message.author_jid:
            key["participant"] = message.author_jid
        client.call(connection, "message/sendReaction", {"key": key, "reaction": emoji})

    def profile_picture_url(self, connection, jid: str) -> str:
        return client.fetch_profile_picture_url(connection, jid)

    def group_subject(self, connection, jid: str) -> str:
        return client.find_group_subject(connection, jid)
