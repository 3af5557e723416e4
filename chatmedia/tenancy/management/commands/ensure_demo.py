import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from chatmedia.tenancy.models import Connection, Membership, Tenant
from chatmedia.tenancy.provisioning import create_tenant, webhook_url

DEMO_SLUG = "demo"
DEMO_USER = "demo"


class Command(BaseCommand):
    help = (
        "For `make run`: on first run create a demo tenant and a demo user with a random password "
        "(kept in ./var/demo-login.txt, mode 0600); every run print how to log in."
    )

    def add_arguments(self, parser):
        parser.add_argument("--evolution-url", help="connect the demo tenant to this Evolution API")
        parser.add_argument("--evolution-instance", default="")
        parser.add_argument("--evolution-token", default="")

    @transaction.atomic
    def handle(self, *args, **options):
        login_file = settings.VAR_DIR / "demo-login.txt"
        tenant = Tenant.objects.filter(slug=DEMO_SLUG).first() or create_tenant(DEMO_SLUG, name="Demo")
        connection = tenant.connections.filter(provider=Connection.Provider.EVOLUTION).first()
        if options.get("evolution_url"):
            connection.evolution_url = options["evolution_url"]
            connection.evolution_instance = options["evolution_instance"]
            connection.set_secrets(token=options["evolution_token"])
            connection.save()
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USER).first()
        if user is None or not login_file.exists():
            password = secrets.token_urlsafe(12)
            if user is None:
                user = user_model(username=DEMO_USER, is_staff=True, is_superuser=True)
            user.set_password(password)
            user.save()
            login_file.parent.mkdir(parents=True, exist_ok=True)
            login_file.touch(mode=0o600)
            login_file.write_text(f"{DEMO_USER}\n{password}\n")
        Membership.objects.get_or_create(user=user, tenant=tenant, defaults={"role": Membership.Role.ADMIN})
        username, password = login_file.read_text().split()[:2]
        base = settings.PUBLIC_BASE_URL
        self.stdout.write(
            "\n".join(
                [
                    "",
                    f"  chatmedia is starting at {base}/",
                    f"  Open the web chat at {base}/ and log in as '{username}', password '{password}'",
                    f"  (the same login opens the admin at {base}/admin/)",
                    f"  API token: .venv/bin/python manage.py create_api_token {tenant.slug} {username}",
                    f"  Evolution webhook URL of the demo tenant: {webhook_url(tenant)}",
                    *(
                        [f"  Evolution API of the demo tenant: {connection.evolution_url}"]
                        if options.get("evolution_url")
                        else []
                    ),
                    "",
                ]
            )
        )
