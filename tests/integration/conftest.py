"""The whole system as separate processes: uvicorn (web + WebSocket) and, on the real stack, a
Celery worker on RabbitMQ; the fake WhatsApp side in this process. Tests talk to it over HTTP and
WebSocket exactly like Evolution and a browser do, and read the shared database and storage."""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import quote

import httpx
import pytest
from django.conf import settings
from django.db import connection
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chatmedia.celery import app as celery_app
from chatmedia.media.storage.config import local_storage_setting
from chatmedia.tenancy.models import ApiToken, Membership, Tenant
from tests.connections import connect_to_fake, new_tenant, webhook_path
from tools.live_system import ROOT, LiveSystem

REAL_BROKER = settings.CELERY_BROKER_URL.startswith("amqp")


def pytest_collection_modifyitems(config, items):
    # Redelivery after a worker crash is a property of the RabbitMQ broker; the embedded in-process
    # queue (make run) dies with its process, so those tests belong to the real-stack run only.
    if REAL_BROKER:
        return
    selected = [i for i in items if "needs_broker_redelivery" not in i.keywords]
    deselected = [i for i in items if "needs_broker_redelivery" in i.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = selected


def _database_env() -> dict[str, str]:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return {"SQLITE_PATH": str(db["NAME"])}
    user = quote(db.get("USER") or "postgres")
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return {"DATABASE_URL": f"postgres://{user}@{host}:{port}/{db['NAME']}"}


# Package scope: the web, worker and beat processes share this run's test database, so they must be
# gone before the rest of the suite runs (beat's housekeeping and recovery would act on its rows).
@pytest.fixture(scope="package")
def live_system(
    django_db_setup,
    django_db_blocker,
    fake_whatsapp_server,
    fake_graph_server,
    fake_transcription_server,
    tmp_path_factory,
):
    media_root = tmp_path_factory.mktemp("live-media")
    env = {
        **os.environ,
        **_database_env(),
        "MEDIA_ROOT": str(media_root),
        "WHATSAPP_MEDIA_BASE_URL": fake_whatsapp_server.url,
        "WHATSAPP_MEDIA_HOSTS": f"{fake_whatsapp_server.host},{fake_graph_server.host}",
        "MEDIA_TASK_RETRY_BASE_SECONDS": "0.3",
        "MEDIA_TASK_RETRY_MAX_SECONDS": "1",
        "OUTBOUND_READ_TIMEOUT_SECONDS": "20",
        "EVOLUTION_TIMEOUT_SECONDS": "10",
        "AVATAR_REFRESH_MIN_SECONDS": "0",
        "HOUSEKEEPING_INTERVAL_SECONDS": "1",  # beat runs housekeeping every second here
        "WEB_HEADER_TIMEOUT_SECONDS": "3",  # slow-header clients are cut off sooner (tests/hostile)
        # one download per tenant at a time: the worker has 2 threads (tests/hostile/test_heavy_media)
        "MEDIA_TENANT_MAX_CONCURRENT_DOWNLOADS": "1",
        # a killed worker's slot frees sooner (test_a_worker_killed_mid_task_is_redelivered…)
        "MEDIA_TENANT_SLOT_LEASE_SECONDS": "4",
        "LOG_LEVEL": "INFO",
        # voice notes are transcribed by the fake OpenAI-compatible server (tools/fake_transcription.py)
        "TRANSCRIPTION_URL": fake_transcription_server.url,
        "TRANSCRIPTION_API_KEY": fake_transcription_server.state.api_key,
    }
    if REAL_BROKER:
        with django_db_blocker.unblock():
            celery_app.control.purge()  # stale tasks of an earlier run would only find nothing
    # As in production: the built web chat is collected into STATIC_ROOT before the server starts.
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    system = LiveSystem(env, tmp_path_factory.mktemp("live-logs")).start()
    if REAL_BROKER:
        system.start_worker()
        system.start_beat()  # (the embedded web process runs beat itself)
    system.media_root = media_root
    yield system
    system.stop()


@pytest.fixture
def live(live_system, fake_whatsapp_server, transactional_db, settings):
    """The running system, with this process reading the same storage."""
    fake_whatsapp_server.reset()
    fake_whatsapp_server.state.stall_seconds = 30
    if not settings.S3_BUCKET:
        settings.STORAGES = {**settings.STORAGES, "default": local_storage_setting(live_system.media_root)}
    yield live_system
    fake_whatsapp_server.reset()
    if REAL_BROKER:
        _wait_until_the_worker_is_idle()


def _wait_until_the_worker_is_idle(seconds: float = 20) -> None:
    """Webhooks are stored by the worker after they were answered: let it finish what a test set off
    before the test database is flushed (a TRUNCATE next to its queries can deadlock)."""
    from chatmedia.celery import MEDIA_QUEUES

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with celery_app.connection_for_read() as connection_:
            channel = connection_.default_channel
            waiting = sum(channel.queue_declare(q, durable=True, auto_delete=False)[1] for q in MEDIA_QUEUES)
        inspect = celery_app.control.inspect(timeout=0.5)
        busy = [tasks for reply in (inspect.active(), inspect.reserved()) for tasks in (reply or {}).values()]
        if waiting == 0 and not any(busy):
            return
        time.sleep(0.2)


class Member:
    def __init__(self, tenant: Tenant, token: str):
        self.tenant, self.token = tenant, token

    def webhook_url(self, live) -> str:
        return f"{live.url}{webhook_path(self.tenant)}"


def make_member(slug: str, fake=None, django_user_model=None) -> Member:
    tenant = new_tenant(f"{slug}-{uuid.uuid4().hex[:6]}", slug)
    if fake is not None:
        connect_to_fake(tenant, fake)
    user = django_user_model.objects.create_user(f"agent-{tenant.slug}")
    _, token = ApiToken.issue(Membership.objects.create(user=user, tenant=tenant))
    return Member(tenant, token)


@pytest.fixture
def member_a(live, fake_whatsapp_server, django_user_model) -> Member:
    return make_member("alpha", fake_whatsapp_server, django_user_model)


@pytest.fixture
def member_b(live, django_user_model) -> Member:
    return make_member("beta", None, django_user_model)


class EventStream:
    """A real WebSocket client on /ws/chat/, collecting events in a background thread."""

    def __init__(self, live, token: str | None = None, query: str = "", cookie: str | None = None):
        headers = {"Origin": live.url}
        if token:
            headers["Authorization"] = f"Token {token}"
        if cookie:
            headers["Cookie"] = cookie
        self._exit = contextlib.ExitStack()
        self.socket = self._exit.enter_context(
            connect(live.ws_url + query, additional_headers=headers, open_timeout=10)
        )
        self.events: queue.Queue = queue.Queue()
        self.seen: list[dict] = []
        self.hello = json.loads(self.socket.recv(timeout=10))
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for raw in self.socket:
                self.events.put(json.loads(raw))
        except (ConnectionClosed, OSError):
            pass

    def wait_for(self, predicate, timeout: float = 30) -> dict:
        deadline = time.monotonic() + timeout
        for event in self.seen:
            if predicate(event):
                return event
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            self.seen.append(event)
            if predicate(event):
                return event
        raise AssertionError(f"no matching event within {timeout}s; saw {[e['type'] for e in self.seen]}")

    def drain(self, seconds: float = 0.5) -> list[dict]:
        time.sleep(seconds)
        while not self.events.empty():
            self.seen.append(self.events.get())
        return self.seen

    def close(self):
        self._exit.close()


@pytest.fixture
def open_stream():
    streams = []

    def opener(*args, **kwargs) -> EventStream:
        stream = EventStream(*args, **kwargs)
        streams.append(stream)
        return stream

    yield opener
    for stream in streams:
        stream.close()


def post(url: str, payload, **kwargs) -> httpx.Response:
    return httpx.post(url, json=payload, timeout=30, **kwargs)
