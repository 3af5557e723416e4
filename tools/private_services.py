"""Private instances of the real services, on their own ports and directories, that a test may
stop, kill and restart at will (the machine's shared PostgreSQL, Redis and RabbitMQ are never touched):

- `PostgresServer`: its own cluster (`initdb`, `pg_ctl`), trust auth on 127.0.0.1;
- `RabbitServer`: its own RabbitMQ node (own node name, ports and data directory);
- `ClamdServer`: ClamAV's daemon on a signature file of our own (EICAR plus any hashes a test adds:
  no signature download is needed, this machine has no internet);
- and, from tools/services.py, `RedisTestServer` and `S3TestServer`.
Each has start / stop (and `halt` to stop keeping its data), and `env()` where the app needs variables.
"""

from __future__ import annotations

import glob
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tools.services import ensure_debian_packages, find_binary, free_port, port_answers, wait_for_port

EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def _postgres_bin(name: str) -> str:
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not candidates:
        raise RuntimeError(f"PostgreSQL's {name} is not installed (/usr/lib/postgresql/<version>/bin)")
    return candidates[-1]


def _run_as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` user then."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresServer:
    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.data = root / "postgres"
        self.log = root / "postgres.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/chatmedia"

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*_run_as_postgres(), _postgres_bin("pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args],
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def start(self) -> PostgresServer:
        if not self.data.exists():
            self.data.mkdir(parents=True)
            if os.geteuid() == 0:
                shutil.chown(self.data, "postgres", "postgres")
                shutil.chown(self.data.parent, "postgres", "postgres")
            subprocess.run(
                [*_run_as_postgres(), _postgres_bin("initdb"), "-D", str(self.data), "-U", "postgres",
                 "--auth=trust", "--no-sync", "-E", "UTF8"],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            # fsync off: the machine crashing is not a fault we test. Commits stay synchronous, so a
            # server killed mid-burst loses nothing it acknowledged (as in production).
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write(
                    "listen_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                    "fsync = off\nfull_page_writes = off\nmax_connections = 200\n"
                )
        self._ctl("-w", "-t", "30", "-o", f"-p {self.port}", "start")  # the port of this run
        return self

    def create_database(self, name: str = "chatmedia") -> None:
        subprocess.run(
            [_postgres_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
        )

    def halt(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("-w", "-t", "30", "-m", mode, "stop")

    stop = halt


class RabbitServer:
    """A RabbitMQ node of our own: `rabbit-<port>@localhost` with its own data and ports."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"chatmedia{self.port}@localhost"
        self.base = root / "rabbitmq"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}//"

    def _env(self) -> dict[str, str]:
        self.base.mkdir(parents=True, exist_ok=True)
        config = self.base / "rabbitmq.conf"
        config.write_text("loopback_users = none\n")
        (self.base / "enabled_plugins").write_text("[].\n")
        if os.geteuid() == 0:  # Debian's rabbitmq-server runs the node as `rabbitmq`
            for path in (self.base, config, self.base / "enabled_plugins"):
                shutil.chown(path, "rabbitmq", "rabbitmq")
        return {
            **os.environ,
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(config),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "pid"),
        }

    def start(self) -> RabbitServer:
        server = find_binary("rabbitmq-server")
        if server is None:
            raise RuntimeError("rabbitmq-server is not installed")
        subprocess.run([server, "-detached"], env=self._env(), check=True, stdout=subprocess.DEVNULL)
        wait_for_port("127.0.0.1", self.port, 90, f"RabbitMQ node {self.name}")
        return self

    def halt(self) -> None:
        """Stop the node (its durable queues and persistent messages stay on disk)."""
        ctl = find_binary("rabbitmqctl")
        if ctl is not None:
            subprocess.run(
                [ctl, "-n", self.name, "stop", str(self.base / "pid")],
                env=self._env(), check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                timeout=60,
            )  # fmt: skip
        deadline = time.monotonic() + 30
        while port_answers("127.0.0.1", self.port) and time.monotonic() < deadline:
            time.sleep(0.2)

    stop = halt


class ClamdServer:
    """clamd on TCP with our own signatures: EICAR, plus whole-file hashes added by `also_detect`."""

    def __init__(self, root: Path | None = None) -> None:
        self.port = free_port()
        self._tmp = None if root else tempfile.TemporaryDirectory(prefix="chatmedia-clamd-")
        self.root = root or Path(self._tmp.name)
        self.process: subprocess.Popen | None = None
        self.signatures = {"Chatmedia.Test.EICAR": EICAR}

    @property
    def address(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def also_detect(self, name: str, data: bytes) -> None:
        self.signatures[name] = data

    def start(self) -> ClamdServer:
        ensure_debian_packages({"clamd": "clamav-daemon"})
        database = self.root / "db"
        database.mkdir(parents=True, exist_ok=True)
        (database / "chatmedia-test.hdb").write_text(
            "".join(f"{hashlib.md5(d).hexdigest()}:{len(d)}:{n}\n" for n, d in self.signatures.items())  # noqa: S324 - ClamAV's hash signature format
        )
        config = self.root / "clamd.conf"
        config.write_text(
            f"Foreground yes\nTCPSocket {self.port}\nTCPAddr 127.0.0.1\nDatabaseDirectory {database}\n"
            f"LogFile {self.root / 'clamd.log'}\nStreamMaxLength 200M\nUser {_user()}\n"
        )
        self.process = subprocess.Popen(
            [find_binary("clamd") or "clamd", "-c", str(config)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port("127.0.0.1", self.port, 60, "clamd")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    def __enter__(self) -> ClamdServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


def _user() -> str:
    import pwd

    return pwd.getpwuid(os.geteuid()).pw_name
