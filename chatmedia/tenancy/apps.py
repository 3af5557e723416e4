from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "chatmedia.tenancy"
    verbose_name = "Tenancy"
