"""Celery tasks of the media core. `media.housekeeping` is scheduled by Celery beat
(CELERY_BEAT_SCHEDULE in settings; `make run` runs beat inside the web process)."""

from __future__ import annotations

from chatmedia.celery import app
from chatmedia.media.storage import housekeeping


@app.task(name="media.housekeeping")
def run_housekeeping() -> dict:
    return housekeeping.run()
