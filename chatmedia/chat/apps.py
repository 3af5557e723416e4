from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chatmedia.chat"
    verbose_name = "Chat"

    def ready(self) -> None:
        from chatmedia.chat import history
        from chatmedia.media.storage import housekeeping

        # Bytes of messages deleted for everyone, once their tenant's retention has passed.
        housekeeping.register("deleted_media_purged", history.purge_expired_deleted_media)

        from django.db.models.signals import post_save

        from chatmedia.chat import search
        from chatmedia.chat.models import Attachment, Message

        post_save.connect(search.message_saved, sender=Message, dispatch_uid="search-message")
        post_save.connect(search.attachment_saved, sender=Attachment, dispatch_uid="search-attachment")
