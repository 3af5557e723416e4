"""Shared fixtures. The stack under test is whatever the environment configures (see
tools/run_tests.py); on the `real` stack every real service must be configured, or the run fails."""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from chatmedia.chat.models import Attachment, Conversation, Message
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.config import local_storage_setting, s3_storage_setting
from chatmedia.tenancy.models import ApiToken, Membership, Tenant
from tests.connections import connect_to_fake, new_conversation, new_tenant, webhook_path
from tools.fake_graph import FakeGraph
from tools.fake_transcription import FakeTranscription
from tools.fake_whatsapp import FakeWhatsApp
from tools.services import S3TestServer

STACK = os.environ.get("CHATMEDIA_TEST_STACK", "")


def pytest_configure(config):
    if STACK == "real":
        missing = [
            name
            for name, configured in {
                "DATABASE_URL (PostgreSQL)": settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
                "REDIS_URL": bool(settings.REDIS_URL),
                "CELERY_BROKER_URL (RabbitMQ)": settings.CELERY_BROKER_URL.startswith("amqp"),
                "S3_BUCKET": bool(settings.S3_BUCKET),
            }.items()
            if not configured
        ]
        if missing:
            raise pytest.UsageError(f"real-stack run without: {', '.join(missing)}")


def pytest_report_header(config):
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    storage = "s3" if settings.S3_BUCKET else "local"
    cache = "redis" if settings.REDIS_URL else "locmem"
    broker = settings.CELERY_BROKER_URL.split(":")[0]
    return (
        f"chatmedia stack: {STACK or 'as configured'} "
        f"(db={engine}, storage={storage}, cache={cache}, broker={broker})"
    )


@pytest.fixture(autouse=True)
def _audit_log_buffer():
    """What one test's serving buffered for the audit log is never written into the next test."""
    from chatmedia.privacy import audit_log

    yield
    audit_log.discard()


@pytest.fixture(autouse=True)
def _isolated_media_root(settings, tmp_path):
    """Local-disk media of each test lives in its own temp dir (S3 tests use the test bucket)."""
    if not settings.S3_BUCKET:
        media_root = tmp_path / "media"
        media_root.mkdir()
        settings.STORAGES = {**settings.STORAGES, "default": local_storage_setting(media_root)}
        settings.MEDIA_ROOT = media_root


@pytest.fixture(scope="session")
def s3_server():
    """The configured S3 server on the real stack; otherwise one started for this session."""
    if settings.S3_BUCKET:
        yield {
            "endpoint_url": settings.S3_ENDPOINT_URL,
            "bucket": settings.S3_BUCKET,
            "access_key": settings.S3_ACCESS_KEY,
            "secret_key": settings.S3_SECRET_KEY,
            "region": settings.S3_REGION,
        }
        return
    with S3TestServer() as server:
        env = server.env()
        yield {
            "endpoint_url": env["S3_ENDPOINT_URL"],
            "bucket": env["S3_BUCKET"],
            "access_key": env["S3_ACCESS_KEY"],
            "secret_key": env["S3_SECRET_KEY"],
            "region": env["S3_REGION"],
        }


@dataclass
class TenantWorld:
    """One tenant with a member, a token, a conversation, a message and an attachment."""

    tenant: Tenant
    user: object
    token: str
    conversation: Conversation
    message: Message
    attachment: Attachment

    def client(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {self.token}")
        return client


def make_world(slug: str, django_user_model) -> TenantWorld:
    tenant = new_tenant(slug)
    user = django_user_model.objects.create_user(username=f"agent-{slug}", password=uuid.uuid4().hex)
    membership = Membership.objects.create(user=user, tenant=tenant)
    _, raw = ApiToken.issue(membership)
    conversation = new_conversation(
        tenant, remote_jid=f"5511{uuid.uuid4().int % 10**9:09d}@s.whatsapp.net", display_name="Cliente"
    )
    message = Message.objects.create(
        tenant=tenant,
        conversation=conversation,
        wa_message_id=uuid.uuid4().hex.upper(),
        direction=Message.Direction.INCOMING,
        text="olá",
        status=Message.Status.DELIVERED,
    )
    attachment = Attachment.objects.create(
        tenant=tenant,
        conversation=conversation,
        message=message,
        category=Attachment.Category.IMAGE,
        file_name="foto.jpg",
        mime_type="image/jpeg",
        size=1234,
        status=Attachment.Status.READY,
    )
    return TenantWorld(tenant, user, raw, conversation, message, attachment)


@pytest.fixture
def world_a(db, django_user_model) -> TenantWorld:
    return make_world("tenant-a", django_user_model)


@pytest.fixture
def pending(world_a):
    """`pending(category, **fields)`: an attachment of world_a's message, waiting to be processed."""

    def make(category: str, **fields) -> Attachment:
        return Attachment.objects.create(
            tenant=world_a.tenant,
            conversation=world_a.conversation,
            message=world_a.message,
            category=category,
            status=Attachment.Status.PROCESSING,
            **fields,
        )

    return make


@pytest.fixture
def world_b(db, django_user_model) -> TenantWorld:
    return make_world("tenant-b", django_user_model)


@pytest.fixture(scope="session")
def fake_whatsapp_server():
    with FakeWhatsApp() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_graph_server():
    """The fake Graph API (Meta's WhatsApp Cloud API) for the whole run."""
    with FakeGraph() as fake:
        yield fake


@pytest.fixture(scope="session")
def fake_transcription_server():
    """The fake OpenAI-compatible transcription server for the whole run."""
    with FakeTranscription() as fake:
        fake.stall_seconds = 1.5
        yield fake


@pytest.fixture
def transcription(fake_transcription_server, settings):
    """Transcription on, against the fake server (reset); its state is the returned fake's."""
    fake_transcription_server.reset()
    settings.TRANSCRIPTION_URL = fake_transcription_server.url
    settings.TRANSCRIPTION_API_KEY = fake_transcription_server.state.api_key
    settings.TRANSCRIPTION_MODEL_DIR = ""
    settings.TRANSCRIPTION_ENABLED = True
    settings.TRANSCRIPTION_TIMEOUT_SECONDS = 1.0
    settings.MEDIA_TASK_RETRY_BASE_SECONDS = 0.01
    return fake_transcription_server


@pytest.fixture
def fake_whatsapp(fake_whatsapp_server, settings):
    """The fake Evolution API + CDN, reset, and this process configured to download from it."""
    fake_whatsapp_server.reset()
    fake_whatsapp_server.state.stall_seconds = 3
    settings.WHATSAPP_MEDIA_BASE_URL = fake_whatsapp_server.url
    settings.WHATSAPP_MEDIA_HOSTS = [fake_whatsapp_server.host, "mmg.whatsapp.net", "*.whatsapp.net"]
    return fake_whatsapp_server


@pytest.fixture
def published(monkeypatch) -> list[tuple[str, dict]]:
    """Realtime events (event name, data) as they would be published, in order."""
    from chatmedia.realtime import events

    seen: list[tuple[str, dict]] = []

    def send_now(tenant, conversation, event, data):
        json.dumps(data)  # the socket sends it with plain json: a UUID or a datetime would not go
        seen.append((event, data))

    monkeypatch.setattr(events, "send_now", send_now)
    return seen


# --- storage backends and the upload flow (media and whatsapp tests) ----------------------------------


def use_s3(settings, server: dict) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": s3_storage_setting(
            bucket=server["bucket"],
            endpoint_url=server["endpoint_url"],
            region=server["region"],
            access_key=server["access_key"],
            secret_key=server["secret_key"],
        ),
    }


@pytest.fixture(params=["local", "s3"])
def storage(request, settings, tmp_path):
    if request.param == "local":
        settings.STORAGES = {**settings.STORAGES, "default": local_storage_setting(tmp_path / "media")}
        (tmp_path / "media").mkdir(exist_ok=True)
    else:
        use_s3(settings, request.getfixturevalue("s3_server"))
    backend = media_storage()
    assert backend.name == request.param
    return backend


@pytest.fixture
def public_base_url(storage, request, settings, transactional_db):
    """Local-disk upload URLs point at our own server: run it for real."""
    if storage.name == "local":
        settings.PUBLIC_BASE_URL = request.getfixturevalue("live_server").url
    return settings.PUBLIC_BASE_URL


@pytest.fixture
def queued_sends(monkeypatch) -> list[str]:
    sends: list[str] = []
    from chatmedia.whatsapp import tasks

    monkeypatch.setattr(tasks.send_outgoing, "delay", lambda attachment_id: sends.append(attachment_id))
    return sends


@pytest.fixture
def agent(transactional_db, django_user_model, fake_whatsapp):
    world = make_world("uploads", django_user_model)
    connect_to_fake(world.tenant, fake_whatsapp)
    return world


@pytest.fixture
def webhook_to_us(fake_whatsapp, agent, live_server):
    """The fake posts send.message and receipts to our webhook, like Evolution does."""
    tenant = agent.tenant
    fake_whatsapp.state.webhook_url = f"{live_server.url}{webhook_path(tenant)}"
    return fake_whatsapp


@pytest.fixture
def uploads(agent, storage, public_base_url, queued_sends):
    from tests.media.upload_client import UploadClient

    return UploadClient(agent.client())


# --- the Django admin ------------------------------------------------------------------------------


@pytest.fixture
def superuser(django_user_model, db):
    return django_user_model.objects.create_superuser("root-admin", password="a-long-admin-password")


@pytest.fixture
def staff_client(client, superuser, settings):
    """A logged-in superuser. Tests run without collectstatic: plain static storage instead of the
    manifest one (a clean clone has no manifest)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    client.force_login(superuser)
    return client
