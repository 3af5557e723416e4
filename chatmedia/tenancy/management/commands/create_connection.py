from django.core.management.base import BaseCommand, CommandError

from chatmedia.tenancy.models import Connection, Tenant
from chatmedia.tenancy.provisioning import (
    ProvisioningError,
    connection_webhook_url,
    create_cloud_connection,
    create_evolution_connection,
)


class Command(BaseCommand):
    help = (
        "Add a WhatsApp number to a tenant, through Evolution API or Meta's WhatsApp Cloud API; "
        "prints the connection id and the webhook URL to give the provider."
    )

    def add_arguments(self, parser):
        parser.add_argument("tenant", help="the tenant's slug")
        parser.add_argument("--provider", required=True, choices=[p.value for p in Connection.Provider])
        parser.add_argument("--name", default="", help="what agents see (Vendas, Suporte…)")
        parser.add_argument("--phone", default="", help="the number, e.g. +55 11 99999-0000")
        evolution = parser.add_argument_group("evolution")
        evolution.add_argument("--evolution-url", default="")
        evolution.add_argument("--evolution-instance", default="")
        evolution.add_argument("--evolution-token", default="")
        evolution.add_argument("--webhook-secret", help="Default: a new random secret.")
        evolution.add_argument("--jwt-key", default="", help="HS256 key if Evolution sends a webhook JWT.")
        cloud = parser.add_argument_group("cloud")
        cloud.add_argument("--phone-number-id", default="")
        cloud.add_argument("--access-token", default="")
        cloud.add_argument("--app-secret", default="")
        cloud.add_argument("--verify-token", default="")
        cloud.add_argument("--graph-url", default="", help="Default: Meta's Graph API (GRAPH_API_URL).")

    def handle(self, *args, **options):
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant {options['tenant']!r}")
        try:
            if options["provider"] == Connection.Provider.EVOLUTION:
                missing = [f"--{n}" for n in ("evolution-url", "evolution-instance", "evolution-token")
                           if not options[n.replace("-", "_")]]  # fmt: skip
                if missing:
                    raise ProvisioningError("missing " + ", ".join(missing))
                connection = create_evolution_connection(
                    tenant,
                    url=options["evolution_url"],
                    instance=options["evolution_instance"],
                    token=options["evolution_token"],
                    webhook_secret=options["webhook_secret"],
                    jwt_key=options["jwt_key"],
                    name=options["name"],
                    phone=options["phone"],
                )
            else:
                connection = create_cloud_connection(
                    tenant,
                    phone_number_id=options["phone_number_id"],
                    access_token=options["access_token"],
                    app_secret=options["app_secret"],
                    verify_token=options["verify_token"],
                    graph_url=options["graph_url"],
                    name=options["name"],
                    phone=options["phone"],
                )
        except ProvisioningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Connection {connection.name!r} of {tenant.slug!r} created: {connection.id}")
        self.stdout.write(f"Webhook URL: {connection_webhook_url(connection)}")
