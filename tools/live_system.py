"""Run chatmedia as real processes (uvicorn web server, optionally a Celery worker) for
integration tests and benchmarks: the same commands as production, on ports chosen here.

The caller gives the environment (database, broker, storage, fake WhatsApp addresses); with the
embedded queue the web process runs its own worker thread, otherwise `start_worker()` adds a
Celery worker on the configured broker (RabbitMQ), which can be killed and restarted.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.services import free_port  # noqa: E402

WORKER_QUEUES = "media_priority,media_download,media_upload,media_slow"


class Process:
    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.command, self.env = name, command, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child process
        self.popen = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no cleanup, no acknowledgement; what a crash or the OOM killer does."""
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill()


class LiveSystem:
    def __init__(self, env: dict[str, str], log_dir: Path, web_workers: int = 1):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "PORT": str(self.port), "PUBLIC_BASE_URL": self.url, "PYTHONUNBUFFERED": "1"}
        self.log_dir = log_dir
        self.web = Process(
            "web",
            [
                sys.executable,
                "-m",
                "chatmedia.webserver",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--workers",
                str(web_workers),
            ],
            self.env,
            log_dir,
        )
        self.worker: Process | None = None
        self.beat: Process | None = None
        self._workers = 0

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws/chat/"

    def start(self) -> LiveSystem:
        self.web.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.web.popen.poll() is not None:
                raise RuntimeError(f"web server exited:\n{self.web.log()[-4000:]}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError(f"web server did not start:\n{self.web.log()[-4000:]}")

    def start_worker(self, nice: int = 0, **extra_env: str) -> Process:
        """A Celery worker on every queue; `extra_env` overrides settings for this worker only.
        `nice`: its CPU priority below the web's (as the Procfile runs workers)."""
        self._workers += 1
        worker = Process(
            f"worker-{self._workers}",
            [
                *(["nice", "-n", str(nice)] if nice else []),
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chatmedia",
                "--quiet",  # no banner: every line of the log is JSON
                "worker",
                "-Q",
                WORKER_QUEUES,
                "-P",
                "threads",
                "-c",
                "2",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-l",
                "INFO",
                "-n",
                f"itest-{os.getpid()}-{self._workers}@%h",
            ],
            {**self.env, **extra_env},
            self.log_dir,
        )
        worker.start()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if worker.popen.poll() is not None:
                raise RuntimeError(f"worker exited:\n{worker.log()[-4000:]}")
            if " ready." in worker.log():
                self.worker = worker
                return worker
            time.sleep(0.2)
        raise RuntimeError(f"worker did not start:\n{worker.log()[-4000:]}")

    def start_beat(self) -> Process:
        """Celery beat (the housekeeping schedule) as its own process, as in production."""
        self.beat = Process(
            "beat",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "chatmedia",
                "--quiet",
                "beat",
                "-s",
                str(self.log_dir / "celerybeat-schedule"),
                "-l",
                "INFO",
            ],
            self.env,
            self.log_dir,
        )
        self.beat.start()
        return self.beat

    def stop(self) -> None:
        for process in (self.beat, self.worker):
            if process:
                process.stop()
        self.web.stop()
