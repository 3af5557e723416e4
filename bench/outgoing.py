"""Benchmark of the outgoing path: `complete` → `sent` for a 1 MB photo and a 25 MB PDF.

The browser side is done for real (presigned PUT / multipart to the S3 server), then the clock runs
from `POST /api/uploads/<id>/complete/` to the `message.status: sent` event on the WebSocket: the
worker downloads the upload, checks it, makes renditions (photo: thumb + preview; PDF: first-page
preview), stores it content-addressed, and the fake Evolution downloads it by presigned URL.

Baseline, same run, same bytes: the transfers no implementation can skip — read the uploaded object
from S3, write it back under another key, and let a client download it by presigned URL — done
directly with boto3 and httpx, no checks, no processing.

Usage: .venv/bin/python bench/outgoing.py [--stack real|embedded] [--runs 5]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import bench_tenant, open_stack  # noqa: E402
from tools.live_system import LiveSystem  # noqa: E402

MiB = 1024 * 1024


def photo_of_about(size: int) -> bytes:
    """A photo-like JPEG of about `size` bytes (noise does not compress, like a detailed photo)."""
    from PIL import Image, ImageFilter

    side = int((size / 1.2) ** 0.5)
    while True:
        noise = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
        out = io.BytesIO()
        noise.filter(ImageFilter.SMOOTH).save(out, "JPEG", quality=88)
        if out.tell() >= size:
            return out.getvalue()
        side = int(side * (size / out.tell()) ** 0.5 * 1.02)


def baseline_relay(storage, data: bytes) -> float:
    """Read the bytes from S3, write them under another key, download them by presigned URL: the
    transfers no implementation can skip (the source object is written first, untimed)."""
    key = f"bench/{uuid.uuid4()}"
    storage.client.put_object(Bucket=storage.bucket, Key=key, Body=data)
    started = time.perf_counter()
    body = storage.client.get_object(Bucket=storage.bucket, Key=key)["Body"].read()
    copy_key = f"bench/{uuid.uuid4()}"
    storage.client.put_object(Bucket=storage.bucket, Key=copy_key, Body=body)
    httpx.get(storage.presign_get(copy_key, 60), timeout=60).raise_for_status()
    elapsed = time.perf_counter() - started
    storage.client.delete_object(Bucket=storage.bucket, Key=copy_key)
    storage.client.delete_object(Bucket=storage.bucket, Key=key)
    return elapsed


STEPS = ("prepare", "process", "store", "send")


def breakdown(logs: str) -> dict[str, dict[str, list[float]]]:
    """Per kind of file: prepare / process / store times and the Evolution call, from the worker's
    JSON log lines (phase lines carry the attachment id, phase and duration_ms)."""
    records = []
    for line in logs.splitlines():
        with contextlib.suppress(ValueError):
            records.append(json.loads(line))
    kinds = {r["attachment"]: r["category"] for r in records if "category" in r and "attachment" in r}
    result: dict[str, dict[str, list[float]]] = {}
    for record in records:
        kind = kinds.get(record.get("attachment", ""))
        if kind is None:
            continue
        steps = result.setdefault(kind, {step: [] for step in STEPS})
        if record.get("phase") in ("process", "store", "send") and record.get("outcome") == "ok":
            steps[record["phase"]].append(record["duration_ms"])
        prepared = re.search(r"prepared in (\d+) ms", record.get("message", ""))
        if prepared:
            steps["prepare"].append(float(prepared.group(1)))
    return result


def run(args) -> None:
    with contextlib.ExitStack() as stack, tempfile.TemporaryDirectory(prefix="chatmedia-bench-") as var_dir:
        extra_env = {"LOG_LEVEL": "INFO", "EMBEDDED_WORKER": "1"}
        env, fake = open_stack(stack, args.stack, Path(var_dir), extra_env)
        from chatmedia.chat.models import Conversation
        from chatmedia.media.storage import media_storage
        from tests.media.upload_client import UploadClient, pdf_bytes

        tenant, token = bench_tenant(fake)
        chat = Conversation.objects.create(
            tenant=tenant, connection=tenant.connections.get(), remote_jid="5511999990000@s.whatsapp.net"
        )
        system = LiveSystem(env, Path(var_dir)).start()
        stack.callback(system.stop)
        if args.stack == "real":
            system.start_worker()
        storage = media_storage()
        print(f"stack: {args.stack}; 1 web process, 1 worker (2 threads); 2 cores; {args.runs} runs each\n")

        from websockets.sync.client import connect

        api = stack.enter_context(
            httpx.Client(base_url=system.url, headers={"Authorization": f"Token {token}"}, timeout=120)
        )
        browser = UploadClient(api)
        socket = stack.enter_context(
            connect(
                system.ws_url, additional_headers={"Origin": system.url, "Authorization": f"Token {token}"}
            )
        )
        socket.recv(timeout=10)  # hello
        rows = []
        for label, make, fields in (
            (
                "1 MB photo (JPEG)",
                lambda: photo_of_about(1 * MiB),
                {"mime_type": "image/jpeg", "file_name": "foto.jpg"},
            ),
            (
                "25 MB PDF (multipart)",
                lambda: pdf_bytes(25 * MiB),
                {"mime_type": "application/pdf", "file_name": "doc.pdf"},
            ),
        ):
            ours, floor, sizes = [], [], []
            for _ in range(args.runs + 1):  # the first run warms up (forkserver, connections)
                data = make()
                started_upload = browser.start(chat.id, data, **fields)
                parts = browser.put(started_upload, data)
                if args.stack == "real":
                    floor.append(baseline_relay(storage, data))
                message_id = None
                started = time.perf_counter()
                status, body = browser.complete(started_upload.id, parts)
                assert status == 202, body
                while True:
                    event = json.loads(socket.recv(timeout=120))
                    data_ = event["data"]
                    if event["type"] == "message.status" and data_.get("status") == "processing":
                        message_id = message_id or data_["id"]
                    if event["type"] == "message.status" and data_.get("id") == message_id:
                        if data_["status"] == "sent":
                            ours.append(time.perf_counter() - started)
                            break
                        if data_["status"] == "failed":
                            raise SystemExit(f"send failed: {data_}")
                sizes.append(len(data))
            ours, floor = ours[1:], floor[1:]
            rows.append((label, statistics.median(sizes), ours, floor))
        print(f"{'file':<24} {'complete -> sent (median, min-max)':<40} {'baseline relay':<18} ratio")
        for label, size, ours, floor in rows:
            spread = f"({min(ours) * 1000:.0f}-{max(ours) * 1000:.0f})"
            line = f"{label:<24} {statistics.median(ours) * 1000:7.0f} ms {spread}"
            line = f"{line:<65}"
            if floor:
                base = statistics.median(floor)
                line += f" {base * 1000:7.0f} ms       {statistics.median(ours) / base:5.1f}x"
            print(line + f"   [{size / MiB:.1f} MiB]")
        logs = "".join(path.read_text(errors="replace") for path in Path(var_dir).glob("*.log"))
        print("\nwhere the time goes (worker log, median ms per file):")
        print(f"  {'kind':<10} {'prepare':>8} {'process':>8} {'store':>8} {'Evolution call':>15}")
        for kind, steps in breakdown(logs).items():
            row = " ".join(f"{statistics.median(steps[k]) if steps[k] else 0:8.0f}" for k in STEPS[:3])
            print(f"  {kind:<10} {row} {statistics.median(steps['send']) if steps['send'] else 0:15.0f}")
        fake_sends = len(fake.sent())
        print(f"\nsends that reached the fake Evolution: {fake_sends} (expected {2 * (args.runs + 1)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stack", choices=("real", "embedded"), default="real")
    parser.add_argument("--runs", type=int, default=5)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
