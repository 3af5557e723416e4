"""The Celery worker (and beat) of the embedded default: threads of the web process on the
`memory://` broker.

Tasks are still queued and run off the request, with the same code, acks and retries as on
RabbitMQ; only the transport is in-process (and so is lost on restart: use RabbitMQ in production).
"""

from __future__ import annotations

import logging
import threading

from celery.worker import WorkController
from django.conf import settings

from chatmedia.celery import MEDIA_QUEUES, app

logger = logging.getLogger(__name__)
_started = threading.Lock()
_worker: WorkController | None = None


def start_embedded_worker() -> WorkController | None:
    global _worker
    if not _started.acquire(blocking=False):
        return _worker
    _worker = app.WorkController(
        concurrency=settings.EMBEDDED_WORKER_CONCURRENCY,
        pool="threads",
        queues=list(MEDIA_QUEUES),
        hostname="embedded@chatmedia",
        without_heartbeat=True,
        without_mingle=True,
        without_gossip=True,
        loglevel=settings.LOG_LEVEL,
    )
    threading.Thread(target=_worker.start, name="embedded-celery-worker", daemon=True).start()
    _start_beat()
    threading.Thread(target=_recover, name="embedded-recovery", daemon=True).start()
    threading.Thread(target=_warm_up_processing, name="processing-forkserver", daemon=True).start()
    logger.info("embedded Celery worker started (%s threads)", settings.EMBEDDED_WORKER_CONCURRENCY)
    return _worker


def _start_beat() -> None:
    """Celery beat (the housekeeping schedule) as a thread of this process, like the worker."""
    from celery.beat import EmbeddedService

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)
    beat = EmbeddedService(app, thread=True, schedule_filename=settings.CELERY_BEAT_SCHEDULE_FILENAME)
    beat.daemon = True
    beat.start()


def _warm_up_processing() -> None:
    from chatmedia.media.processing import isolation

    try:
        isolation.warm_up()
    except Exception:  # the first file will start it instead
        logger.exception("could not start the media processing forkserver")


def _recover() -> None:
    """The in-process queue starts empty: media and sends left waiting by the last run are queued again."""
    from django.db import close_old_connections

    from chatmedia.whatsapp.recovery import requeue_unfinished_media, requeue_unfinished_sends

    try:
        requeue_unfinished_media(older_than_seconds=0)
        requeue_unfinished_sends(older_than_seconds=0)
    except Exception:
        logger.exception("could not queue unfinished media again")
    finally:
        close_old_connections()
