"""Operations on the running system (separate web, worker and beat processes): a full flow in both
directions is counted on /metrics, and every log line it wrote is JSON with its tenant, attachment,
phase and duration — and carries no secret, token, media key, signed-URL signature or file bytes."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import uuid

import httpx
import pytest
from django.conf import settings
from prometheus_client.parser import text_string_to_metric_families

from tests.connections import connection_of, new_conversation
from tests.integration.conftest import post
from tests.integration.test_incoming import created_attachment_id, wait_ready
from tests.integration.test_outgoing import message_of, status_event
from tests.media.upload_client import UploadClient, jpeg_bytes
from tests.whatsapp.fixtures import VECTORS, plain_bytes

INCOMING = [
    ("messages-upsert-image-caption.json", "image-01"),
    ("messages-upsert-ptt-voice-note.json", "ptt-01"),
    ("messages-upsert-document-pdf.json", "document-01"),
]
SECRET_FIELDS = {"mediaKey", "jpegThumbnail", "base64", "apikey"}


def secret_values(payload) -> set[str]:
    """Every value under a key-material field of a webhook, and its hex form."""
    found: set[str] = set()
    if isinstance(payload, dict):
        for key, item in payload.items():
            if key in SECRET_FIELDS and isinstance(item, str) and len(item) >= 16:
                found.add(item[:40])
                with contextlib.suppress(ValueError):
                    found.add(base64.b64decode(item).hex()[:40])
            else:
                found |= secret_values(item)
    elif isinstance(payload, list):
        for item in payload:
            found |= secret_values(item)
    return found


def samples(text: str) -> dict[tuple, float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def total(found: dict[tuple, float], name: str, **labels) -> float:
    return sum(v for (n, ls), v in found.items() if n == name and set(labels.items()) <= set(ls))


@pytest.mark.slow
def test_a_full_flow_is_counted_and_logged_without_secrets(live, member_a, fake_whatsapp_server, open_stream):
    fake = fake_whatsapp_server
    fake.state.webhook_url = member_a.webhook_url(live)
    stream = open_stream(live, member_a.token)
    number = connection_of(member_a.tenant)
    secrets = {number.secret("webhook_secret"), member_a.token, fake.state.apikey}
    secrets |= {settings.SECRET_KEY, settings.CREDENTIALS_KEY, number.credentials[:40]}
    if settings.S3_BUCKET:
        secrets.add(os.environ["S3_SECRET_KEY"])
    signatures: set[str] = set()
    file_bytes: set[str] = set()
    before = samples(httpx.get(f"{live.url}/metrics").text)
    # the processes are shared with the package's other tests: read only what this flow writes
    offsets = {path: path.stat().st_size for path in live.log_dir.glob("*.log")}

    # incoming: webhooks → fetch from the CDN → decrypt → process → store → ready; each served twice
    for fixture, vector_id in INCOMING:
        payload = fake.webhook(fixture, vector_id, id=f"OPS{uuid.uuid4().hex[:12].upper()}")
        secrets |= secret_values(payload)
        file_bytes.add(base64.b64encode(plain_bytes(VECTORS[vector_id])[:300]).decode()[:60])
        assert post(member_a.webhook_url(live), payload).status_code == 200
        attachment_id = created_attachment_id(stream, payload["data"]["key"]["id"])
        event = wait_ready(stream, attachment_id)
        assert event["type"] == "attachment.ready", event
        for link in event["data"]["attachment"]["urls"].values():
            signatures.add(link.split("sig=")[1][:20])
            for _ in range(2):
                assert httpx.get(live.url + link).status_code == 200
    # outgoing: upload → process → store → send → sent
    chat = new_conversation(
        member_a.tenant, remote_jid="5511987650000@s.whatsapp.net", display_name="Cliente"
    )
    photo = jpeg_bytes(1024, 768)
    file_bytes.add(base64.b64encode(photo[:300]).decode()[:60])
    with httpx.Client(base_url=live.url, headers={"Authorization": f"Token {member_a.token}"}) as client:
        started, code, body = UploadClient(client).send(
            chat.id, photo, file_name="f.jpg", mime_type="image/jpeg"
        )
    assert code == 202, body
    status_event(stream, message_of(started.id), "sent")
    for url in (started.upload.get("url"), *(p.get("url") for p in started.upload.get("parts") or [])):
        if url and "Signature=" in url:
            signatures.add(url.split("Signature=")[1][:20])
        if url and "/uploads/local/" in url:
            # a local upload URL is a bearer credential: a refused request logs its path, never the token
            token = url.split("/uploads/local/")[1].split("?")[0]
            signatures.add(token[-24:])
            refused = httpx.put(url, content=b"x", headers={"Content-Type": "text/html"})
            assert refused.status_code == 403

    after = samples(httpx.get(f"{live.url}/metrics").text)

    def grew(name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    assert grew("chatmedia_uploads_total", direction="incoming", outcome="succeeded") >= 3
    assert grew("chatmedia_uploads_total", direction="outgoing", outcome="succeeded") >= 1
    assert grew("chatmedia_webhooks_total", event="messages.upsert", status="200") >= 3
    assert grew("chatmedia_sends_total", kind="media", outcome="sent") >= 1
    for phase in ("fetch", "decrypt", "process", "store", "send"):
        assert grew("chatmedia_task_phase_duration_seconds_count", phase=phase, outcome="ok") >= 1, phase
    assert grew("chatmedia_downloads_total", status="200") >= 6
    assert grew("chatmedia_media_cache_lookups_total", result="hit") >= 1
    assert total(after, "chatmedia_storage_used_bytes", tenant=member_a.tenant.slug) > 0
    assert total(after, "chatmedia_metrics_source_up_queues") == 1

    # the logs of every process of that flow
    lines = []
    for path in sorted(live.log_dir.glob("*.log")):
        with open(path, "rb") as log:
            log.seek(offsets.get(path, 0))
            text = log.read().decode(errors="replace")
        lines += [(path.name, line) for line in text.splitlines() if line.strip()]
    records = []
    for name, line in lines:
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            pytest.fail(f"{name}: a log line that is not JSON: {line[:300]}")
    phases = {
        r.get("phase") for r in records if r.get("tenant") == member_a.tenant.slug and "duration_ms" in r
    }
    assert {"fetch", "decrypt", "process", "store", "send"} <= phases, phases
    assert any(r.get("attachment") == started.id and r.get("phase") == "store" for r in records)
    text = "\n".join(line for _, line in lines)
    for secret in {s for s in secrets | signatures | file_bytes if s}:
        assert secret not in text, f"a secret, signature or file bytes in the logs: {secret[:8]}…"
