"""What the end-to-end benchmarks start from: a fresh database, the stack's environment, the S3 test
server and the fake Evolution API, migrations and Django set up in the benchmark process, and a
tenant of its own with an API token (the benchmark then drives the system and reads results)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "chatmedia_bench"


def fresh_database_url(name: str = BENCH_DATABASE) -> str:
    """An empty PostgreSQL database of its own (dropped and created again)."""
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def stack_env(stack: str, var_dir: Path) -> dict[str, str]:
    """`embedded`: the defaults under `var_dir`; `real`: PostgreSQL, Redis and RabbitMQ."""
    if stack == "embedded":
        return {"CHATMEDIA_VAR_DIR": str(var_dir)}
    return {
        "CHATMEDIA_VAR_DIR": str(var_dir),
        "DATABASE_URL": fresh_database_url(),
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
    }


def migrate_and_set_up_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    django.setup()


def open_stack(
    stack: contextlib.ExitStack, kind: str, var_dir: Path, extra_env: dict[str, str] | None = None
):
    """Start what `kind` ("real" or "embedded") needs on `stack` (the S3 test server for real; the
    fake Evolution API and CDN for both), run migrations and set Django up here, with an empty queue.
    Returns (the environment for the system's processes, the fake Evolution API)."""
    from tools.fake_whatsapp import FakeWhatsApp
    from tools.services import S3TestServer, ensure_local_services

    env = {**os.environ, **stack_env(kind, var_dir)}
    if kind == "real":
        ensure_local_services()
        env.update(stack.enter_context(S3TestServer()).env())
    fake = stack.enter_context(FakeWhatsApp())
    env.update({"WHATSAPP_MEDIA_BASE_URL": fake.url, "WHATSAPP_MEDIA_HOSTS": fake.host, **(extra_env or {})})
    migrate_and_set_up_django(env)
    if kind == "real":
        from chatmedia.celery import app as celery_app

        celery_app.control.purge()  # what an earlier, interrupted run left in RabbitMQ
    return env, fake


def bench_tenant(fake=None, **fields):
    """A tenant of its own (its number connected to the fake Evolution API when given) and an API
    token of one of its agents. Returns (tenant, token)."""
    from django.contrib.auth import get_user_model

    from chatmedia.tenancy.models import ApiToken, Membership
    from chatmedia.tenancy.provisioning import create_tenant

    evolution = {}
    if fake is not None:
        evolution = {
            "evolution_url": fake.url,
            "evolution_instance": fake.state.instance,
            "evolution_token": fake.state.apikey,
        }
    tenant = create_tenant(f"bench-{uuid.uuid4().hex[:6]}", name="Bench", **evolution)
    if fields:
        type(tenant).objects.filter(pk=tenant.pk).update(**fields)
    user = get_user_model().objects.create_user(f"bench-{tenant.slug}")
    _, token = ApiToken.issue(Membership.objects.create(user=user, tenant=tenant))
    return tenant, token


def webhook_url(base: str, tenant) -> str:
    """The tenant's number's webhook URL on `base` (the route of before connections)."""
    secret = tenant.connections.get().secret("webhook_secret")
    return f"{base}/webhooks/evolution/{tenant.slug}/{secret}/"
