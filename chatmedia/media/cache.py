"""Small media bodies kept in Django's cache (Redis in production), and their invalidation.

Only small bodies (avatars now; thumbnails with media serving) go here; big ones are streamed from
storage and never cached whole. A cache that is down is a miss, never an error.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)


def avatar_key(conversation_id) -> str:
    return f"avatar:{uuid.UUID(str(conversation_id))}"


def get(key: str):
    try:
        return cache.get(key)
    except Exception:
        logger.warning("cache unavailable on get; serving from storage", exc_info=True)
        return None


def put(key: str, value, timeout: int) -> None:
    try:
        cache.set(key, value, timeout)
    except Exception:
        logger.warning("cache unavailable on set", exc_info=True)


def invalidate_avatar(conversation_id) -> None:
    try:
        cache.delete(avatar_key(conversation_id))
    except Exception:
        logger.warning(
            "cache unavailable: avatar of %s not invalidated (expires in %ss)",
            conversation_id,
            settings.AVATAR_CACHE_SECONDS,
            exc_info=True,
        )
