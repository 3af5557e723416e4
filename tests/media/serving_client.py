"""Drive the media ASGI app in-process, as a browser would (httpx over ASGI), and build test data."""

from __future__ import annotations

import io
import os

import httpx
from asgiref.sync import async_to_sync
from django.test import Client

from chatmedia.chat.models import Attachment, Rendition
from chatmedia.media.serving import signing
from chatmedia.media.serving.app import media_app
from chatmedia.media.storage.blobs import store_blob

KiB = 1024
THUMB = os.urandom(30 * KiB)
BIG = os.urandom(3 * 1024 * KiB + 17)  # over MEDIA_CACHE_MAX_BYTES: streamed in chunks
NEVER = "00000000-0000-4000-8000-000000000000"


def get(path: str, headers: dict | None = None, method: str = "GET", app=media_app) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, path, headers=headers or {})

    return async_to_sync(call)()


def token_headers(world) -> dict:
    return {"Authorization": f"Token {world.token}"}


def session_headers(world) -> dict:
    client = Client()
    client.force_login(world.user)
    return {"Cookie": f"sessionid={client.cookies['sessionid'].value}"}


def attachment(
    world,
    data: bytes | None,
    *,
    category: str = "image",
    mime_type: str = "image/jpeg",
    file_name: str = "foto.jpg",
    status: str = Attachment.Status.READY,
    renditions: dict[str, tuple[bytes, str]] | None = None,
) -> Attachment:
    original = store_blob(world.tenant, io.BytesIO(data), mime_type) if data is not None else None
    found = Attachment.objects.create(
        tenant=world.tenant,
        conversation=world.conversation,
        message=world.message,
        category=category,
        mime_type=mime_type,
        file_name=file_name,
        size=len(data) if data is not None else None,
        status=status,
        original=original,
    )
    for variant, (body, content_type) in (renditions or {}).items():
        blob = store_blob(world.tenant, io.BytesIO(body), content_type)
        Rendition.objects.create(attachment=found, variant=variant, blob=blob)
    return found


def photo(world, **kwargs) -> Attachment:
    """An image with a big original (streamed) and a small thumb (cached)."""
    return attachment(world, BIG, renditions={"thumb": (THUMB, "image/webp")}, **kwargs)


def url(world, found, variant="thumb") -> str:
    return signing.signed_url(world.tenant.id, found.id, variant)
