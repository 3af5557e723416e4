"""The webhook's fast path (ASGI, before Django): same rules as the view, then queued; the queued
task stores it. On the real stack the queue is RabbitMQ (publisher confirms), embedded in-process."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import kombu.exceptions
import pytest
from asgiref.sync import async_to_sync
from django.core.asgi import get_asgi_application

from chatmedia.chat.models import NEWEST_FIRST, Message
from chatmedia.media.serving import blocking
from chatmedia.tenancy.models import Connection
from chatmedia.whatsapp import tasks
from chatmedia.whatsapp.providers.evolution import webhook_app
from tests.connections import configure, connection_of, jwt_key_of, webhook_secret_of
from tests.whatsapp.conftest import WEBHOOK_SECRET, evolution_jwt
from tests.whatsapp.fixtures import evolution

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_tenant_cache():
    webhook_app.forget_tenants()
    yield
    webhook_app.forget_tenants()
    blocking.shutdown()  # its threads' database connections close before the database is flushed


@pytest.fixture
def published(monkeypatch) -> list[tuple]:
    """What the fast path handed to the broker (the task is then run here, as a worker would)."""
    calls: list[tuple] = []
    monkeypatch.setattr(tasks.ingest_webhook, "apply_async", lambda args, **kw: calls.append(tuple(args)))
    return calls


async def router(scope, receive, send):
    """chatmedia.asgi's choice for webhooks (that module also starts the embedded worker: not here)."""
    if webhook_app.wants(scope):
        return await webhook_app.webhook_app(scope, receive, send)
    return await get_asgi_application()(scope, receive, send)


def post(path: str, body: bytes, headers: dict | None = None) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.post(
                path, content=body, headers={"Content-Type": "application/json", **(headers or {})}
            )

    return async_to_sync(call)()


def post_at_once(path: str, body: bytes, count: int) -> list[int]:
    """`count` identical posts in flight together; their status codes."""

    async def call() -> list[int]:
        transport = httpx.ASGITransport(app=router)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            headers = {"Content-Type": "application/json"}
            posts = (client.post(path, content=body, headers=headers) for _ in range(count))
            answers = await asyncio.gather(*posts)
        return [answer.status_code for answer in answers]

    return async_to_sync(call)()


def url(tenant, rest: str = "") -> str:
    return f"/webhooks/evolution/{tenant.slug}/{WEBHOOK_SECRET}/{rest}"


def test_a_webhook_is_queued_then_stored_by_the_task(tenant, published):
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    response = post(url(tenant), body)
    assert response.status_code == 200 and response.json() == {"ok": True, "queued": True}
    assert not Message.objects.exists()  # stored by the worker, not by the request
    ((tenant_id, queued_body, received_at),) = published
    assert tenant_id == str(connection_of(tenant).pk) and queued_body == body.decode()
    assert (
        tasks.ingest_webhook.apply(args=[tenant_id, queued_body, received_at]).get() == "1 new, 0 duplicate"
    )
    assert Message.objects.get().text == "Olá, vocês entregam em Campinas?"
    # a redelivered task stores nothing twice
    assert tasks.ingest_webhook.apply(args=[tenant_id, queued_body]).get() == "0 new, 1 duplicate"


def test_the_fast_path_refuses_what_the_view_refuses(tenant, published):
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    assert post(f"/webhooks/evolution/{tenant.slug}/wrong/", body).status_code == 401
    assert post("/webhooks/evolution/nobody/x/", body).status_code == 401
    assert post(url(tenant, "no/such/path"), body).status_code == 404
    other = evolution("messages-upsert-text.json")
    other["instance"] = "someone-else"
    configure(tenant, instance="acme-vendas")
    webhook_app.forget_tenants()
    refused = post(url(tenant), json.dumps(other).encode())
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "unauthorized"
    ignored = post(url(tenant), b"not json")
    assert ignored.status_code == 200 and ignored.json()["ignored"]
    assert published == []


def test_a_jwt_instead_of_the_secret_and_an_event_segment(tenant, published):
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    token = evolution_jwt(jwt_key_of(tenant))
    response = post(
        f"/webhooks/evolution/{tenant.slug}/messages-upsert", body, {"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200 and response.json()["queued"] is True
    forged = evolution_jwt("another-key-0123456789abcdef0123")
    assert (
        post(f"/webhooks/evolution/{tenant.slug}/", body, {"Authorization": f"Bearer {forged}"}).status_code
        == 401
    )
    assert len(published) == 1


def test_a_broker_that_refuses_gets_503_for_evolution_to_retry(tenant, monkeypatch):
    def down(*args, **kwargs):
        raise kombu.exceptions.OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(tasks.ingest_webhook, "apply_async", down)
    response = post(url(tenant), json.dumps(evolution("messages-upsert-text.json")).encode())
    assert response.status_code == 503 and response.headers["retry-after"] == "5"
    assert response.json()["error"]["code"] == "unavailable"


def test_bodies_over_the_queue_limit_are_stored_by_the_view(tenant, settings, published, monkeypatch):
    monkeypatch.setattr(tasks.fetch_incoming_media, "delay", lambda *a: None)
    settings.WEBHOOK_QUEUE_MAX_BODY_BYTES = 100
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    response = post(url(tenant), body)
    assert response.status_code == 200 and response.json()["created"] == 1
    assert published == [] and Message.objects.count() == 1


def test_messages_of_one_second_keep_the_order_their_webhooks_arrived_in(tenant, published):
    """Workers may store queued webhooks in any order; the chat shows them as WhatsApp sent them."""
    for n in (1, 2):
        payload = evolution("messages-upsert-text.json")  # both in the same second (messageTimestamp)
        payload["data"]["key"]["id"] = f"3A00AA11BB22CC33DD4{n}"
        payload["data"]["message"]["conversation"] = f"mensagem {n}"
        assert post(url(tenant), json.dumps(payload).encode()).status_code == 200
    first, second = published
    assert first[2] < second[2]
    for queued in (second, first):  # the second webhook is stored first
        tasks.ingest_webhook.apply(args=list(queued)).get()
    newest_first = Message.objects.order_by(*NEWEST_FIRST).values_list("text", flat=True)
    assert list(newest_first) == ["mensagem 2", "mensagem 1"]


@pytest.fixture
def loads(monkeypatch) -> list[str]:
    """Each database load of a tenant by the fast path (slowed, as under load)."""
    seen: list[str] = []
    load = webhook_app._load_tenant

    def counted(slug):
        seen.append(slug)
        time.sleep(0.2)
        return load(slug)

    monkeypatch.setattr(webhook_app, "_load_tenant", counted)
    return seen


def test_many_webhooks_of_an_uncached_tenant_load_it_once(tenant, published, loads):
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    assert post_at_once(url(tenant), body, 20) == [200] * 20
    assert loads == [tenant.slug]
    assert post_at_once("/webhooks/evolution/nobody/x/", body, 5) == [401] * 5
    assert loads.count("nobody") == 1


def test_a_tenant_is_loaded_again_before_it_expires_and_a_changed_secret_applies(
    tenant, published, loads, settings
):
    settings.WEBHOOK_TENANT_CACHE_SECONDS = 10
    body = json.dumps(evolution("messages-upsert-text.json")).encode()
    assert post(url(tenant), body).status_code == 200 and len(loads) == 1
    # past half the TTL: answered from the cache at once, and loaded again behind it
    loaded_at, auth = webhook_app._tenants[tenant.slug]
    webhook_app._tenants[tenant.slug] = (loaded_at - 6, auth)
    started = time.monotonic()
    assert post(url(tenant), body).status_code == 200
    assert time.monotonic() - started < 0.2  # did not wait for the (0.2 s) load
    deadline = time.monotonic() + 5
    while webhook_app._tenants[tenant.slug][0] == loaded_at - 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(loads) == 2 and webhook_app._tenants[tenant.slug][0] > loaded_at - 6
    # a rotated secret: once the copy is older than the TTL the old secret is refused
    configure(tenant, webhook_secret="rotated-webhook-secret-0123456789")
    loaded_at, auth = webhook_app._tenants[tenant.slug]
    webhook_app._tenants[tenant.slug] = (loaded_at - 11, auth)
    assert post(url(tenant), body).status_code == 401
    rotated = f"/webhooks/evolution/{tenant.slug}/{webhook_secret_of(tenant)}/"
    assert post(rotated, body).status_code == 200
    # a deleted tenant is forgotten
    Connection.objects.filter(tenant=tenant).delete()
    tenant.delete()
    webhook_app._tenants[tenant.slug] = (loaded_at - 11, auth)
    assert post(url(tenant), body).status_code == 401
    assert tenant.slug not in webhook_app._tenants


def test_broker_connections_are_open_before_the_first_webhook(settings):
    """The real stack's web process opens a publishing connection per thread that can publish at
    once (a cold one connects, opens a channel and declares the queue inside a webhook's answer)."""
    from chatmedia.celery import app

    if settings.QUEUE_IS_EMBEDDED:
        webhook_app.warm_up()  # nothing to open: the embedded queue is in-process
        assert not any(t.name == "webhook-warm-up" for t in threading.enumerate())
        return
    webhook_app._open_publishers()
    queue = app.amqp.router.route({}, "whatsapp.ingest_webhook")["queue"]
    at_once = [app.producer_pool.acquire(block=False) for _ in range(settings.MEDIA_SERVING_THREADS)]
    try:
        for producer in at_once:
            assert producer.connection.connected
            assert hash(queue) in producer.connection.declared_entities
    finally:
        for producer in at_once:
            producer.release()
