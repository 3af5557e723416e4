from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    """WebSocket delivery of chat and media events to the browsers of a tenant's members."""

    name = "chatmedia.realtime"
    verbose_name = "Realtime"
