"""`make stack`: the real stack on one machine, every part its own process.

Starts a PostgreSQL cluster, a redis-server, a RabbitMQ node and the S3 test server of our own
(data under var/stack/, on free ports: the machine's shared services are left alone), migrates,
creates the demo tenant and agent (login in var/stack/var/demo-login.txt), then runs the
Procfile with honcho: uvicorn web, one Celery worker per queue, beat. Ctrl-C stops everything.

    python tools/stack.py [--port 8000] [--fake-whatsapp]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.private_services import PostgresServer, RabbitServer
from tools.services import ROOT, RedisTestServer, S3TestServer, port_answers

FAKE_PORT = 8081


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument(
        "--fake-whatsapp", action="store_true", help="also run the fake Evolution API on 8081"
    )
    args = parser.parse_args()
    # `kill` or a closed terminal stops everything as Ctrl-C does (the services are ours to stop).
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _stop)
    base = ROOT / "var" / "stack"
    base.mkdir(parents=True, exist_ok=True)
    os.chmod(base, 0o755)  # noqa: S103 - the PostgreSQL and RabbitMQ users work below it
    postgres, redis, rabbit, s3 = (
        PostgresServer(base),
        RedisTestServer(),
        RabbitServer(base),
        S3TestServer(keep_in=base / "s3"),
    )
    fresh = not postgres.data.exists()
    started = []
    try:
        for service in (postgres, redis, rabbit, s3):
            service.start()
            started.append(service)
        if fresh:
            postgres.create_database()
        env = {
            **os.environ,
            "DATABASE_URL": postgres.url,
            "REDIS_URL": redis.url,
            "CELERY_BROKER_URL": rabbit.url,
            **s3.env(),
            "CHATMEDIA_VAR_DIR": str(base / "var"),
            "PROMETHEUS_MULTIPROC_DIR": str(base / "var" / "metrics"),
            "PORT": str(args.port),
            "PATH": f"{ROOT / '.venv' / 'bin'}:{os.environ.get('PATH', '')}",
        }
        metrics_dir = Path(env["PROMETHEUS_MULTIPROC_DIR"])
        for stale in metrics_dir.glob("*.db"):  # counters restart with the processes
            stale.unlink()
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        subprocess.run([*manage, "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
        demo = [*manage, "ensure_demo"]
        fake = None
        if args.fake_whatsapp:
            if port_answers("127.0.0.1", FAKE_PORT):
                raise SystemExit(f"port {FAKE_PORT} is taken (another fake WhatsApp?)")
            demo += [
                "--evolution-url",
                f"http://127.0.0.1:{FAKE_PORT}",
                "--evolution-instance",
                "acme-vendas",
            ]
            demo += ["--evolution-token", "fake-evolution-instance-token"]
            env["WHATSAPP_MEDIA_BASE_URL"] = f"http://127.0.0.1:{FAKE_PORT}"
            env["WHATSAPP_MEDIA_HOSTS"] = f"127.0.0.1:{FAKE_PORT}"
            fake = subprocess.Popen(
                [sys.executable, "-m", "tools.fake_whatsapp", "serve", "--port", str(FAKE_PORT),
                 "--instance", "acme-vendas", "--apikey", "fake-evolution-instance-token",
                 "--webhook-to", f"http://127.0.0.1:{args.port}"],
                cwd=ROOT, env=env,
            )  # fmt: skip
        subprocess.run(demo, cwd=ROOT, env=env, check=True)
        print(
            f"[stack] PostgreSQL {postgres.port}, Redis {redis.port}, RabbitMQ {rabbit.port}, S3 {s3.port}; "
            f"chatmedia on http://127.0.0.1:{args.port}/ (Ctrl-C stops all)",
            flush=True,
        )
        honcho = [
            str(ROOT / ".venv" / "bin" / "honcho"),
            "start",
            "-f",
            str(ROOT / "Procfile"),
            "-d",
            str(ROOT),
        ]
        # its own session: honcho signals its children's process group, which must not be ours
        processes = subprocess.Popen(
            [*honcho, "-p", str(args.port)], cwd=ROOT, env=env, start_new_session=True
        )
        try:
            return processes.wait()
        except KeyboardInterrupt:
            _stop()
        except SystemExit:
            return 0
        finally:
            processes.terminate()  # honcho stops every Procfile process
            with contextlib.suppress(subprocess.TimeoutExpired):
                processes.wait(30)
            if fake is not None:
                fake.terminate()
    finally:
        for service in reversed(started):
            service.stop()


def _stop(*_) -> None:
    for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(signum, signal.SIG_IGN)  # a second signal must not cut the cleanup short
    sys.exit(0)


if __name__ == "__main__":
    sys.exit(main())
