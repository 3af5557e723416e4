"""The `/ws/chat/` WebSocket: live events for an authenticated member of a tenant.

Authentication is the same as the API: the session cookie (browsers) or `Authorization: Token`
(other clients). The tenant is decided exactly as for the API (`tenancy.scoping`). Connect to
`/ws/chat/` for every event of the tenant, or `/ws/chat/?conversation=<uuid>` for one chat of it.
Anything else is refused before the handshake completes. Messages to the client:
`{"type": <event name>, "data": <payload>}`; the client may send `{"type": "ping"}`. A frame the
client has no reason to send is answered with a clean close, never a crash: binary (1003), not
JSON (1007), over REALTIME_CLIENT_FRAME_MAX_CHARS (1009).
"""

from __future__ import annotations

import json
import uuid
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from chatmedia.chat.models import Conversation
from chatmedia.realtime import events
from chatmedia.tenancy.models import ApiToken, hash_token
from chatmedia.tenancy.scoping import tenant_for_session

CLOSE_UNAUTHORIZED = 4401
CLOSE_NOT_FOUND = 4404
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_TOO_BIG = 1009


@database_sync_to_async
def _tenant_of(scope):
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            kind, _, key = value.decode("latin-1").partition(" ")
            if kind.lower() != "token" or not key.strip():
                return None
            token = (
                ApiToken.objects.select_related("membership__tenant", "membership__user")
                .filter(key_digest=hash_token(key.strip()))
                .first()
            )
            if token is None or not token.membership.user.is_active:
                return None
            return token.membership.tenant
    user = scope.get("user")
    if user is None:
        return None
    return tenant_for_session(user, scope.get("session"))


@database_sync_to_async
def _conversation_in(tenant, conversation_id: str) -> bool:
    try:
        wanted = uuid.UUID(conversation_id)
    except ValueError:
        return False
    return Conversation.objects.filter(tenant=tenant, pk=wanted).exists()


class ChatConsumer(AsyncJsonWebsocketConsumer):
    group: str | None = None

    async def connect(self):
        events.remember_server_loop()
        tenant = await _tenant_of(self.scope)
        if tenant is None:
            await self.close(code=CLOSE_UNAUTHORIZED)
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        conversation = (query.get("conversation") or [""])[0]
        if conversation:
            if not await _conversation_in(tenant, conversation):
                await self.close(code=CLOSE_NOT_FOUND)
                return
            self.group = events.conversation_group(conversation)
        else:
            self.group = events.tenant_group(tenant.id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "data": {"tenant": str(tenant.id), "group": self.group}})

    async def disconnect(self, code):
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None:
            await self.close(code=CLOSE_UNSUPPORTED_DATA)
            return
        if len(text_data) > settings.REALTIME_CLIENT_FRAME_MAX_CHARS:
            await self.close(code=CLOSE_TOO_BIG)
            return
        try:
            content = json.loads(text_data)
        except (ValueError, RecursionError):
            await self.close(code=CLOSE_INVALID_PAYLOAD)
            return
        await self.receive_json(content, **kwargs)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def chat_event(self, message):
        await self.send_json({"type": message["event"], "data": message["data"]})
