"""Signed transfer URLs of our own: the stand-in for S3 presigned PUTs and GETs.

An upload token carries the key, expiry, the Content-Type the client must send (and the length,
when fixed), or the multipart upload id and part number. A download token (`download_url`) carries
the key and expiry; it serves any backend, and as the token is in the path, parameters a fetcher
adds to the query (Evolution appends `?timestamp=` to audio URLs) do not break it, unlike SigV4.
Tokens are signed with SECRET_KEY; checking one needs no database. `media.uploads.local` is the
endpoint.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing

SALT = "chatmedia.media.local-upload"


def signed_url(
    *,
    key: str,
    content_type: str | None,
    expires_in: int,
    content_length: int | None = None,
    upload_id: str | None = None,
    part_number: int | None = None,
) -> str:
    claims = {"k": key, "exp": int(time.time()) + int(expires_in)}
    if content_type is not None:
        claims["ct"] = content_type
    if content_length is not None:
        claims["len"] = int(content_length)
    if upload_id is not None:
        claims["u"], claims["n"] = upload_id, int(part_number)
    token = signing.dumps(claims, salt=SALT, compress=True)
    return f"{settings.PUBLIC_BASE_URL}/uploads/local/{token}"


def download_url(*, key: str, expires_in: int, content_type: str | None = None) -> str:
    claims = {"k": key, "exp": int(time.time()) + int(expires_in), "get": 1}
    if content_type:
        claims["ct"] = content_type
    token = signing.dumps(claims, salt=SALT, compress=True)
    return f"{settings.PUBLIC_BASE_URL}/uploads/local/{token}"


def read(token: str) -> dict:
    """The claims of a token; raises signing.BadSignature when it was not made by `signed_url`."""
    return signing.loads(token, salt=SALT)
