from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "chatmedia.media"
    verbose_name = "Media"
