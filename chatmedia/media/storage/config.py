"""The `STORAGES["default"]` entries for each backend, built from plain values.

settings.py builds the configured one from the environment; tests build either on demand.
"""

from __future__ import annotations

from pathlib import Path


def local_storage_setting(root: Path | str) -> dict:
    return {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # No base_url: media files are never served as plain files, only through authorized views.
        "OPTIONS": {"location": str(root), "base_url": None, "file_permissions_mode": 0o600},
    }


def s3_storage_setting(
    *,
    bucket: str,
    endpoint_url: str | None,
    region: str,
    access_key: str | None,
    secret_key: str | None,
    addressing_style: str = "path",
    connect_timeout: float = 3,
    read_timeout: float = 30,
) -> dict:
    from botocore.config import Config

    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": endpoint_url,
            "region_name": region,
            "access_key": access_key,
            "secret_key": secret_key,
            "default_acl": "private",  # objects are never public
            "querystring_auth": True,
            "file_overwrite": True,  # keys are content addresses: same key = same bytes
            "client_config": Config(
                signature_version="s3v4",
                s3={"addressing_style": addressing_style},
                connect_timeout=connect_timeout,
                read_timeout=read_timeout,
                retries={"mode": "standard", "max_attempts": 3},
            ),
        },
    }
