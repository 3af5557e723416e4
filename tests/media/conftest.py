"""Fixtures of the media tests."""

from __future__ import annotations

import pytest

from chatmedia.media import blocking, cache
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.config import local_storage_setting, s3_storage_setting
from tests.conftest import make_world


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


# --- serving tests: the media app reads the database from its own threads, so data is committed ---
@pytest.fixture
def fresh_serving(transactional_db, settings):
    settings.MEDIA_STREAM_CHUNK_BYTES = 64 * 1024  # several chunks even for a 3 MiB object
    cache.local.clear()
    yield
    blocking.shutdown()  # its threads' database connections close before the database is flushed
    cache.local.clear()


@pytest.fixture
def a(fresh_serving, django_user_model):
    return make_world("serve-a", django_user_model)


@pytest.fixture
def b(fresh_serving, django_user_model):
    return make_world("serve-b", django_user_model)
