"""Benchmark of the incoming path on the real services (PostgreSQL, Redis, RabbitMQ, S3 server).

Prints, each next to a baseline measured in the same run on the same server:
- webhook answer time p50/p99 over bursts of 100 webhooks (text; image, whose downloads then run
  in the worker on the same 2 cores; image with 8 in flight), against `GET /healthz` of the same
  server (the floor of one HTTP round trip through Django);
- webhook → `attachment.ready` (over the WebSocket) for a 1 MB image fetched from the fake CDN,
  decrypted, checked and stored in S3, against a plain download of the same `.enc` file.

Usage: .venv/bin/python bench/incoming.py [--stack real|embedded] [--webhooks 100] [--images 10]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import bench_tenant, open_stack, webhook_url  # noqa: E402
from tools.fake_whatsapp import WA_MEDIA  # noqa: E402
from tools.live_system import LiveSystem  # noqa: E402


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def describe(name: str, samples: list[float], baseline: list[float] | None = None) -> str:
    p50, p99 = percentile(samples, 50) * 1000, percentile(samples, 99) * 1000
    line = f"{name:<44} p50 {p50:8.1f} ms   p99 {p99:8.1f} ms"
    if baseline:
        line += f"   ({p50 / (percentile(baseline, 50) * 1000):.1f}x baseline p50)"
    return line


def one_megabyte_jpeg() -> bytes:
    """A valid JPEG of ~1 MB: the fixture photo plus comment segments (no image library needed)."""
    photo = (WA_MEDIA / "image-01.jpg").read_bytes()
    padding = b"".join(b"\xff\xfe" + (65533 + 2).to_bytes(2, "big") + os.urandom(65533) for _ in range(16))
    return photo[:2] + padding + photo[2:]


def image_to_ready(socket, fake, post, photo: bytes) -> tuple[float, float]:
    """One picture sent by WhatsApp, in seconds: (a plain download of its `.enc` from the fake CDN
    (the baseline), its webhook -> `attachment.ready` on the WebSocket `socket`). `post` sends a
    webhook payload to chatmedia and raises unless it is accepted."""
    name = f"bench-{uuid.uuid4().hex}"
    media = fake.add_media(name, photo, "image", "image/jpeg")
    started = time.perf_counter()
    httpx.get(fake.url + media.direct_path, headers={"Origin": "https://web.whatsapp.com"}).raise_for_status()
    download = time.perf_counter() - started
    wa_id = f"MB{uuid.uuid4().hex}"
    payload = fake.webhook("messages-upsert-image-caption.json", name, id=wa_id)
    started = time.perf_counter()
    post(payload)
    attachment_id = None
    while True:
        event = json.loads(socket.recv(timeout=60))
        data = event["data"]
        if event["type"] == "message.created" and data.get("wa_message_id") == wa_id:
            attachment_id = data["attachments"][0]["id"]
        elif event["type"] in ("attachment.ready", "attachment.failed") and (
            data["attachment"]["id"] == attachment_id
        ):
            if event["type"] == "attachment.failed":
                raise SystemExit(f"attachment failed: {data}")
            return download, time.perf_counter() - started


def run(args) -> None:
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="chatmedia-bench-") as var_dir:
        extra_env = {"LOG_LEVEL": "WARNING", "EMBEDDED_WORKER": "1"}
        env, fake = open_stack(stack, args.stack, Path(var_dir), extra_env)
        tenant, token = bench_tenant()

        # Several web processes need the shared channel layer and queue of the real stack.
        web_workers = args.web_workers if args.stack == "real" else 1
        system = LiveSystem(env, Path(var_dir), web_workers=web_workers).start()
        stack.callback(system.stop)
        if args.stack == "real":
            system.start_worker()
        webhook = webhook_url(system.url, tenant)
        print(
            f"stack: {args.stack}; {web_workers} web process(es), 1 worker; 2 cores; "
            "times are wall clock per request\n"
        )

        with httpx.Client(timeout=30) as client:
            for _ in range(20):  # warm up connections and caches
                client.get(f"{system.url}/healthz")
            health = []
            for _ in range(args.webhooks):
                started = time.perf_counter()
                client.get(f"{system.url}/healthz").raise_for_status()
                health.append(time.perf_counter() - started)
            text, sequential = [], []
            for index in range(args.webhooks):
                payload = fake.webhook("messages-upsert-text.json", id=f"T{index}{uuid.uuid4().hex}")
                started = time.perf_counter()
                client.post(webhook, json=payload).raise_for_status()
                text.append(time.perf_counter() - started)
            for index in range(args.webhooks):
                payload = fake.webhook(
                    "messages-upsert-image-caption.json", "image-01", id=f"B{index}{uuid.uuid4().hex}"
                )
                started = time.perf_counter()
                client.post(webhook, json=payload).raise_for_status()
                sequential.append(time.perf_counter() - started)

        def post_one(index: int) -> float:
            payload = fake.webhook(
                "messages-upsert-image-caption.json", "image-01", id=f"C{index}{uuid.uuid4().hex}"
            )
            started = time.perf_counter()
            httpx.post(webhook, json=payload, timeout=30).raise_for_status()
            return time.perf_counter() - started

        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            concurrent_times = list(pool.map(post_one, range(args.webhooks)))

        print(describe("GET /healthz (baseline)", health))
        print(describe(f"text webhook, {args.webhooks} sequential", text, health))
        print(describe(f"image webhook, {args.webhooks} sequential", sequential, health))
        print(describe(f"image webhook, {args.webhooks}, 8 in flight", concurrent_times, health))

        from websockets.sync.client import connect

        photo = one_megabyte_jpeg()
        ready, download = [], []
        with connect(
            system.ws_url, additional_headers={"Origin": system.url, "Authorization": f"Token {token}"}
        ) as socket:
            socket.recv(timeout=10)  # hello
            time.sleep(5)  # let the burst's downloads finish so they do not share the worker
            with contextlib.suppress(TimeoutError):
                while True:
                    socket.recv(timeout=1)

            def post(payload: dict) -> None:
                httpx.post(webhook, json=payload, timeout=30).raise_for_status()

            for index in range(args.images):
                plain, to_ready = image_to_ready(socket, fake, post, photo + index.to_bytes(4, "big"))
                download.append(plain)
                ready.append(to_ready)
        print()
        print(describe(f"1 MB .enc plain download (baseline, n={args.images})", download))
        print(describe("1 MB image: webhook -> attachment.ready", ready, download))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", choices=("real", "embedded"), default="real")
    parser.add_argument("--webhooks", type=int, default=100)
    parser.add_argument("--images", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=1, help="uvicorn processes (real stack)")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
