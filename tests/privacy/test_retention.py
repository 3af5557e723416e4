"""Retention per tenant (privacy.retention): files older than the tenant keeps their kind lose their
bytes in batches (storage listed: nothing left), keep their placeholder with the reason, and
everything younger, of another kind, or of another tenant stays."""

from __future__ import annotations

import io
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone

from chatmedia.chat.models import Attachment
from chatmedia.media.storage import housekeeping
from chatmedia.media.storage.blobs import store_blob
from chatmedia.privacy import retention


def _file(world, kind: str, age_days: int, data: bytes) -> Attachment:
    attachment = Attachment.objects.create(
        tenant=world.tenant, conversation=world.conversation, message=world.message, category=kind,
        status="ready", file_name=f"{kind}-{age_days}.bin", size=len(data),
        original=store_blob(world.tenant, io.BytesIO(data), "application/octet-stream"),
    )  # fmt: skip
    Attachment.objects.filter(pk=attachment.pk).update(created_at=timezone.now() - timedelta(days=age_days))
    return attachment


def _keys(storage, tenant) -> set[str]:
    return {key for key, _ in storage.list_keys(f"t/{tenant.pk}/")}


def test_old_files_of_a_kind_go_in_batches_and_the_rest_stays(
    world_a, world_b, storage, settings, django_capture_on_commit_callbacks
):
    settings.RETENTION_BATCH_SIZE = 2
    world_a.tenant.media_retention_days = {"voice": 90, "document": 1825, "unknown-kind": 1}
    world_a.tenant.save()
    old_voices = [_file(world_a, "voice", 91 + n, f"voice note {n}".encode()) for n in range(5)]
    young_voice = _file(world_a, "voice", 30, b"a recent voice note")
    old_photo = _file(world_a, "image", 400, b"a photo: images are kept forever here")
    document = _file(world_a, "document", 1000, b"a contract within its five years")
    other_tenant = _file(world_b, "voice", 500, b"world b keeps everything")
    kept = {a.original.storage_key for a in (young_voice, old_photo, document)}
    with django_capture_on_commit_callbacks(execute=True):
        report = housekeeping.run()
    assert report["expired_media_removed"] == 5  # in three batches of at most two
    for attachment in old_voices:
        attachment.refresh_from_db()
        assert attachment.removed_at is not None and attachment.removed_reason == "retention"
        assert attachment.original_id is None and attachment.file_name == ""
    assert _keys(storage, world_a.tenant) == kept
    for attachment in (young_voice, old_photo, document, other_tenant):
        attachment.refresh_from_db()
        assert attachment.removed_at is None and attachment.original_id is not None
    shown = world_a.client().get(f"/api/attachments/{old_voices[0].pk}/").json()
    assert shown["urls"] == {} and shown["metadata"]["removed"]["reason"] == "retention"
    # The next run finds nothing more to do.
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.remove_expired() == 0


def test_a_run_stops_at_its_budget_and_the_next_goes_on(world_a, storage, settings):
    settings.RETENTION_BATCH_SIZE, settings.RETENTION_MAX_PER_RUN = 2, 3
    world_a.tenant.media_retention_days = {"audio": 1}
    world_a.tenant.save()
    for n in range(5):
        _file(world_a, "audio", 10 + n, f"song {n}".encode())
    assert retention.remove_expired() == 3
    assert retention.remove_expired() == 2
    assert retention.remove_expired() == 0


def test_the_policy_must_be_days_per_kind(world_a):
    world_a.tenant.media_retention_days = {"voice": "noventa"}
    try:
        world_a.tenant.full_clean()
    except ValidationError as exc:
        assert "media_retention_days" in exc.message_dict
    else:
        raise AssertionError("a policy in words must be refused")
    world_a.tenant.media_retention_days = {"voice": 90, "document": 0}
    world_a.tenant.full_clean()
    assert retention.policy_of(world_a.tenant) == {"voice": 90}
    world_a.tenant.media_retention_days = {"voice": "noventa", "audio": 30, "image": True}
    assert retention.policy_of(world_a.tenant) == {"audio": 30}  # a bad value set outside the admin
