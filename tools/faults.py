"""The fault suite: the real stack on private instances, broken on purpose, counted afterwards.

    python tools/faults.py [--only NAME ...] [--keep]      (make faults; make test runs it too)

Starts its own PostgreSQL cluster (initdb/pg_ctl), redis-server, RabbitMQ node and S3 server on
free ports (the machine's shared services are never touched), the fake Evolution API + WhatsApp
CDN, and chatmedia as separate processes (uvicorn web, a Celery worker, beat). Each scenario sends
incoming media (webhooks, posted as Evolution posts them: 5xx and connection errors are retried) and
outgoing media (agents' uploads), breaks something, restores it, waits, and counts per message:
ended right (attachment ready / message sent, or failed with a code and a reason), lost (missing, or
still unfinished at the deadline) and duplicated (two messages for one WhatsApp id, or one upload
sent to WhatsApp twice). Prints the table; exits 1 when any scenario lost or duplicated anything or
missed its own expectation.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import signal
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tools.fake_whatsapp.fake import FakeWhatsApp
from tools.live_system import LiveSystem
from tools.private_services import PostgresServer, RabbitServer
from tools.services import RedisTestServer, S3TestServer
from tools.upload_client import UploadClient

IMAGE = ("messages-upsert-image-caption.json", "image-01")
DOCUMENT = ("messages-upsert-document-pdf.json", "document-01")
SETTLE_SECONDS = 120


@dataclass
class Row:
    scenario: str
    sent: int = 0
    right: int = 0
    lost: int = 0
    duplicated: int = 0
    ready: int = 0
    failed: int = 0
    notes: list[str] = field(default_factory=list)
    expectation_met: bool = True

    def count(self, direction: str, done: bool, status: str, code: str, reason: str) -> None:
        """One message at the end: done (ready / sent), failed with a code and a reason, or lost."""
        if done:
            self.right += 1
            self.ready += 1
        elif status == "failed" and code and reason:
            self.right += 1
            self.failed += 1
            self.notes.append(f"{direction} failed: {code}")
        else:
            self.lost += 1

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.right == self.sent and self.expectation_met


class Stack:
    """Private services + chatmedia's processes + the fake WhatsApp, and helpers to drive them."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.postgres = PostgresServer(root)
        self.redis = RedisTestServer()
        self.rabbit = RabbitServer(root)
        self.s3 = S3TestServer()
        self.fake = FakeWhatsApp()
        self.system: LiveSystem | None = None
        self.worker = None
        self.upload_sha: dict[str, str] = {}  # attachment id -> sha256 of the uploaded bytes

    def start(self) -> Stack:
        started = time.monotonic()
        self.postgres.start()
        self.postgres.create_database()
        self.redis.start()
        self.rabbit.start()
        self.s3.start()
        self.fake.__enter__()
        env = {
            **os.environ,
            "DATABASE_URL": self.postgres.url,
            "REDIS_URL": self.redis.url,
            "CELERY_BROKER_URL": self.rabbit.url,
            **self.s3.env(),
            "CHATMEDIA_VAR_DIR": str(self.root / "var"),
            "WHATSAPP_MEDIA_BASE_URL": self.fake.url,
            "WHATSAPP_MEDIA_HOSTS": self.fake.host,
            # Short waits everywhere, so an outage of a few seconds is ridden out within the run.
            "MEDIA_TASK_RETRY_BASE_SECONDS": "0.5",
            "MEDIA_TASK_RETRY_MAX_SECONDS": "3",
            "MEDIA_TASK_MAX_RETRIES": "40",
            "MEDIA_REQUEUE_AFTER_SECONDS": "10",
            "HOUSEKEEPING_INTERVAL_SECONDS": "3",
            "EVOLUTION_TIMEOUT_SECONDS": "3",
            "OUTBOUND_READ_TIMEOUT_SECONDS": "5",
            "BROKER_CONNECT_TIMEOUT_SECONDS": "2",
            "CACHE_SOCKET_TIMEOUT_SECONDS": "0.5",
            "LOG_LEVEL": "INFO",
        }
        for name in ("SQLITE_PATH", "MEDIA_ROOT", "S3_PUBLIC_ENDPOINT_URL"):
            env.pop(name, None)
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        logs = self.root / "logs"
        logs.mkdir()
        self.system = LiveSystem(env, logs).start()
        self.worker = self.system.start_worker()
        self.system.start_beat()
        self._tenant()
        print(f"[faults] stack up in {time.monotonic() - started:.0f}s under {self.root}", flush=True)
        return self

    def _tenant(self) -> None:
        from django.contrib.auth import get_user_model

        from chatmedia.tenancy.models import ApiToken, Membership
        from chatmedia.tenancy.provisioning import create_tenant

        self.tenant = create_tenant(
            "faults",
            name="Faults",
            evolution_url=self.fake.url,
            evolution_instance=self.fake.state.instance,
            evolution_token=self.fake.state.apikey,
        )
        user = get_user_model().objects.create_user("agent-faults")
        _, self.token = ApiToken.issue(Membership.objects.create(user=user, tenant=self.tenant))
        connection = self.tenant.connections.get()
        secret = connection.secret("webhook_secret")
        self.webhook_url = f"{self.system.url}/webhooks/evolution/{connection.id}/{secret}/"
        self.fake.state.webhook_url = self.webhook_url

    def stop(self) -> None:
        parts = [self.system.stop if self.system else None, lambda: self.fake.__exit__(None, None, None)]
        parts += [self.s3.stop, self.rabbit.stop, self.redis.stop, self.postgres.stop]
        for stop in parts:
            try:
                if stop is not None:
                    stop()
            except Exception as exc:  # keep stopping the rest
                print(f"[faults] stopping: {exc}", file=sys.stderr)

    # --- traffic -----------------------------------------------------------------------------------

    def deliver(self, payload: dict, deadline_seconds: float = 90) -> int:
        """POST a webhook as Evolution does: retry 5xx and connection errors (spec §3.3), not 4xx."""
        deadline = time.monotonic() + deadline_seconds
        delay = 0.2
        while True:
            try:
                status = httpx.post(self.webhook_url, json=payload, timeout=30).status_code
                if status < 500:
                    return status
            except httpx.HTTPError:
                status = 0
            if time.monotonic() > deadline:
                return status
            time.sleep(delay)
            delay = min(delay * 2, 3)

    def incoming(self, count: int, kind=IMAGE, jid: str | None = None) -> list[dict]:
        jid = jid or f"55119{random.randrange(10**8):08d}@s.whatsapp.net"
        payloads = []
        for _ in range(count):
            wa_id = f"3AF{uuid.uuid4().hex[:17].upper()}"
            payloads.append(self.fake.webhook(kind[0], kind[1], id=wa_id, remote_jid=jid))
        return payloads

    def post_all(self, payloads: list[dict], threads: int = 8) -> list[int]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(self.deliver, payloads))

    def conversation(self):
        from chatmedia.chat.models import Conversation

        return Conversation.objects.create(
            tenant=self.tenant,
            connection=self.tenant.connections.get(),
            remote_jid=f"55118{random.randrange(10**8):08d}@s.whatsapp.net",
        )

    def outgoing(self, count: int, conversation=None) -> list[str]:
        """Agents' uploads (start → PUT to S3 → complete); the attachment ids."""
        conversation = conversation or self.conversation()
        ids = []
        with httpx.Client(
            base_url=self.system.url, headers={"Authorization": f"Token {self.token}"}, timeout=60
        ) as api:
            client = UploadClient(api)
            for _ in range(count):
                data = unique_jpeg()
                for attempt in range(3):
                    try:
                        started, status, body = client.send(
                            conversation.id, data, file_name="f.jpg", mime_type="image/jpeg"
                        )
                    except AssertionError as exc:  # the S3 server refused a PUT (s3rver: seen once
                        # "InternalError" 500); the agent uploads again, as the web chat's retry does
                        print(f"[faults] upload attempt {attempt + 1} failed at S3: {exc}", flush=True)
                        continue
                    if status == 422 and body.get("error", {}).get("code") == "not_uploaded":
                        # s3rver answered the PUT 200 and then did not have the object (seen once
                        # under load, right after the S3 restart scenario): refused cleanly, the
                        # agent sends the file again.
                        print(f"[faults] upload attempt {attempt + 1}: S3 lost it: {body}", flush=True)
                        continue
                    break
                else:
                    raise RuntimeError("S3 refused the upload three times")
                if status != 202:
                    raise RuntimeError(f"upload refused: {status} {body}")
                ids.append(started.id)
                self.upload_sha[started.id] = hashlib.sha256(data).hexdigest()
        return ids

    # --- counting ----------------------------------------------------------------------------------

    def settle(
        self, row: Row, payloads: list[dict], uploads: list[str], seconds: float = SETTLE_SECONDS
    ) -> Row:
        from django.db import connection

        from chatmedia.chat.models import Attachment, Message

        wa_ids = [p["data"]["key"]["id"] for p in payloads]
        row.sent += len(set(wa_ids)) + len(uploads)
        deadline = time.monotonic() + seconds
        while True:
            try:
                incoming = list(
                    Message.objects.filter(
                        tenant=self.tenant, wa_message_id__in=wa_ids, direction="in"
                    ).values_list(
                        "wa_message_id",
                        "attachments__status",
                        "attachments__error_code",
                        "attachments__error_message",
                    )
                )
                outgoing = list(
                    Attachment.objects.filter(pk__in=uploads).values_list(
                        "pk", "status", "message__status", "message__error_code", "message__error_message"
                    )
                )
            except Exception:  # the database itself may be coming back
                connection.close()
                time.sleep(0.5)
                continue
            unfinished = [r for r in incoming if r[1] not in ("ready", "failed")]
            unsent = [r for r in outgoing if r[2] not in ("sent", "delivered", "read", "played", "failed")]
            complete = len({r[0] for r in incoming}) == len(set(wa_ids)) and len(outgoing) == len(uploads)
            if (complete and not unfinished and not unsent) or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        per_id = Counter(r[0] for r in incoming)
        for wa_id in set(wa_ids):
            found = [r for r in incoming if r[0] == wa_id]
            if not found:
                row.lost += 1
                continue
            if per_id[wa_id] > 1:
                row.duplicated += 1
            _, status, code, reason = found[0]
            row.count("in", status == "ready", status, code, reason)
        sent_sha = Counter(s.sha256 for s in self.fake.sent())
        for _, _, status, code, reason in outgoing:
            row.count("out", status in ("sent", "delivered", "read", "played"), status, code, reason)
        row.lost += len(uploads) - len(outgoing)
        row.duplicated += sum(1 for upload in uploads if sent_sha[self.upload_sha[upload]] > 1)
        return row


# --- scenarios ---------------------------------------------------------------------------------------


def duplicated_and_reordered(stack: Stack) -> Row:
    row = Row("duplicated and reordered webhooks")
    payloads = stack.incoming(20)
    posts = payloads * 3  # Evolution retries and double-configured webhooks deliver each event again
    random.shuffle(posts)
    statuses = stack.post_all(posts)
    row.expectation_met = all(s == 200 for s in statuses)
    return stack.settle(row, payloads, [])


def redis_stopped(stack: Stack) -> Row:
    row = Row("Redis stopped while serving and ingesting")
    warm = stack.incoming(5)
    stack.post_all(warm)
    stack.settle(Row("warm-up"), warm, [])
    links = _links(stack, warm)
    stack.redis.stop()
    try:
        payloads = stack.incoming(10)
        uploads = stack.outgoing(3)
        statuses = stack.post_all(payloads)
        served = [httpx.get(stack.system.url + link, timeout=30).status_code for link in links]
        row.notes.append(f"served while down: {served.count(200)}/{len(served)}")
        row.expectation_met = all(s == 200 for s in statuses) and all(s == 200 for s in served)
        time.sleep(2)
    finally:
        stack.redis.start()  # the same port
    return stack.settle(row, payloads, uploads)


def s3_restarted(stack: Stack) -> Row:
    row = Row("S3 server stopped and restarted")
    uploads = stack.outgoing(3)
    stack.s3.halt()
    payloads = stack.incoming(10)
    statuses = stack.post_all(payloads)
    time.sleep(4)
    stack.s3.start()
    row.expectation_met = all(s == 200 for s in statuses)
    stack.settle(row, payloads, uploads)
    # Incoming media rides the outage out (retries). A send in flight when S3 stopped may fail with
    # Evolution's refusal (it could not download the file): ended right, the agent can retry it.
    row.expectation_met &= not any(note.startswith("in failed") for note in row.notes)
    return row


def rabbitmq_restarted(stack: Stack) -> Row:
    row = Row("RabbitMQ restarted in the middle of a burst")
    payloads = stack.incoming(30)
    burst = threading.Thread(target=stack.post_all, args=(payloads, 4))
    burst.start()
    time.sleep(0.5)
    stack.rabbit.halt()
    time.sleep(2)
    stack.rabbit.start()
    burst.join()
    stack.settle(row, payloads, [])
    row.expectation_met = row.failed == 0
    return row


def worker_killed(stack: Stack) -> Row:
    from chatmedia.chat.models import Attachment

    row = Row("worker killed with SIGKILL mid-task")
    payloads = stack.incoming(20, DOCUMENT)
    uploads = stack.outgoing(3)
    burst = threading.Thread(target=stack.post_all, args=(payloads,))
    burst.start()
    deadline = time.monotonic() + 20
    while not Attachment.objects.filter(tenant=stack.tenant, status="processing").exists():
        if time.monotonic() > deadline:
            break
        time.sleep(0.02)
    in_flight = Attachment.objects.filter(tenant=stack.tenant, status="processing").count()
    stack.worker.kill()
    row.notes.append(f"killed with {in_flight} in processing")
    burst.join()
    stack.worker = stack.system.start_worker()
    stack.settle(row, payloads, uploads)
    row.expectation_met = in_flight > 0 and _only_unconfirmed_sends_failed(row)
    return row


def evolution_faults(stack: Stack) -> Row:
    row = Row("Evolution answering 5xx, timing out, 401")
    conversation = stack.conversation()
    expected = []
    for mode, times, outcome in (
        ("5xx", 2, "sent"),
        ("timeout", 1, None),
        ("401", 1, "failed"),
        (None, 0, "sent"),
    ):
        if mode:
            stack.fake.fail("sendMedia", mode, times)
        (upload,) = stack.outgoing(1, conversation)
        stack.settle(Row("step"), [], [upload])
        expected.append((upload, outcome))
    # incoming: the CDN link expired and Evolution's getBase64 answers 5xx twice, then the file
    stack.fake.fail("cdn", "404", 1)
    stack.fake.fail("getBase64FromMediaMessage", "5xx", 2)
    payloads = stack.incoming(1, DOCUMENT)
    stack.post_all(payloads)
    stack.settle(row, payloads, [u for u, _ in expected])
    from chatmedia.chat.models import Attachment

    states = {str(a.pk): a.message.status for a in Attachment.objects.filter(pk__in=[u for u, _ in expected])}
    row.expectation_met = all(
        o is None or states[u] == o or (o == "sent" and states[u] in ("delivered", "read"))
        for u, o in expected
    )
    row.notes.append("sends: " + ", ".join(states[u] for u, _ in expected))
    return row


def postgres_restarted(stack: Stack) -> Row:
    from django.db import connection

    row = Row("PostgreSQL restarted")
    payloads = stack.incoming(20)
    uploads = stack.outgoing(3)
    burst = threading.Thread(target=stack.post_all, args=(payloads, 4))
    burst.start()
    time.sleep(0.3)
    stack.postgres.halt("immediate")
    time.sleep(2)
    stack.postgres.start()
    connection.close()
    burst.join()
    stack.settle(row, payloads, uploads)
    row.expectation_met = _only_unconfirmed_sends_failed(row)
    return row


def _only_unconfirmed_sends_failed(row: Row) -> bool:
    """Incoming media rides the outage out. A send whose Evolution call was under way when the
    worker died or could not record the answer may end `send_unconfirmed` (Evolution < 2.4 cannot be
    asked whether it sent it): failed with a reason the agent can act on, not lost."""
    return not any(
        note.startswith("in failed") or (note.startswith("out failed") and "send_unconfirmed" not in note)
        for note in row.notes
    )


def storm(stack: Stack) -> Row:
    from chatmedia.chat.models import Message

    row = Row("storm of 1,000 webhooks")
    payloads = stack.incoming(1000)
    started = time.monotonic()
    statuses = stack.post_all(payloads, threads=16)
    posted = time.monotonic() - started
    stack.settle(row, payloads, [], seconds=400)
    made = Message.objects.filter(
        tenant=stack.tenant, wa_message_id__in=[p["data"]["key"]["id"] for p in payloads]
    ).count()
    row.notes.append(
        f"posted in {posted:.1f}s, all ready after {time.monotonic() - started:.0f}s; {made} messages"
    )
    row.expectation_met = made == 1000 and row.ready == 1000 and all(s == 200 for s in statuses)
    return row


def unique_jpeg() -> bytes:
    """A small photo no other upload of the run has (so a double send shows as two equal hashes)."""
    import io

    from PIL import Image

    picture = Image.new("RGB", (320, 240), tuple(random.randrange(256) for _ in range(3)))
    picture.putpixel((random.randrange(320), random.randrange(240)), (1, 2, 3))
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=85, comment=uuid.uuid4().hex.encode())
    return out.getvalue()


def _links(stack: Stack, payloads: list[dict]) -> list[str]:
    from chatmedia.chat.models import Attachment
    from chatmedia.media.serving import signing

    ids = [p["data"]["key"]["id"] for p in payloads]
    return [
        signing.signed_url(stack.tenant.pk, a.pk, variant)
        for a in Attachment.objects.filter(message__wa_message_id__in=ids, status="ready")
        for variant in ("original", "thumb")
    ]


SCENARIOS = {
    "duplicates": duplicated_and_reordered,
    "redis": redis_stopped,
    "s3": s3_restarted,
    "rabbitmq": rabbitmq_restarted,
    "worker": worker_killed,
    "evolution": evolution_faults,
    "postgres": postgres_restarted,
    "storm": storm,
}


def print_table(rows: list[Row]) -> None:
    header = f"{'scenario':46} {'sent':>5} {'right':>6} {'lost':>5} {'dup':>4}  {'ok':3} notes"
    print("\n" + header + "\n" + "-" * len(header))
    for row in rows:
        notes = "; ".join(sorted(set(row.notes)))[:160]
        mark = "yes" if row.ok else "NO"
        counts = f"{row.sent:>5} {row.right:>6} {row.lost:>5} {row.duplicated:>4}"
        print(f"{row.scenario:46} {counts}  {mark:3} {notes}")
    print(flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", choices=sorted(SCENARIOS), help="run only these scenarios")
    parser.add_argument("--keep", action="store_true", help="keep the logs and data directory")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # a killed run still stops its services
    root = Path(tempfile.mkdtemp(prefix="chatmedia-faults-"))
    os.chmod(root, 0o755)  # PostgreSQL runs as `postgres` under it
    stack = Stack(root)
    rows: list[Row] = []
    started = time.monotonic()
    try:
        stack.start()
        for name, scenario in SCENARIOS.items():
            if args.only and name not in args.only:
                continue
            began = time.monotonic()
            row = scenario(stack)
            row.notes.append(f"{time.monotonic() - began:.0f}s")
            rows.append(row)
            print(f"[faults] {row.scenario}: {'ok' if row.ok else 'FAILED'}", flush=True)
    finally:
        stack.stop()
        print_table(rows)
        failed = [r.scenario for r in rows if not r.ok]
        if failed or args.keep:
            print(f"[faults] logs kept in {root / 'logs'}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"[faults] {len(rows)} scenarios in {time.monotonic() - started:.0f}s, {len(failed)} failed")
    return 1 if failed or not rows else 0


if __name__ == "__main__":
    sys.exit(main())
