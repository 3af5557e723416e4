"""Start and check the services the real-stack tests use.

- `S3TestServer`: the npm package @20minutes/s3rver (SigV4, expiry, signed Content-Type, CORS)
  on a free 127.0.0.1 port, with a bucket configured with CORS, in a temporary directory.
- `ensure_local_services()`: PostgreSQL, Redis and RabbitMQ must answer; any that does not is
  started with the machine's own start command, then waited for. Never stops a shared service.

Used by `tools/run_tests.py` (make test) and by the test fixtures; runnable alone:
    python tools/services.py s3 [--port 4569]     # a dev S3 server in the foreground
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
S3_DIR = ROOT / "tools" / "s3"
S3_TEST_BUCKET = "chatmedia-test"
# Credentials of the throwaway test server only (not a secret: it lives for one test run on loopback).
S3_TEST_ACCESS_KEY = "chatmedia-test"
S3_TEST_SECRET_KEY = "chatmedia-test-secret"  # noqa: S105


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_answers(host, port):
            return
        time.sleep(0.1)
    raise RuntimeError(f"{what} did not answer on {host}:{port} within {seconds:.0f}s")


def ensure_s3_package() -> None:
    if (S3_DIR / "node_modules" / "@20minutes" / "s3rver").is_dir():
        return
    if shutil.which("npm") is None:
        raise RuntimeError("npm is needed to install the S3 test server (apt-get install nodejs npm)")
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--silent"], cwd=S3_DIR, check=True)


class S3TestServer:
    def __init__(
        self, port: int | None = None, bucket: str = S3_TEST_BUCKET, keep_in: Path | None = None
    ) -> None:
        """`keep_in`: a directory that keeps the objects across runs (default: a temporary one)."""
        self.port = port or free_port()
        self.bucket = bucket
        self.keep_in = keep_in
        self.process: subprocess.Popen | None = None
        self.directory: tempfile.TemporaryDirectory | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        return {
            "S3_ENDPOINT_URL": self.endpoint_url,
            "S3_BUCKET": self.bucket,
            "S3_ACCESS_KEY": S3_TEST_ACCESS_KEY,
            "S3_SECRET_KEY": S3_TEST_SECRET_KEY,
            "S3_REGION": "us-east-1",
        }

    def start(self) -> S3TestServer:
        """Start (or, after `halt`, start again on the same port with the same objects)."""
        ensure_s3_package()
        if shutil.which("node") is None:
            raise RuntimeError("node is needed to run the S3 test server")
        if self.directory is None and self.keep_in is None:
            self.directory = tempfile.TemporaryDirectory(prefix="chatmedia-s3-")
        if self.keep_in is not None:
            self.keep_in.mkdir(parents=True, exist_ok=True)
        command = [
            "node",
            str(S3_DIR / "run-s3rver.js"),
            "--directory",
            str(self.keep_in) if self.keep_in is not None else self.directory.name,
            "--address",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--silent",
            "--bucket",
            self.bucket,
            "--cors",
            str(S3_DIR / "cors.xml"),
        ]
        env = {**os.environ, "S3_ACCESS_KEY": S3_TEST_ACCESS_KEY, "S3_SECRET_KEY": S3_TEST_SECRET_KEY}
        self.process = subprocess.Popen(command, cwd=S3_DIR, env=env, stdin=subprocess.DEVNULL)
        try:
            wait_for_port("127.0.0.1", self.port, 20, "the S3 test server")
        except RuntimeError:
            self.stop()
            raise
        return self

    def halt(self) -> None:
        """Stop the server but keep its objects (a fault: storage down, then back)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def stop(self) -> None:
        self.halt()
        if self.directory is not None:
            self.directory.cleanup()
            self.directory = None

    def __enter__(self) -> S3TestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class RedisTestServer:
    """A private redis-server on a free port, for tests that stop Redis (never the shared one)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisTestServer:
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is needed (apt-get install redis-server)")
        command = [
            binary,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        wait_for_port("127.0.0.1", self.port, 20, "the private redis-server")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(5)
        self.process = None

    def __enter__(self) -> RedisTestServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _postgres_start() -> list[str]:
    versions = sorted(Path(p).name for p in glob.glob("/etc/postgresql/*"))
    if not versions:
        raise RuntimeError("PostgreSQL is not installed (no /etc/postgresql/<version>)")
    return ["pg_ctlcluster", "--skip-systemctl-redirect", versions[-1], "main", "start"]


# The start commands of this machine kind (env: machines/python-svc.md).
SERVICES = {
    "postgresql": (5432, _postgres_start),
    "redis": (
        6379,
        lambda: [
            "redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
            "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
            "--logfile", "/var/log/redis/ci.log",
        ],
    ),
    "rabbitmq": (5672, lambda: ["rabbitmq-server", "-detached"]),
}  # fmt: skip


# Debian packages the tests need, what proves one is installed (a program, or a file's absolute path)
# -> package: nginx for the X-Accel tests, Chromium for the web chat's end-to-end tests (Playwright
# never downloads a browser of its own), and a colour emoji font so the chat's 📎 🎤 📷 and the list's
# previews are drawn in Chromium's screenshots as agents see them (every desktop and phone has one), and
# ClamAV's daemon for the optional virus scan (run on a signature file of our own: no download), and
# eSpeak NG to speak the sentences a real local Whisper model transcribes (tests/media/transcription),
# and LibreOffice without its desktop parts (core, Writer, Calc, Impress) for Office previews: the tests
# make their DOCX, XLSX and PPTX with it and the previews are made by it (media.processing.office).
DEBIAN_PACKAGES = {
    "nginx": "nginx-light",
    "chromium": "chromium",
    "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf": "fonts-noto-color-emoji",
    "clamd": "clamav-daemon",
    "espeak-ng": "espeak-ng",
    "/usr/lib/libreoffice/program/soffice.bin": "libreoffice-core-nogui",
    "/usr/lib/libreoffice/program/libswlo.so": "libreoffice-writer-nogui",
    "/usr/lib/libreoffice/program/libsclo.so": "libreoffice-calc-nogui",
    "/usr/lib/libreoffice/program/libslideshowlo.so": "libreoffice-impress-nogui",
}


def ensure_debian_packages(packages: dict[str, str] = DEBIAN_PACKAGES) -> None:
    """Install (apt) what is missing; a test never skips because a program is not there."""
    missing = [package for proof, package in packages.items() if not _installed(proof)]
    if not missing:
        return
    print(f"[services] installing {', '.join(missing)} with apt-get", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    sudo = [] if os.geteuid() == 0 else ["sudo", "-n"]
    install = [*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", *missing]
    if subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=False).returncode != 0:
        subprocess.run([*sudo, "apt-get", "update", "-q"], env=env, stdout=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdout=subprocess.DEVNULL, check=True)


def _installed(proof: str) -> bool:
    return os.path.exists(proof) if os.path.isabs(proof) else find_binary(proof) is not None


def find_binary(name: str) -> str | None:
    return shutil.which(name) or next(
        (path for path in (f"/usr/sbin/{name}", f"/usr/bin/{name}") if os.access(path, os.X_OK)), None
    )


def ensure_local_services(names: tuple[str, ...] = ("postgresql", "redis", "rabbitmq")) -> None:
    for name in names:
        port, command = SERVICES[name]
        if port_answers("127.0.0.1", port):
            continue
        print(f"[services] {name} is not answering on {port}; starting it", file=sys.stderr)
        subprocess.run(command(), check=False)
        wait_for_port("127.0.0.1", port, 90, name)
    if "rabbitmq" in names:
        _wait_rabbitmq_ready()


def _wait_rabbitmq_ready(seconds: float = 90) -> None:
    """RabbitMQ opens its port before it accepts logins; wait for a real AMQP handshake."""
    from kombu import Connection

    deadline = time.monotonic() + seconds
    while True:
        try:
            with Connection("amqp://guest:guest@127.0.0.1:5672//", connect_timeout=3) as conn:
                conn.ensure_connection(max_retries=1, timeout=3)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s3 = sub.add_parser("s3", help="run an S3 test server in the foreground")
    s3.add_argument("--port", type=int, default=4569)
    sub.add_parser("check", help="make sure PostgreSQL, Redis and RabbitMQ answer (start them if not)")
    args = parser.parse_args()
    if args.command == "check":
        ensure_local_services()
        print("PostgreSQL, Redis and RabbitMQ answer.")
        return
    with S3TestServer(port=args.port) as server:
        for name, value in server.env().items():
            print(f"export {name}={value}")
        with contextlib.suppress(KeyboardInterrupt):
            server.process.wait()


if __name__ == "__main__":
    main()
