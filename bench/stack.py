"""What the end-to-end benchmarks start from: a fresh database, the stack's environment, migrations
and Django set up in the benchmark process (which then creates tenants and reads results)."""

from __future__ import annotations

import os
import subprocess
import sys
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
