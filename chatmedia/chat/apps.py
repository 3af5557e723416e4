from django.apps import AppConfig


class ChatConfig(AppConfig):
    name = "chatmedia.chat"
    verbose_name = "Chat"
