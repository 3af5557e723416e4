from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "chatmedia.tenancy"
    verbose_name = "Tenancy"

    def ready(self) -> None:
        from chatmedia.tenancy import schema  # noqa: F401 - registers the OpenAPI auth scheme
