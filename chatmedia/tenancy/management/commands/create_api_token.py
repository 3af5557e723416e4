from django.core.management.base import BaseCommand, CommandError

from chatmedia.tenancy.provisioning import ProvisioningError, issue_api_token


class Command(BaseCommand):
    help = (
        "Mint an API token for USERNAME acting in tenant SLUG and print it (shown only once). "
        "A missing user is created as an integration account without a password."
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("username")
        parser.add_argument("--no-create-user", action="store_true", help="Fail if the user does not exist.")

    def handle(self, *args, **options):
        try:
            raw, created = issue_api_token(
                options["slug"], options["username"], create_user=not options["no_create_user"]
            )
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        if created:
            self.stderr.write(f"Created user {options['username']!r} (no password; token only).")
        self.stdout.write(raw)
