from django.core.management.base import BaseCommand

from chatmedia.tenancy import credentials


class Command(BaseCommand):
    help = "Print a new key for CREDENTIALS_KEY (keep it like SECRET_KEY: outside the repository)."

    def handle(self, *args, **options):
        self.stdout.write(credentials.new_key())
