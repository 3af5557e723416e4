"""/metrics: who may read it, and that what happens is counted (on both stacks: on the real one the
queue depths come from RabbitMQ and the cache size from Redis)."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from chatmedia.media.models import Blob
from chatmedia.media.processing import pipeline
from chatmedia.media.storage import quota
from chatmedia.ops.clients import client_address
from tests.media import corpus


def scrape(**headers) -> dict[tuple, float]:
    response = Client().get("/metrics", headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.mark.django_db
def test_metrics_need_an_allowed_network_or_the_token(settings):
    assert Client().get("/metrics").status_code == 200  # the test client is 127.0.0.1
    settings.METRICS_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    refused = Client().get("/metrics")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    settings.METRICS_TOKEN = "metrics-token-0123456789"
    assert Client().get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = Client().get("/metrics", headers={"Authorization": "Bearer metrics-token-0123456789"})
    assert ok.status_code == 200
    # Behind one proxy the client is the last X-Forwarded-For entry; what the client wrote is not believed.
    settings.TRUSTED_PROXY_COUNT = 1
    assert Client().get("/metrics", headers={"X-Forwarded-For": "10.1.2.3"}).status_code == 200
    spoofed = Client().get("/metrics", headers={"X-Forwarded-For": "10.1.2.3, 203.0.113.9"})
    assert spoofed.status_code == 403


def test_client_address_behind_proxies(settings):
    meta = {"REMOTE_ADDR": "192.0.2.1", "HTTP_X_FORWARDED_FOR": "198.51.100.7, 203.0.113.5"}
    assert client_address(meta) == "192.0.2.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_address(meta) == "203.0.113.5"
    settings.TRUSTED_PROXY_COUNT = 2
    assert client_address(meta) == "198.51.100.7"
    settings.TRUSTED_PROXY_COUNT = 3  # fewer hops than proxies: only the socket is believed
    assert client_address(meta) == "192.0.2.1"


def test_uploads_phases_storage_and_queues_are_reported(world_a, pending, django_capture_on_commit_callbacks):
    before = scrape()
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.process(pending("image").pk, io.BytesIO(corpus.jpeg())).status == "ready"
        assert pipeline.process(pending("image").pk, io.BytesIO(corpus.HTML_PAGE)).status == "failed"
    quota.record_usage()  # what housekeeping does every HOUSEKEEPING_INTERVAL_SECONDS
    after = scrape()

    def grew(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("chatmedia_uploads_total", direction="incoming", outcome="succeeded") == 1
    assert grew("chatmedia_uploads_total", direction="incoming", outcome="failed") == 1
    assert grew("chatmedia_upload_duration_seconds_count", direction="incoming") == 1
    assert grew("chatmedia_task_phase_duration_seconds_count", phase="process", outcome="ok") == 2
    assert grew("chatmedia_task_phase_duration_seconds_count", phase="store", outcome="ok") == 1
    stored = sum(Blob.objects.filter(tenant=world_a.tenant).values_list("size", flat=True))
    assert stored > 0
    assert value(after, "chatmedia_storage_used_bytes", tenant="tenant-a") == stored
    assert value(after, "chatmedia_storage_quota_bytes", tenant="tenant-a") > stored
    for source in ("storage", "cache", "queues"):
        assert value(after, f"chatmedia_metrics_source_up_{source}") == 1, source
    for queue in ("media_priority", "media_download", "media_upload"):
        assert ("chatmedia_queue_depth", (("queue", queue),)) in after
    if settings_redis_cache():
        assert value(after, "chatmedia_cache_used_bytes") > 0


def settings_redis_cache() -> bool:
    from django.conf import settings

    return "redis" in settings.CACHES["default"]["BACKEND"].lower()
