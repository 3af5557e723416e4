"""Celery tasks of the chat: `chat.erase` erases a customer's data (chat.erasure; queue media_slow)."""

from __future__ import annotations

from chatmedia.celery import app
from chatmedia.chat import erasure


@app.task(name="chat.erase")
def erase(erasure_id: str) -> str:
    """Idempotent and resumable: a redelivered or requeued erasure goes on where it was."""
    return erasure.run(erasure_id)
