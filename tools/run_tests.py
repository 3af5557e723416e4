"""`make test`: the whole suite twice — on the real stack, then on the embedded defaults — then
the fault suite.

1. real:     PostgreSQL + Redis + RabbitMQ (started if they do not answer) + an S3 test server;
2. embedded: SQLite, local disk, in-process cache/queue/channel layer (what `make run` uses);
3. faults:   tools/faults.py on private instances of every service (skipped when ARGS narrow the run).

Tests that need a real component always get it (the S3 contract tests start their own S3 server in
the embedded run too); nothing is skipped because a service is missing: that is a failure.
Extra arguments go to pytest, e.g. `make test ARGS="-k storage"`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.services import ROOT, S3TestServer, ensure_debian_packages, ensure_local_services

# Every variable that switches a part to a real service (contract §11) plus the ones tests set.
STACK_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "S3_ENDPOINT_URL",
    "S3_BUCKET",
    "S3_ACCESS_KEY",
    "S3_SECRET_KEY",
    "S3_REGION",
    "S3_PUBLIC_ENDPOINT_URL",
    "SECRET_KEY",
    "CREDENTIALS_KEY",
    "CREDENTIALS_KEY_FALLBACKS",
    "DEBUG",
    "HTTPS",
    "CHATMEDIA_VAR_DIR",
)

REAL_STACK = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/chatmedia",
    "REDIS_URL": "redis://127.0.0.1:6379/15",
    "CELERY_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
}


def run_pytest(label: str, stack_env: dict[str, str], args: list[str]) -> tuple[int, dict[str, int]]:
    env = {k: v for k, v in os.environ.items() if k not in STACK_VARIABLES}
    with tempfile.TemporaryDirectory(prefix=f"chatmedia-test-{label}-") as var_dir:
        env.update(stack_env)
        env["CHATMEDIA_VAR_DIR"] = var_dir
        env["CHATMEDIA_TEST_STACK"] = label
        report = Path(var_dir) / "junit.xml"
        print(f"\n===== pytest on the {label} stack =====", flush=True)
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", f"--junitxml={report}", "-p", "no:cacheprovider", *args]
        code = subprocess.call(command, cwd=ROOT, env=env)
        print(f"===== {label} stack: exit {code} in {time.monotonic() - started:.0f}s =====", flush=True)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        if report.exists():
            suite = ET.parse(report).getroot()  # noqa: S314 - our own pytest's report
            suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
            for key in counts:
                counts[key] = int(suite.get(key, 0))
    return code, counts


def main() -> int:
    args = sys.argv[1:]
    started = time.monotonic()
    ensure_local_services()
    ensure_debian_packages()
    with S3TestServer() as s3:
        real_code, real = run_pytest("real", {**REAL_STACK, **s3.env()}, args)
    embedded_code, embedded = run_pytest("embedded", {}, args)
    faults_code = 0
    if not args:  # a narrowed run (`make test ARGS=…`) is about pytest tests only
        print("\n===== the fault suite (tools/faults.py) =====", flush=True)
        faults_code = subprocess.call([sys.executable, str(ROOT / "tools" / "faults.py")], cwd=ROOT)
    failed = sum(c["failures"] + c["errors"] for c in (real, embedded))
    skipped = sum(c["skipped"] for c in (real, embedded))
    passed = sum(c["tests"] for c in (real, embedded)) - failed - skipped
    elapsed = time.monotonic() - started
    print(
        f"\nmake test took {elapsed:.0f}s (real exit {real_code}, embedded exit {embedded_code}, "
        f"faults exit {faults_code})"
    )
    print(f"total: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if real_code == embedded_code == faults_code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
