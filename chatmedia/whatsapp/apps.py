from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    """Evolution API integration: webhook intake, payload parsing, media crypto, API client."""

    name = "chatmedia.whatsapp"
    verbose_name = "WhatsApp (Evolution API)"

    def ready(self) -> None:
        from chatmedia.media.storage import housekeeping
        from chatmedia.whatsapp import actions

        # Reactions/edits/revokes whose message never came.
        housekeeping.register("early_actions_dropped", actions.drop_stale)
