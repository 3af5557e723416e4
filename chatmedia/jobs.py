"""The one way to queue work: a Celery task by its name, once the caller's transaction commits.

By name, so a module that queues work never imports the module that does it (`media` queues the
send of an upload without importing `whatsapp`; the import cycle among ingest, recovery, sending
and tasks stays broken). After the commit, so a worker never looks for rows that are not there
yet, and work for a rolled-back change is never queued. A broker that is down loses nothing: the
error is logged (`robust`), the caller's rows are committed, and `whatsapp.recover` queues the work
again later. Routes (which queue) are in `chatmedia.celery`.
"""

from __future__ import annotations

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
