from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "chatmedia.privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        import atexit

        from chatmedia.media.storage import housekeeping
        from chatmedia.privacy import audit_log

        housekeeping.register("audit_log_expired", audit_log.expire_old)
        atexit.register(audit_log.flush_quietly)  # what the serving path buffered, written on the way out
