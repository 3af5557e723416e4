"""Benchmark of media serving (issue "Step 4"), every ratio against a baseline run side by side:

- P1 requests/s of a cached 30 KB thumbnail through `/media/…` (signed URL), over nginx (Debian
  package, started here) serving the same bytes from disk; both with the same number of processes.
  Also shown: the local cache tier turned off (every request asks Redis), the minimal ASGI app,
  chatmedia under granian (a Rust HTTP core) instead of uvicorn, and the ceiling of each server:
  an ASGI app that sends the same bytes back with no work at all.
- P2 p50 latency of that request (one connection) over the minimal ASGI app that does one raw
  async Redis GET of the same bytes (bench/minimal_asgi.py).
- P3 peak RSS growth of one server process while 4 clients download a big original at once,
  for 12.5, 25 and 50 MB (flat = constant memory).
- P4 throughput of a 50 MB cache-miss stream from the S3 test server through `/media/…`, over
  boto3 streaming the same object directly; beside it deploy/nginx/chatmedia.conf as shipped, in
  front of chatmedia in X-Accel-Redirect mode: a miss (nginx reads S3) and the same file again
  (nginx's proxy_cache).

Real services: PostgreSQL, Redis, the S3 test server; load from wrk (Debian package).
Usage: .venv/bin/python bench/serving.py [--seconds 8] [--connections 32] [--workers 2]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import getpass
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import fresh_database_url, migrate_and_set_up_django  # noqa: E402
from tools.services import (  # noqa: E402
    S3TestServer,
    ensure_debian_packages,
    ensure_local_services,
    find_binary,
    free_port,
    wait_for_port,
)

BENCH_DATABASE = "chatmedia_bench_serving"
REDIS_URL = "redis://127.0.0.1:6379/14"
MB = 1000 * 1000
RUNS = 7  # P4 transfers of each kind, interleaved; the median is reported


class Server:
    """A uvicorn server (chatmedia or the minimal app) with `workers` processes."""

    def __init__(self, app: str, env: dict, workers: int, log: Path, kind: str = "uvicorn") -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        if kind == "granian":
            command = [sys.executable, "-m", "granian", "--interface", "asgi", "--loop", "uvloop", app]
            command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", str(workers)]
            command += ["--log-level", "warning", *(["--no-ws"] if "minimal" in app else [])]
        else:
            command = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--port", str(self.port)]
            command += ["--no-access-log", "--no-server-header", "--loop", "uvloop", "--http", "httptools"]
            if workers > 1:
                command += ["--workers", str(workers)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT
        )
        wait_for_port("127.0.0.1", self.port, 60, app)
        time.sleep(1.5 if workers > 1 else 0.3)  # every worker process up

    def pids(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children] or [self.process.pid]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_nginx(body: bytes, workers: int, work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    (work / "www").mkdir()
    (work / "www" / "thumb").write_bytes(body)
    temp = work / "nginx-tmp"
    temp.mkdir()
    (work / "nginx.conf").write_text(f"""
user {getpass.getuser()};
worker_processes {workers};
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
daemon off;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=100;
    client_body_temp_path {temp}; proxy_temp_path {temp}; fastcgi_temp_path {temp};
    uwsgi_temp_path {temp}; scgi_temp_path {temp};
    server {{
        listen 127.0.0.1:{port};
        location / {{ root {work}/www; default_type image/webp; }}
    }}
}}
""")
    process = subprocess.Popen([find_binary("nginx"), "-c", str(work / "nginx.conf")])
    wait_for_port("127.0.0.1", port, 10, "nginx")
    return process, f"http://127.0.0.1:{port}/thumb"


def wrk(url: str, seconds: int, connections: int, threads: int = 2) -> dict:
    command = [find_binary("wrk"), f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = re.search(r"50%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1000.0}[p50.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} error responses\n{out}")
    return {"rps": rps, "p50_ms": float(p50.group(1)) * scale}


def _status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(field)


def peak_growth_mib(server: Server, url: str, clients: int, size: int) -> float:
    """Peak RSS growth of the server's process(es) while `clients` download `url` at once."""
    pids = server.pids()
    for pid in pids:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    baseline = {pid: _status_kib(pid, "VmRSS") for pid in pids}

    def download() -> int:
        total = 0
        with httpx.stream("GET", url, timeout=120) as response:
            response.raise_for_status()
            for chunk in response.iter_raw(1024 * 1024):
                total += len(chunk)
        return total

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        sizes = list(pool.map(lambda _: download(), range(clients)))
    assert sizes == [size] * clients, sizes
    return sum(_status_kib(pid, "VmHWM") - baseline[pid] for pid in pids) / 1024


def throughputs(fns: dict, size: int, runs: int) -> dict[str, float]:
    """Median MB/s of each transfer function, run in turn (ABAB…) so drift hits both alike."""
    speeds: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            started = time.perf_counter()
            assert fn() == size
            speeds[name].append(size / MB / (time.perf_counter() - started))
    return {name: statistics.median(values) for name, values in speeds.items()}


def run(args) -> None:
    ensure_local_services(("postgresql", "redis"))
    ensure_debian_packages({"nginx": "nginx-light", "wrk": "wrk"})
    only = set(args.only.split(",")) if args.only else {"p1", "p2", "p3", "p4"}
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="chatmedia-bench-") as work_dir:
        work = Path(work_dir)
        s3 = stack.enter_context(S3TestServer())
        env = {
            **os.environ,
            **(s3.env() if args.storage == "s3" else {}),
            "CHATMEDIA_VAR_DIR": str(work),
            "DATABASE_URL": fresh_database_url(BENCH_DATABASE),
            "REDIS_URL": REDIS_URL,
            "EMBEDDED_WORKER": "0",
            "LOG_LEVEL": "WARNING",
            "BENCH_REDIS_URL": REDIS_URL,
            "BENCH_REDIS_KEY": f"bench:thumb:{uuid.uuid4().hex}",
        }
        migrate_and_set_up_django(env)
        import redis
        from django.contrib.auth import get_user_model

        from chatmedia.media.serving import signing
        from tests.conftest import make_world
        from tests.media.serving_client import attachment

        world = make_world(f"bench-{uuid.uuid4().hex[:6]}", get_user_model())
        thumb = os.urandom(30 * 1024)
        big = {size: os.urandom(size) for size in (12_500_000, 25 * MB, 50 * MB)}
        photo = attachment(world, big[50 * MB], renditions={"thumb": (thumb, "image/webp")})
        originals = {size: attachment(world, data) for size, data in big.items()}
        misses = [attachment(world, big[50 * MB]) for _ in range(RUNS)]  # same blob, fresh cache keys
        # Through nginx its own proxy_cache keys on the object, so each miss there is another object.
        accel_misses = [attachment(world, os.urandom(50 * MB)) for _ in range(RUNS)]
        redis.Redis.from_url(REDIS_URL).set(env["BENCH_REDIS_KEY"], thumb)
        thumb_path = signing.signed_url(world.tenant.id, photo.id, "thumb")
        w = args.workers
        print(f"2 cores; {w} server processes each for nginx, chatmedia and the minimal app")
        print(f"load: wrk -t2 -c{args.connections} -d{args.seconds}s (P1), wrk -t1 -c1 (P2)\n")

        if only & {"p1", "p2"}:
            bench_requests(args, stack, env, work, thumb, thumb_path)
        if "p3" in only:
            bench_memory(env, work, world, attachment, thumb_path, originals)
        if "p4" in only and args.storage == "s3":
            bench_cache_miss(env, work, world, photo, misses, accel_misses)


def bench_requests(args, stack, env, work, thumb, thumb_path) -> None:
    w, log = args.workers, work / "servers.log"
    nginx, nginx_url = start_nginx(thumb, w, work)
    stack.callback(nginx.terminate)
    servers = {
        "chatmedia": (Server("chatmedia.asgi:application", env, w, log), thumb_path),
        "chatmedia, local tier off": (
            Server("chatmedia.asgi:application", {**env, "MEDIA_LOCAL_CACHE_BYTES": "0"}, w, log),
            thumb_path,
        ),
        "minimal ASGI + Redis GET": (Server("bench.minimal_asgi:app", env, w, log), ""),
        "chatmedia under granian": (
            Server("chatmedia.asgi:application", env, w, log, kind="granian"),
            thumb_path,
        ),
        # What any ASGI app can reach on these servers here: the same bytes, no work at all.
        "ceiling: constant ASGI app": (Server("bench.minimal_asgi:constant", env, w, log), ""),
        "ceiling under granian": (Server("bench.minimal_asgi:constant", env, w, log, kind="granian"), ""),
    }
    for server, _ in servers.values():
        stack.callback(server.stop)
    urls = {"nginx": nginx_url, **{name: server.url + path for name, (server, path) in servers.items()}}
    for url in urls.values():
        for _ in range(50):  # warm every worker's connections and caches
            response = httpx.get(url)
            assert response.status_code == 200 and response.content == thumb, (url, response.text)
    p1 = {name: wrk(url, args.seconds, args.connections) for name, url in urls.items()}
    print("P1  requests/s, cached 30 KB thumbnail, signed URL")
    for name, result in p1.items():
        ratio = result["rps"] / p1["nginx"]["rps"]
        print(f"    {name:<28} {result['rps']:>10.0f} req/s   {ratio:.3f}x nginx")
    p2_names = [
        "minimal ASGI + Redis GET",
        "chatmedia",
        "chatmedia, local tier off",
        "chatmedia under granian",
    ]
    p2 = {name: wrk(urls[name], args.seconds, 1, threads=1) for name in p2_names}
    base = p2["minimal ASGI + Redis GET"]["p50_ms"]
    print("\nP2  p50 latency, one connection")
    for name, result in p2.items():
        ratio = result["p50_ms"] / base
        print(f"    {name:<28} {result['p50_ms'] * 1000:>8.0f} µs   {ratio:.2f}x baseline")
    for server, _ in servers.values():
        server.stop()
    nginx.terminate()


def bench_memory(env, work, world, attachment, thumb_path, originals) -> None:
    """A fresh process per size, warmed up by one small stream (imports, threads, S3 client)."""
    from chatmedia.media.serving import signing

    print("\nP3  peak RSS growth of one server process, 4 clients downloading the original at once")
    warm = attachment(world, os.urandom(2 * MB))  # streamed, not cached
    for size, found in originals.items():
        server = Server("chatmedia.asgi:application", env, 1, work / "servers.log")
        try:
            for link in (thumb_path, signing.signed_url(world.tenant.id, warm.id, "original")):
                httpx.get(server.url + link).raise_for_status()
            link = server.url + signing.signed_url(world.tenant.id, found.id, "original")
            first = peak_growth_mib(server, link, 4, size)
            again = peak_growth_mib(server, link, 4, size)
        finally:
            server.stop()
        print(f"    {size / MB:>5.1f} MB original   +{first:5.1f} MiB   (again: +{again:4.1f} MiB)")


def bench_cache_miss(env, work, world, photo, misses, accel_misses) -> None:
    import boto3
    from django.conf import settings

    from chatmedia.media.serving import signing
    from tools.nginx import render_nginx

    server = Server("chatmedia.asgi:application", env, 1, work / "servers.log")
    # deploy/nginx/chatmedia.conf as shipped, in front of chatmedia in X-Accel-Redirect mode.
    accel = Server(
        "chatmedia.asgi:application",
        {**env, "MEDIA_ACCEL_REDIRECT_PREFIX": "/_chatmedia/"},
        1,
        work / "servers.log",
    )
    nginx_port = free_port()
    (work / "accel").mkdir()
    config = render_nginx(accel.port, nginx_port, work / "unused", work / "accel")
    nginx = subprocess.Popen([find_binary("nginx"), "-c", str(config)])
    wait_for_port("127.0.0.1", nginx_port, 10, "nginx")
    front = f"http://127.0.0.1:{nginx_port}"
    client = boto3.client(
        "s3",
        endpoint_url=env["S3_ENDPOINT_URL"],
        aws_access_key_id=env["S3_ACCESS_KEY"],
        aws_secret_access_key=env["S3_SECRET_KEY"],
        region_name=env["S3_REGION"],
    )
    key = photo.original.storage_key

    def direct() -> int:
        body = client.get_object(Bucket=settings.S3_BUCKET, Key=key)["Body"]
        return sum(len(chunk) for chunk in body.iter_chunks(1024 * 1024))

    pending = iter(misses)

    http = urllib3.PoolManager()

    def through_media() -> int:
        # The same HTTP client as boto3 (urllib3) and the same read size: only the path differs.
        link = server.url + signing.signed_url(world.tenant.id, next(pending).id, "original")
        response = http.request("GET", link, preload_content=False)
        assert response.headers["x-cache"] == "MISS"
        try:
            return sum(len(chunk) for chunk in response.stream(1024 * 1024))
        finally:
            response.release_conn()

    accel_pending = iter(accel_misses)

    def through_nginx(attachment_id, proxy_cache: str) -> int:
        link = front + signing.signed_url(world.tenant.id, attachment_id, "original")
        response = http.request("GET", link, preload_content=False)
        assert response.status == 200 and response.headers["x-proxy-cache"] == proxy_cache, response.headers
        try:
            return sum(len(chunk) for chunk in response.stream(1024 * 1024))
        finally:
            response.release_conn()

    try:
        direct()  # warm s3rver's file cache
        through_nginx(photo.id, "MISS")  # the object the "again" row reads, now in nginx's cache
        speeds = throughputs(
            {
                "boto3": direct,
                "media": through_media,
                "accel": lambda: through_nginx(next(accel_pending).id, "MISS"),
                "again": lambda: through_nginx(photo.id, "HIT"),
            },
            50 * MB,
            RUNS,
        )
    finally:
        server.stop()
        accel.stop()
        nginx.terminate()
    boto = speeds["boto3"]
    print(f"\nP4  50 MB cache miss from the S3 test server (median of {RUNS}, interleaved)")
    print(f"    boto3 get_object, streamed   {boto:7.0f} MB/s")
    for name, label in [
        ("media", "/media/<id>/original"),
        ("accel", "nginx + X-Accel-Redirect"),
        ("again", "the same, nginx cache hit"),
    ]:
        print(f"    {label:<28} {speeds[name]:7.0f} MB/s   {speeds[name] / boto:.2f}x boto3")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--storage", default="s3", choices=["s3", "local"], help="where originals live (P3)")
    parser.add_argument("--only", default="", help="comma list of p1,p2,p3,p4 (default: all)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
