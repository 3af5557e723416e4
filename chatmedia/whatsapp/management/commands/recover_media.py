from django.core.management.base import BaseCommand

from chatmedia.whatsapp.recovery import (
    forget_stale_receipts,
    requeue_unfinished_media,
    requeue_unfinished_sends,
)


class Command(BaseCommand):
    help = (
        "Queue again incoming media and outgoing sends whose task was lost; drop status receipts "
        "no message claimed. (Celery beat runs the same every HOUSEKEEPING_INTERVAL_SECONDS.)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default MEDIA_REQUEUE_AFTER_SECONDS)"
        )

    def handle(self, *args, **options):
        queued = requeue_unfinished_media(options["older_than"])
        sends = requeue_unfinished_sends(options["older_than"])
        forgotten = forget_stale_receipts()
        self.stdout.write(
            f"queued again: {queued}; sends queued again: {sends}; stale receipts dropped: {forgotten}"
        )
