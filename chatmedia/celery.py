"""The Celery application and its queues.

Queues (durable, declared here so every worker and producer agrees on them):
- `media_priority`: accepted webhooks, profile pictures, agents' text messages: small, seen at once;
- `media_download`: incoming WhatsApp media;
- `media_upload`: media agents send to WhatsApp;
- `media_slow`: long work that must never be in the way of media: voice-note transcripts,
  browser-ready copies of videos browsers cannot play, erasing a customer's data.

With no CELERY_BROKER_URL the broker is `memory://` and `make run` runs a worker inside the web
process, so work is still asynchronous without RabbitMQ.
"""

import os

from celery import Celery
from celery.signals import worker_ready
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")

app = Celery("chatmedia")

MEDIA_QUEUES = ("media_priority", "media_download", "media_upload", "media_slow")

app.conf.update(
    task_queues=[Queue(name, Exchange(name), routing_key=name, durable=True) for name in MEDIA_QUEUES],
    task_default_queue="media_download",
    # Which queue each task goes to; one table so producers and workers agree.
    task_routes={
        "whatsapp.refresh_avatar": {"queue": "media_priority"},
        "whatsapp.fetch_incoming_media": {"queue": "media_download"},
        "whatsapp.send_outgoing": {"queue": "media_upload"},
        "whatsapp.send_text": {"queue": "media_priority"},
        "whatsapp.send_reaction": {"queue": "media_priority"},
        "whatsapp.refresh_group": {"queue": "media_priority"},
        "whatsapp.ingest_webhook": {"queue": "media_priority"},
        "media.housekeeping": {"queue": "media_upload"},
        "media.transcribe": {"queue": "media_slow"},
        "media.make_playback": {"queue": "media_slow"},
        "privacy.erase": {"queue": "media_slow"},
        "whatsapp.recover": {"queue": "media_priority"},
    },
    # A task is acknowledged only after it finished: a killed worker's task is redelivered.
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_ignore_result=True,
    task_serializer="json",
    accept_content=["json"],
    broker_connection_retry_on_startup=True,
    timezone="UTC",
)
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_ready.connect
def _start_processing_forkserver(**kwargs) -> None:
    """Start the media processing forkserver now, not on the first file (it imports the decoders)."""
    from chatmedia.media.processing import isolation

    isolation.warm_up()
