"""Fixtures of the media tests."""

from __future__ import annotations

import pytest

from chatmedia.media import blocking, cache
from tests.conftest import make_world


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
