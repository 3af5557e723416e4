from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Health and readiness probes; later metrics and structured logging."""

    name = "chatmedia.ops"
    verbose_name = "Operations"
