"""The one way to queue work: a Celery task by its name, once the caller's transaction commits.

By name, so a module that queues work never imports the module that does it (`media` queues the
send of an upload without importing `whatsapp`; the import cycle among ingest, recovery, sending
and tasks stays broken). After the commit, so a worker never looks for rows that are not there
yet, and work for a rolled-back change is never queued. A broker that is down loses nothing: the
error is logged (`robust`), the caller's rows are committed, and `whatsapp.recover` queues the work
again later. Routes (which queue) are in `chatmedia.celery`.

A task that retries transient errors uses `retry_while_left`: exponential backoff with jitter, and
a number of retries that is ours (Celery's own cap re-raises after its third and leaves work
unfinished), so the caller records a reason when they are used up.
"""

from __future__ import annotations

import random

from django.conf import settings
from django.db import transaction


def after_commit(name: str, *args) -> None:
    """Queue task `name` with `args` once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: submit(name, *args), robust=True)


def submit(name: str, *args, countdown: float | None = None, retry: bool = True) -> None:
    """Queue task `name` now. `retry=False`: a broker that does not take it raises at once (the
    webhook fast path answers 503 then, and the sender retries)."""
    task = _task(name)
    if countdown is None and retry:
        task.delay(*args)
    else:
        task.apply_async(args=list(args), countdown=countdown, retry=retry)


def _task(name: str):
    from chatmedia.celery import app

    if name not in app.tasks:  # the web process may not have imported the tasks modules yet
        app.loader.import_default_modules()
    return app.tasks[name]


def backoff_seconds(retries: int) -> float:
    """Exponential backoff from MEDIA_TASK_RETRY_BASE_SECONDS, capped, with jitter (50-100 %)."""
    ceiling = min(settings.MEDIA_TASK_RETRY_MAX_SECONDS, settings.MEDIA_TASK_RETRY_BASE_SECONDS * 2**retries)
    return ceiling * random.uniform(0.5, 1.0)  # noqa: S311 - jitter, not a secret


def retry_while_left(task, exc: Exception, max_retries: int | None = None) -> None:
    """Schedule a retry of the bound `task` (raises celery.exceptions.Retry) unless its retries
    (`max_retries`, default MEDIA_TASK_MAX_RETRIES) are used up; then it returns."""
    limit = settings.MEDIA_TASK_MAX_RETRIES if max_retries is None else max_retries
    if task.request.retries >= limit:
        return
    raise task.retry(countdown=backoff_seconds(task.request.retries), exc=exc, max_retries=None)
