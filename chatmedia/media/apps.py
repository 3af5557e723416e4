from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "chatmedia.media"
    verbose_name = "Media"

    def ready(self) -> None:
        from chatmedia.media.storage import housekeeping, lifecycle
        from chatmedia.media.transcription import service as transcription

        lifecycle.connect()
        # Transcripts whose task was lost are asked for again.
        housekeeping.register("transcripts_requeued", transcription.requeue_stale)
