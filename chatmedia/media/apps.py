from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "chatmedia.media"
    verbose_name = "Media"

    def ready(self) -> None:
        from chatmedia.media.storage import lifecycle

        lifecycle.connect()
