from django.core.management.base import BaseCommand, CommandError

from chatmedia.tenancy.provisioning import ProvisioningError, create_tenant, webhook_url


class Command(BaseCommand):
    help = "Create a tenant (one WhatsApp number behind one Evolution instance) and print its webhook URL."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--webhook-secret", help="Default: a new random secret.")
        parser.add_argument("--evolution-url", default="")
        parser.add_argument("--evolution-instance", default="")
        parser.add_argument("--evolution-token", default="")
        parser.add_argument("--jwt-key", default="", help="HS256 key if Evolution sends a webhook JWT.")

    def handle(self, *args, **options):
        try:
            tenant = create_tenant(
                options["slug"],
                name=options["name"],
                webhook_secret=options["webhook_secret"],
                evolution_url=options["evolution_url"],
                evolution_instance=options["evolution_instance"],
                evolution_token=options["evolution_token"],
                jwt_key=options["jwt_key"],
            )
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Tenant {tenant.slug!r} created (id {tenant.id}).")
        self.stdout.write(f"Webhook URL for Evolution: {webhook_url(tenant)}")
