"""Fixtures of the media tests."""

from __future__ import annotations

import pytest

from chatmedia.media.storage import media_storage
from chatmedia.media.storage.config import local_storage_setting, s3_storage_setting


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
