from __future__ import annotations

import json
import time

import jwt
import pytest
from django.test import Client

from chatmedia.chat.models import Attachment
from chatmedia.tenancy.models import Tenant
from chatmedia.whatsapp import tasks
from tests.connections import new_tenant, webhook_path

WEBHOOK_SECRET = "test-webhook-secret-0123456789"


@pytest.fixture
def tenant(db) -> Tenant:
    return new_tenant(
        "acme", "Acme", webhook_secret=WEBHOOK_SECRET, jwt_key="jwt-key-of-acme-0123456789abcdef"
    )


class Queued:
    """Records what the webhook queues (after commit) instead of sending it to a broker."""

    def __init__(self):
        self.media: list[str] = []
        self.avatars: list[tuple] = []
        self.groups: list[str] = []


@pytest.fixture
def queued(monkeypatch) -> Queued:
    record = Queued()
    monkeypatch.setattr(tasks.fetch_incoming_media, "delay", lambda *a: record.media.append(a[0]))
    monkeypatch.setattr(tasks.refresh_avatar, "delay", lambda *a: record.avatars.append(a))
    monkeypatch.setattr(tasks.refresh_group, "delay", lambda *a: record.groups.append(a[0]))
    return record


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a task here, with what it queues after commit run too."""

    def run_task(task, *args):
        with django_capture_on_commit_callbacks(execute=True):
            return task.apply(args=list(args)).get()

    return run_task


@pytest.fixture
def post_webhook(django_capture_on_commit_callbacks):
    def post(
        tenant: Tenant,
        payload,
        *,
        path: str | None = None,
        headers: dict | None = None,
        raw: bytes | None = None,
    ):
        url = path or webhook_path(tenant)
        body = raw if raw is not None else json.dumps(payload).encode()
        with django_capture_on_commit_callbacks(execute=True):
            return Client().post(url, data=body, content_type="application/json", headers=headers or {})

    return post


def evolution_jwt(key: str, **claims) -> str:
    now = int(time.time())
    payload = {"iat": now, "exp": now + 600, "app": "evolution", "action": "webhook", **claims}
    return jwt.encode(payload, key, algorithm="HS256")


# --- sending (test_sending, test_send_once) ------------------------------------------------------


@pytest.fixture
def send(uploads, agent):
    """Upload as the browser does, then run the queued send task here; the attachment afterwards."""

    def upload_and_send(data: bytes, **fields) -> Attachment:
        started, status, body = uploads.send(agent.conversation.id, data, **fields)
        assert status == 202, body
        tasks.send_outgoing.apply(args=[started.id])
        return Attachment.objects.select_related("message", "original").get(pk=started.id)

    return upload_and_send
