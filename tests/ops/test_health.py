"""/healthz and /readyz (contract §11): readyz names the failing part and answers 503."""

from __future__ import annotations

import os

from chatmedia.media.storage import media_storage
from chatmedia.media.storage.config import local_storage_setting
from tools.services import free_port


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_ok_on_the_configured_stack(client, db):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "ok" and body["failing"] == []
    assert set(body["checks"]) == {"database", "storage", "cache", "broker"}


def test_readyz_names_a_dead_cache(client, db, settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["cache"]
    assert response.json()["checks"]["cache"]["ok"] is False


def test_readyz_names_a_dead_broker(client, db, settings):
    settings.CELERY_BROKER_URL = f"amqp://guest:guest@127.0.0.1:{free_port()}//"
    settings.QUEUE_IS_EMBEDDED = False
    settings.BROKER_CONNECT_TIMEOUT_SECONDS = 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["broker"]


def test_readyz_names_unwritable_storage(client, db, settings, tmp_path):
    settings.STORAGES = {**settings.STORAGES, "default": local_storage_setting(tmp_path / "media-ro")}
    media_storage()  # creates the directory
    (tmp_path / "media-ro").chmod(0o500)
    if os.access(tmp_path / "media-ro", os.W_OK):  # root ignores permission bits: take the dir away
        (tmp_path / "media-ro").chmod(0o700)
        (tmp_path / "media-ro").rmdir()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["storage"]
