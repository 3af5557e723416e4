"""Signed media URLs: short-lived capabilities checked without a database query.

A URL names one object of one tenant: `/media/<attachment>/<variant>` or `/media/avatar/<conversation>`,
with `?tenant=<uuid>&exp=<unix>&sig=<mac>`, where `mac` = HMAC-SHA256 over "tenant|id|variant|exp"
with a key derived from SECRET_KEY (SECRET_KEY_FALLBACKS still verify, so keys can be rotated).

`exp` is rounded up to a multiple of MEDIA_URL_STEP_SECONDS, at least MEDIA_URL_TTL_SECONDS ahead:
every URL minted for an object within one step is the same string, so the browser's cache (keyed
by URL) keeps working across API calls and page reloads, and a URL lives between TTL and TTL + step.
"""

from __future__ import annotations

import base64
import enum
import functools
import hashlib
import hmac
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core.signals import setting_changed

from chatmedia.media import kinds

VARIANTS = kinds.VARIANTS  # the original and every rendition a kind may have
AVATAR = "avatar"
_SALT = b"chatmedia.media.signed-url.v1"


class Verdict(enum.Enum):
    VALID = "valid"
    EXPIRED = "expired"
    INVALID = "invalid"


@functools.lru_cache(maxsize=8)
def _derived_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), _SALT, hashlib.sha256).digest()


def _mac(secret: str, tenant_id: str, object_id: str, variant: str, exp: int) -> bytes:
    message = f"{tenant_id}|{object_id}|{variant}|{exp}".encode()
    digest = hmac.new(_derived_key(secret), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=")  # 128 bits


def expiry(now: float | None = None) -> int:
    now = time.time() if now is None else now
    step = max(1, settings.MEDIA_URL_STEP_SECONDS)
    earliest = int(now) + settings.MEDIA_URL_TTL_SECONDS
    return -(-earliest // step) * step  # round up to the step


def sign(tenant_id, object_id, variant: str, exp: int) -> str:
    return _mac(settings.SECRET_KEY, str(tenant_id), str(object_id), variant, exp).decode()


def verify(
    tenant_id: str, object_id: str, variant: str, exp: str, sig: str, now: float | None = None
) -> Verdict:
    """VALID, EXPIRED (the signature was right) or INVALID. Constant-time; no I/O.

    Ids are compared as given: only canonical (lowercase, dashed) ones were ever signed, so any
    other spelling fails the MAC, and a VALID tenant id is canonical."""
    # One spelling only ("+1", "01" or "¹" would be other URLs for the same mac).
    if not (exp.isascii() and exp.isdigit()) or exp != str(int(exp)):
        return Verdict.INVALID
    exp_value = int(exp)
    key = (tenant_id, object_id, variant, exp, sig)
    if key not in _verified:
        given = sig.encode("utf-8", "replace")
        secrets = (settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS)
        if not any(
            hmac.compare_digest(_mac(s, tenant_id, object_id, variant, exp_value), given) for s in secrets
        ):
            return Verdict.INVALID
        if len(_verified) >= VERIFIED_KEPT:
            _verified.clear()
        _verified[key] = None
    now = time.time() if now is None else now
    return Verdict.VALID if now < exp_value else Verdict.EXPIRED


# Links whose MAC was right, so a thumbnail asked for again skips the two HMACs (a tenth of a cached
# hit). Only a correct MAC is ever kept; expiry is still checked every time. Emptied when full and
# when a key setting changes (override_settings in tests; a running process never changes its keys).
VERIFIED_KEPT = 16384
_verified: dict[tuple, None] = {}


def _forget_verified(setting: str, **kwargs) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        _verified.clear()


setting_changed.connect(_forget_verified)


def path_of(object_id, variant: str) -> str:
    if variant == AVATAR:
        return f"/media/avatar/{object_id}"
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}")
    return f"/media/{object_id}/{variant}"


def signed_url(tenant_id, object_id, variant: str, now: float | None = None, **extra: str) -> str:
    """A path with its capability, e.g. `/media/<id>/thumb?tenant=…&exp=…&sig=…` (same-origin)."""
    exp = expiry(now)
    query = {"tenant": str(tenant_id), "exp": str(exp), "sig": sign(tenant_id, object_id, variant, exp)}
    return f"{path_of(object_id, variant)}?{urlencode({**query, **extra})}"
