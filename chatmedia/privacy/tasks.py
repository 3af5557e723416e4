"""Celery tasks of the chat: `privacy.erase` erases a customer's data (privacy.erasure; queue media_slow)."""

from __future__ import annotations

from chatmedia.celery import app
from chatmedia.privacy import erasure


@app.task(name="privacy.erase")
def erase(erasure_id: str) -> str:
    """Idempotent and resumable: a redelivered or requeued erasure goes on where it was."""
    return erasure.run(erasure_id)
