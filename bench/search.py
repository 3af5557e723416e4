"""Benchmark of search (chat.search) over a seeded tenant: 10 000 messages and 500 documents with
their own text, next to a second tenant of the same size (whose rows must never come back).

Ours: `GET /api/search/?q=…` through Django's test client (the view, tenant scoping, the full-text
query with its headline, the serializer), tenant-wide and in one chat, median and p95 of several
queries, each run `--runs` times. Baseline, same run, same rows: the query one would write without
a full-text index — `icontains` on the message text OR the documents' text, newest first, limit 50.

Usage: .venv/bin/python bench/search.py [--stack real|embedded] [--runs 15]
"""

from __future__ import annotations

import argparse
import contextlib
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stack import bench_tenant, migrate_and_set_up_django, stack_env  # noqa: E402

MESSAGES = 10_000
DOCUMENTS = 500
WORDS = [
    "pedido",
    "entrega",
    "boleto",
    "pagamento",
    "produto",
    "troca",
    "garantia",
    "nota",
    "fiscal",
    "orçamento",
    "prazo",
    "frete",
    "cliente",
    "endereço",
    "horário",
    "atendimento",
    "promoção",
    "desconto",
    "parcela",
    "cartão",
    "pix",
    "transferência",
    "contrato",
    "reunião",
    "amanhã",
    "sexta",
    "segunda",
    "obrigado",
    "bom",
    "dia",
    "tarde",
    "noite",
    "tudo",
    "certo",
    "aguardo",
    "retorno",
    "confirmação",
]
QUERIES = ["boleto", "promocao", "nota fiscal", "garantia troca", "transferencia pix", "xylofone"]


def seed(tenant, rng: random.Random) -> list:
    from django.utils import timezone

    from chatmedia.chat import search
    from chatmedia.chat.models import Attachment, Conversation, Message, SearchEntry

    connection = tenant.connections.get()
    chats = [
        Conversation.objects.create(
            tenant=tenant,
            connection=connection,
            remote_jid=f"55119{i:08d}@s.whatsapp.net",
            display_name=f"Cliente {i}",
        )
        for i in range(200)
    ]
    start = timezone.now() - timedelta(days=90)
    messages = [
        Message(
            tenant=tenant,
            conversation=rng.choice(chats),
            wa_message_id=uuid.uuid4().hex,
            direction=rng.choice(["in", "out"]),
            status="delivered",
            text=" ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 24))),
            timestamp=start + timedelta(seconds=i * 700),
        )
        for i in range(MESSAGES)
    ]
    Message.objects.bulk_create(messages, batch_size=2000)
    documents = []
    for message in rng.sample(messages, DOCUMENTS):
        documents.append(
            Attachment(
                tenant=tenant,
                conversation=message.conversation,
                message=message,
                category="document",
                file_name=f"{rng.choice(WORDS)}-{rng.randint(1, 999)}.pdf",
                status="ready",
                searchable_text=" ".join(rng.choice(WORDS) for _ in range(400)),  # ~3 KB of text each
            )
        )
    Attachment.objects.bulk_create(documents, batch_size=500)
    # bulk_create sends no signals: the entries as reindex makes them.
    entries = []
    for message in Message.objects.filter(tenant=tenant).iterator(chunk_size=2000):
        content = search.content_of(message)
        entries.append(
            SearchEntry(
                message=message,
                tenant=tenant,
                conversation_id=message.conversation_id,
                content=content,
                timestamp=message.timestamp,
            )
        )
    SearchEntry.objects.bulk_create(entries, batch_size=2000)
    return chats


def timed(call, runs: int) -> list[float]:
    call()  # warm: plans, caches
    out = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stack", choices=["real", "embedded"], default="real")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        var_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-search-")))
        env = stack_env(args.stack, var_dir)
        migrate_and_set_up_django(env)
        from django.db import connection
        from django.db.models import Q
        from rest_framework.test import APIClient

        from chatmedia.chat.models import Message

        rng = random.Random(7)  # noqa: S311 - made-up texts, the same every run
        started = time.perf_counter()
        tenant, token = bench_tenant()
        chats = seed(tenant, rng)
        other, _ = bench_tenant()
        seed(other, rng)
        if connection.vendor == "postgresql":  # what autovacuum does after a bulk load
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        took = time.perf_counter() - started
        size = f"2 tenants x {MESSAGES} messages + {DOCUMENTS} documents"
        print(f"seeded {size} in {took:.0f} s ({connection.vendor})")
        client = APIClient(HTTP_HOST="127.0.0.1")  # an allowed host of the default settings
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        others = set(Message.objects.filter(tenant=other).values_list("pk", flat=True))

        def ours(q, chat=None):
            params = {"q": q, **({"conversation": str(chat.pk)} if chat else {})}
            answer = client.get("/api/search/", params)
            assert answer.status_code == 200, answer.content
            hits = answer.json()
            assert not {uuid.UUID(h["message"]) for h in hits} & others, "another tenant's message came back"
            return hits

        def scan(q, chat=None):
            words = q.split()
            rows = Message.objects.filter(tenant=tenant)
            if chat:
                rows = rows.filter(conversation=chat)
            for word in words:
                rows = rows.filter(Q(text__icontains=word) | Q(attachments__searchable_text__icontains=word))
            return list(rows.order_by("-timestamp").values_list("pk", flat=True).distinct()[:50])

        print(
            f"\n{'query':<22} {'hits':>5} {'ours p50':>9} {'ours p95':>9} {'scan p50':>9} {'ours/scan':>10}"
        )
        ratios, all_ours = [], []
        for q in QUERIES:
            for chat in (None, chats[0]):
                hits = len(ours(q, chat))
                mine = timed(lambda q=q, chat=chat: ours(q, chat), args.runs)
                base = timed(lambda q=q, chat=chat: scan(q, chat), args.runs)
                ratio = statistics.median(mine) / statistics.median(base)
                ratios.append(ratio)
                all_ours += mine
                label = f"{q}{' (1 chat)' if chat else ''}"
                median, scanned = statistics.median(mine), statistics.median(base)
                cells = f"{hits:>5} {median:>8.1f}ms {p95(mine):>8.1f}ms {scanned:>8.1f}ms"
                print(f"{label:<22} {cells} {ratio:>9.2f}x")
        print(
            f"\nall queries: ours p50 {statistics.median(all_ours):.1f} ms, p95 {p95(all_ours):.1f} ms; "
            f"median ours/scan {statistics.median(ratios):.2f}x"
        )
        print("goal: p95 ≤ 150 ms at this size through the whole API, never another tenant's row")


if __name__ == "__main__":
    main()
