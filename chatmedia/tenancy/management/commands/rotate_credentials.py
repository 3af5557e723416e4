from django.core.management.base import BaseCommand
from django.db import transaction

from chatmedia.tenancy import credentials
from chatmedia.tenancy.models import Connection


class Command(BaseCommand):
    help = (
        "Encrypt every connection's credentials again under CREDENTIALS_KEY (run after moving the old "
        "key to CREDENTIALS_KEY_FALLBACKS; then the fallback can go)."
    )

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().exclude(credentials=""):
                connection.credentials = credentials.rotate(connection.credentials)
                connection.save(update_fields=["credentials"])
                rotated += 1
        self.stdout.write(f"{rotated} connection(s) encrypted under the current key.")
