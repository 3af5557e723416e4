"""Storage key layout. Keys are derived from ids and hashes only, never from user input.

- originals and renditions (content-addressed): `t/<tenant-uuid>/<sha256[:2]>/<sha256>`
- browser uploads waiting for verification:     `t/<tenant-uuid>/incoming/<attachment-uuid>`
"""

from __future__ import annotations

import re
import uuid

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def blob_key(tenant_id: uuid.UUID | str, sha256: str) -> str:
    if not _SHA256.match(sha256):
        raise ValueError("sha256 must be 64 lowercase hex characters")
    return f"t/{uuid.UUID(str(tenant_id))}/{sha256[:2]}/{sha256}"


def incoming_upload_key(tenant_id: uuid.UUID | str, attachment_id: uuid.UUID | str) -> str:
    return f"t/{uuid.UUID(str(tenant_id))}/incoming/{uuid.UUID(str(attachment_id))}"


def incoming_prefix(tenant_id: uuid.UUID | str) -> str:
    """Every browser upload of a tenant that has not been verified yet lives under this prefix."""
    return f"t/{uuid.UUID(str(tenant_id))}/incoming/"
