"""Credentials of WhatsApp connections, encrypted at rest (pure: no database, no I/O but the key).

What we must present to a provider (Evolution's instance token, Meta's access token) or verify its
requests with (webhook secret, JWT key, app secret, verify token) is stored as one Fernet token
(AES-128-CBC + HMAC-SHA256, `cryptography`) of a JSON object, under CREDENTIALS_KEY from the
environment; CREDENTIALS_KEY_FALLBACKS are earlier keys, still read while rotating (`manage.py
rotate_credentials` writes everything again under the current key). The embedded default is a
random key created once in ./var, like SECRET_KEY. A database dump alone never reveals a secret.

Lookups that must find a connection by a secret (the webhook secret in the path, Evolution's JWT
key) use its SHA-256 `digest`, never the secret itself. Nothing here is ever logged.
"""

from __future__ import annotations

import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsError(ValueError):
    """Stored credentials that no configured key opens (a wrong or missing CREDENTIALS_KEY)."""


def _fernet() -> MultiFernet:
    keys = [settings.CREDENTIALS_KEY, *settings.CREDENTIALS_KEY_FALLBACKS]
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(values: dict[str, str]) -> str:
    return _fernet().encrypt(json.dumps(values, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    if not token:
        return {}
    try:
        values = json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise CredentialsError("stored credentials cannot be read with CREDENTIALS_KEY") from exc
    return values if isinstance(values, dict) else {}


def rotate(token: str) -> str:
    """The same values under the current key."""
    return _fernet().rotate(token.encode()).decode() if token else token


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest() if secret else ""


def new_key() -> str:
    return Fernet.generate_key().decode()
