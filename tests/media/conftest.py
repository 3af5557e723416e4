"""Fixtures of the media tests."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from chatmedia.media.serving import blocking, cache
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.config import local_storage_setting, s3_storage_setting
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


@pytest.fixture(params=["local", "s3"])
def bookkeeping_storage(request, settings, tmp_path):
    """Local disk, or moto's in-process S3 (which, unlike s3rver, has ListParts, ListMultipartUploads,
    AbortMultipartUpload and the ETag check at completion)."""
    if request.param == "local":
        (tmp_path / "media").mkdir(exist_ok=True)
        settings.STORAGES = {**settings.STORAGES, "default": local_storage_setting(tmp_path / "media")}
        yield media_storage()
        return
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="moto-bucket")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": s3_storage_setting(
                bucket="moto-bucket", endpoint_url=None, region="us-east-1", access_key="a", secret_key="b"
            ),
        }
        yield media_storage()


@pytest.fixture(scope="session")
def office_files(tmp_path_factory):
    """Word, Excel, PowerPoint, OpenDocument and CSV files LibreOffice wrote (once per session)."""
    from tests.media import office_corpus

    return office_corpus.make(tmp_path_factory.mktemp("office"))
