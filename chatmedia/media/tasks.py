"""Celery tasks of the media core. `media.housekeeping` is scheduled by Celery beat
(CELERY_BEAT_SCHEDULE in settings; `make run` runs beat inside the web process); `media.transcribe`
makes a recording's transcript (media.transcription), retrying a server that is down or busy;
`media.make_playback` an H.264 copy of a video browsers cannot play (media.playback)."""

from __future__ import annotations

from django.conf import settings

from chatmedia.celery import app
from chatmedia.jobs import retry_while_left
from chatmedia.media import playback
from chatmedia.media.storage import StorageError, housekeeping
from chatmedia.media.transcription import backends
from chatmedia.media.transcription import service as transcription


@app.task(name="media.housekeeping")
def run_housekeeping() -> dict:
    return housekeeping.run()


@app.task(bind=True, max_retries=None, name="media.transcribe")
def transcribe(self, attachment_id: str) -> str:
    try:
        return transcription.transcribe(attachment_id)
    except (backends.Unavailable, StorageError) as exc:
        retry_while_left(self, exc, settings.TRANSCRIPTION_MAX_RETRIES)
        reason = str(exc) if isinstance(exc, backends.Unavailable) else "the recording could not be read"
        transcription.give_up(attachment_id, "transcription_unavailable", f"{reason}; ask again later")
        return "failed"


@app.task(bind=True, max_retries=None, name="media.make_playback")
def make_playback(self, attachment_id: str) -> str:
    """An H.264 copy of a customer's video browsers cannot play (media.playback)."""
    try:
        return playback.make(attachment_id)
    except StorageError as exc:
        retry_while_left(self, exc)
        return "failed"
