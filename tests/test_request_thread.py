"""chatmedia.request_thread: under ASGI, Django's middleware chain runs in one thread, not a thread
trip per middleware hook (which cost 65 to 100 ms per request on a busy loop)."""

from __future__ import annotations

import asyncio

import httpx
from asgiref import sync
from django.core.asgi import get_asgi_application


def _trips_to_a_thread(monkeypatch, path: str) -> tuple[int, int]:
    trips = []
    original = sync.SyncToAsync.__call__

    async def counted(self, *args, **kwargs):
        trips.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    monkeypatch.setattr(sync.SyncToAsync, "__call__", counted)
    application = get_asgi_application()

    async def get() -> int:
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return (await client.get(path)).status_code

    status = asyncio.run(get())
    return status, len(trips)


def test_a_request_takes_a_few_trips_to_a_thread_not_one_per_middleware(monkeypatch, db):
    status, trips = _trips_to_a_thread(monkeypatch, "/healthz")
    assert status == 200
    # The chain (the view runs in its thread), request_started/finished, closing the response: 5.
    # Without OneThreadMiddleware last in MIDDLEWARE it is 15 (each middleware hook its own trip).
    assert trips <= 6, trips


def test_the_chain_is_sync_so_middleware_work_in_sync_mode(settings):
    assert settings.MIDDLEWARE[-1] == "chatmedia.request_thread.OneThreadMiddleware"
