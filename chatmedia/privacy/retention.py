"""Retention per tenant: media kept no longer than the tenant's policy says, per kind
(`Tenant.media_retention_days`, e.g. {"voice": 90, "document": 1825}).

`remove_expired(now)` — a housekeeping step: every file of a kind older than its tenant keeps that
kind (by when we received it) loses its bytes as a removal on request does (`history.purge_attachment_bytes`:
original, renditions, cached copies, text, transcript, name; a blob another message still uses stays)
and keeps the placeholder, with `removed_reason = "retention"`. In batches of RETENTION_BATCH_SIZE,
each its own short transaction that skips rows another transaction holds (`SKIP LOCKED`), at most
RETENTION_MAX_PER_RUN per run, so the web chat keeps answering while a first run works through
years of history; the next run goes on. Nobody's chat is told: these files are old.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia.chat import search
from chatmedia.chat.history import purge_attachments_bytes
from chatmedia.chat.models import Attachment, Message
from chatmedia.media import kinds
from chatmedia.media.storage import lifecycle
from chatmedia.privacy import audit_log
from chatmedia.tenancy.models import Tenant

logger = logging.getLogger(__name__)


def policy_of(tenant: Tenant) -> dict[str, int]:
    """The tenant's kinds with a retention (whole days > 0); unknown kinds and values that are not
    whole numbers are ignored (the admin refuses them; one bad row must not stop housekeeping)."""
    days = tenant.media_retention_days if isinstance(tenant.media_retention_days, dict) else {}
    return {
        kind: value
        for kind, value in days.items()
        if kind in kinds.NAMES and isinstance(value, int) and not isinstance(value, bool) and value > 0
    }


def remove_expired(now: datetime | None = None) -> int:
    now = now or timezone.now()
    budget = settings.RETENTION_MAX_PER_RUN
    removed = 0
    for tenant in Tenant.objects.exclude(media_retention_days={}).iterator():
        for kind, days in policy_of(tenant).items():
            removed += _remove_older(tenant, kind, now - timedelta(days=days), now, budget - removed)
            if removed >= budget:
                return removed
    return removed


def _remove_older(tenant: Tenant, kind: str, cutoff: datetime, now: datetime, budget: int) -> int:
    removed = 0
    while removed < budget:
        done = _one_batch(tenant, kind, cutoff, now, min(settings.RETENTION_BATCH_SIZE, budget - removed))
        if not done:
            break
        removed += done
    if removed:
        logger.info("retention removed %d %s files of tenant %s", removed, kind, tenant.slug)
    return removed


def _one_batch(tenant: Tenant, kind: str, cutoff: datetime, now: datetime, size: int) -> int:
    """One short transaction: up to `size` expired files nobody else holds; how many went."""
    with transaction.atomic(), lifecycle.batched():
        batch = list(
            Attachment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(tenant=tenant, category=kind, removed_at__isnull=True, created_at__lt=cutoff)
            .order_by("created_at", "pk")[:size]
        )
        purge_attachments_bytes(batch, reindex=False)  # once per message, below
        audit_log.record(
            tenant.pk, audit_log.Action.DELETE, audit_log.Via.RETENTION, attachments=batch,
            detail={"kept_days": (now - cutoff).days},
        )  # fmt: skip
        Attachment.objects.filter(pk__in=[a.pk for a in batch]).update(
            removed_at=now,
            removed_reason=Attachment.Removal.RETENTION,
            file_name="",
            size=None,
        )
        # Without the files' names.
        search.reindex_many(Message.objects.filter(pk__in={a.message_id for a in batch if a.message_id}))
    return len(batch)
