"""Benchmark of retention (privacy.retention) over a seeded tenant: 100 000 messages with a file each
(voice notes, half of them past the tenant's 90 days), each file a real stored object.

Measured in one run: the pace (files removed per second, every batch a transaction of
RETENTION_BATCH_SIZE), the longest batch (the longest any row lock is held: SKIP LOCKED makes other
writers pass over held rows rather than wait), and the web chat meanwhile — `GET /api/conversations/
<id>/messages/` answered by another thread of this process on its own database connection, its
p50/p99 during the run ÷ the same before it (the baseline).

Usage: .venv/bin/python bench/retention.py [--stack real|embedded] [--messages 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import bench_tenant, migrate_and_set_up_django, stack_env  # noqa: E402


def seed(tenant, count: int) -> object:
    """`count` messages with a voice note each, the older half past 90 days; objects on storage."""
    import hashlib
    import io

    from django.utils import timezone

    from chatmedia.chat.models import Attachment, Message
    from chatmedia.media.models import Blob
    from chatmedia.media.storage import media_storage
    from chatmedia.media.storage.keys import blob_key
    from tests.connections import new_conversation

    chat = new_conversation(tenant, remote_jid="5511955554444@s.whatsapp.net", display_name="Cliente")
    storage, now, batch = media_storage(), timezone.now(), 5000
    for start in range(0, count, batch):
        messages, blobs, attachments = [], [], []
        for n in range(start, min(count, start + batch)):
            data = f"voice note {n}".encode()
            sha = hashlib.sha256(data).hexdigest()
            storage.save(blob_key(tenant.pk, sha), io.BytesIO(data), "audio/ogg")
            blobs.append(Blob(tenant=tenant, sha256=sha, size=len(data), content_type="audio/ogg",
                              storage_key=blob_key(tenant.pk, sha)))  # fmt: skip
            messages.append(Message(tenant=tenant, conversation=chat, direction="in", status="delivered",
                                    timestamp=now - timedelta(days=180 - n * 180 / count)))  # fmt: skip
        Blob.objects.bulk_create(blobs)
        Message.objects.bulk_create(messages)
        for message, blob in zip(messages, blobs, strict=True):
            attachments.append(Attachment(tenant=tenant, conversation=chat, message=message, category="voice",
                                          status="ready", original=blob, mime_type="audio/ogg"))  # fmt: skip
        Attachment.objects.bulk_create(attachments)
        ages = [(a.pk, m.timestamp) for a, m in zip(attachments, messages, strict=True)]
        for pk, at in ages:
            Attachment.objects.filter(pk=pk).update(created_at=at)
    return chat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stack", choices=["real", "embedded"], default="real")
    parser.add_argument("--messages", type=int, default=100_000)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-retention-")))
        migrate_and_set_up_django(stack_env(args.stack, var_dir))
        from django.conf import settings
        from django.db import connection, connections
        from rest_framework.test import APIClient

        from chatmedia.chat.models import Attachment
        from chatmedia.privacy import retention

        started = time.perf_counter()
        tenant, token = bench_tenant(media_retention_days={"voice": 90})
        chat = seed(tenant, args.messages)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        expired = Attachment.objects.filter(
            tenant=tenant, created_at__lt=chat.created_at - timedelta(days=90)
        ).count()
        took = time.perf_counter() - started
        print(
            f"seeded {args.messages} voice notes ({expired} past 90 days) in {took:.0f} s "
            f"({connection.vendor}, batch {settings.RETENTION_BATCH_SIZE})"
        )

        def reader(stop: threading.Event, times: list[float]) -> None:
            client = APIClient(HTTP_HOST="127.0.0.1")
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            try:
                while not stop.is_set():
                    t0 = time.perf_counter()
                    assert client.get(f"/api/conversations/{chat.pk}/messages/").status_code == 200
                    times.append(time.perf_counter() - t0)
            finally:
                connections.close_all()

        def measure(seconds: float | None, work=None) -> list[float]:
            stop, times = threading.Event(), []
            thread = threading.Thread(target=reader, args=(stop, times))
            thread.start()
            if work is None:
                time.sleep(seconds)
            else:
                work()
            stop.set()
            thread.join()
            return times

        baseline = measure(5)
        batches: list[float] = []
        real = retention._one_batch

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return real(*args, **kwargs)
            finally:
                batches.append(time.perf_counter() - t0)

        retention._one_batch = timed
        settings.RETENTION_MAX_PER_RUN = args.messages
        removed = []
        t0 = time.perf_counter()
        during = measure(None, lambda: removed.append(retention.remove_expired()))
        took = time.perf_counter() - t0
        retention._one_batch = real

        def p(values, q):
            values = sorted(values)
            return values[min(len(values) - 1, int(q * len(values)))] * 1000

        longest, median = max(batches) * 1000, statistics.median(batches) * 1000
        print(
            f"removed {removed[0]} files in {took:.1f} s: {removed[0] / took:.0f} files/s, "
            f"{len(batches)} batches, longest {longest:.0f} ms, median {median:.0f} ms"
        )
        print(
            f"messages API while it ran: p50 {p(during, 0.5):.1f} ms, p99 {p(during, 0.99):.1f} ms "
            f"({len(during)} requests); "
            f"before: p50 {p(baseline, 0.5):.1f} ms, p99 {p(baseline, 0.99):.1f} ms; "
            f"ratio p99 {p(during, 0.99) / p(baseline, 0.99):.2f}"
        )


if __name__ == "__main__":
    main()
