"""Benchmark of the gallery's zip download (`GET /api/conversations/<id>/media.zip`): 200 MB of a
chat's media (20 files of 10 MB, incompressible) streamed as one zip, and the peak RSS growth of
the process serving it, sampled every 5 ms.

Ours: the view through Django's test client, the streamed body consumed chunk by chunk as a
client would (zipstream-ng over storage reads). Baseline, same run, same objects: reading them
straight from storage chunk by chunk (what any download of these bytes costs). Contrast: the zip
built in memory with the standard library's zipfile (what "make a zip, then send it" costs).

`--export`: the same files as one customer's data export (`POST /api/exports/`, then the signed
link: privacy.export — transcript documents first, then every file), e.g. 1 GB with
`--export --files 100 --mib 10`.

Usage: .venv/bin/python bench/zip.py [--files 20] [--mib 10] [--export]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import bench_tenant, migrate_and_set_up_django, stack_env  # noqa: E402

MiB = 1024 * 1024
PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * PAGE


@contextlib.contextmanager
def peak_growth():
    """Yields a dict whose "growth" is the highest RSS seen above the start, once the block ends."""
    start, peak, done = rss(), [rss()], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    result = {}
    try:
        yield result
    finally:
        done.set()
        sampler.join()
        result["growth"] = max(peak[0], rss()) - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--mib", type=int, default=10)
    parser.add_argument(
        "--export", action="store_true", help="the customer export instead of the gallery zip"
    )
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-zip-")))
        migrate_and_set_up_django(stack_env("embedded", var_dir))
        from rest_framework.test import APIClient

        from chatmedia.chat.models import Attachment, Conversation
        from chatmedia.media.storage import media_storage
        from chatmedia.media.storage.blobs import store_blob

        tenant, token = bench_tenant()
        chat = Conversation.objects.create(
            tenant=tenant, connection=tenant.connections.get(), remote_jid="5511900000000@s.whatsapp.net"
        )
        ids, keys = [], []
        for index in range(args.files):
            path = var_dir / f"video-{index}.mp4"
            with open(path, "wb") as out:
                for _ in range(args.mib):
                    out.write(os.urandom(MiB))
            with open(path, "rb") as file:
                blob = store_blob(tenant, file, "video/mp4")
            path.unlink()
            ids.append(
                str(
                    Attachment.objects.create(
                        tenant=tenant,
                        conversation=chat,
                        category="video",
                        file_name=f"video-{index}.mp4",
                        mime_type="video/mp4",
                        size=blob.size,
                        status="ready",
                        original=blob,
                        message=None,
                    ).pk
                )
            )
            keys.append(blob.storage_key)
        # The gallery lists files of messages: one message holds them all here.
        from chatmedia.chat.models import Message

        message = Message.objects.create(tenant=tenant, conversation=chat, direction="in", status="delivered")
        Attachment.objects.filter(pk__in=ids).update(message=message)
        total = args.files * args.mib * MiB
        storage = media_storage()
        client = APIClient(HTTP_HOST="127.0.0.1")  # an allowed host of the default settings
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")

        with peak_growth() as baseline:
            started = time.perf_counter()
            read = sum(len(chunk) for key in keys for chunk in storage.iter_chunks(key))
            baseline_s = time.perf_counter() - started
        assert read == total

        if args.export:
            from chatmedia.tenancy.models import Membership

            Membership.objects.filter(tenant=tenant).update(role=Membership.Role.ADMIN)
            link = client.post("/api/exports/", {"phone": "5511900000000"}, format="json").json()["url"]
        with peak_growth() as ours:
            started = time.perf_counter()
            if args.export:
                answer = client.get(link)
            else:
                answer = client.get(f"/api/conversations/{chat.pk}/media.zip", {"ids": ",".join(ids)})
            assert answer.status_code == 200, answer.content
            sent = sum(len(chunk) for chunk in answer.streaming_content)
            ours_s = time.perf_counter() - started
        assert sent == int(answer["Content-Length"]) and sent > total

        with peak_growth() as naive:
            started = time.perf_counter()
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
                for index, key in enumerate(keys):
                    with storage.open(key) as stored:
                        archive.writestr(f"video-{index}.mp4", stored.read())
            naive_s = time.perf_counter() - started
            del buffer

        mib = total / MiB
        print(f"{args.files} files, {mib:.0f} MiB in all, local storage\n")
        print(f"{'':<32} {'time':>8} {'MiB/s':>8} {'peak RSS growth':>16}")
        for label, seconds, grew in (
            ("baseline: read from storage", baseline_s, baseline["growth"]),
            (f"ours: streamed {'export' if args.export else 'zip'} (the view)", ours_s, ours["growth"]),
            ("contrast: zip built in memory", naive_s, naive["growth"]),
        ):
            print(f"{label:<32} {seconds:>7.2f}s {mib / seconds:>8.0f} {grew / MiB:>13.1f} MiB")
        print(
            f"\nours/baseline: time {ours_s / baseline_s:.2f}x, memory growth "
            f"{ours['growth'] / MiB:.1f} MiB vs {baseline['growth'] / MiB:.1f} MiB "
            f"(+{(ours['growth'] - baseline['growth']) / MiB:.1f} MiB for {mib:.0f} MiB of files); "
            f"in memory it grows {naive['growth'] / MiB:.0f} MiB"
        )
        print("goal: the zip's memory stays flat — growth under 32 MiB whatever the total")


if __name__ == "__main__":
    main()
