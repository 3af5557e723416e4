from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chatmedia.chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chatmedia.chat import history
        from chatmedia.media.storage import housekeeping

        # Bytes of messages deleted for everyone, once their tenant's retention has passed.
        housekeeping.register("deleted_media_purged", history.purge_expired_deleted_media)
