from django.apps import AppConfig


class WhatsappConfig(AppConfig):
    """Evolution API integration: webhook intake, payload parsing, media crypto, API client."""

    name = "chatmedia.whatsapp"
    verbose_name = "WhatsApp (Evolution API)"
