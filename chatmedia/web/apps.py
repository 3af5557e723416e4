from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "chatmedia.web"
    label = "web"
