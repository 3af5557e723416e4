from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "chatmedia.privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        import atexit

        from chatmedia.media.storage import housekeeping
        from chatmedia.privacy import audit_log, erasure, retention

        # Files older than their tenant keeps their kind; erasures whose worker stopped; old audit rows.
        housekeeping.register("expired_media_removed", retention.remove_expired)
        housekeeping.register("erasures_resumed", erasure.resume_stale)
        housekeeping.register("audit_log_expired", audit_log.expire_old)
        atexit.register(audit_log.flush_quietly)  # what the serving path buffered, written on the way out
