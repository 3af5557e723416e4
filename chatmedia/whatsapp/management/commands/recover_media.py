from django.core.management.base import BaseCommand

from chatmedia.whatsapp.recovery import forget_stale_receipts, requeue_unfinished_media


class Command(BaseCommand):
    help = "Queue again incoming media whose task was lost; drop status receipts no message claimed."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=int, default=None, help="seconds (default MEDIA_REQUEUE_AFTER_SECONDS)"
        )

    def handle(self, *args, **options):
        queued = requeue_unfinished_media(options["older_than"])
        forgotten = forget_stale_receipts()
        self.stdout.write(f"queued again: {queued}; stale receipts dropped: {forgotten}")
