"""Small files that cost a worker minutes (audit item 4): a 3-hour silent voice note ends within a
minute, ready with what could be analysed; a recording whose container lies is cut off after
MEDIA_AUDIO_ANALYSIS_MAX_SECONDS of sound; and one tenant's heavy files never hold every worker —
another tenant's photo is ready while they are still being processed (the running system)."""

from __future__ import annotations

import io
import time
import uuid

import pytest

from chatmedia.chat.models import Attachment
from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import audio, pipeline
from chatmedia.media.processing.renditions import Unprocessable
from chatmedia.media.storage.blobs import store_blob
from chatmedia.ops import fairness
from chatmedia.whatsapp import tasks
from tests.integration.conftest import make_member, post
from tests.media.corpus import jpeg, silent_voice_note, tone

pytestmark = pytest.mark.usefixtures("no_errors")


@pytest.fixture(scope="module")
def three_hours() -> bytes:
    return silent_voice_note(3 * 3600)


def test_a_3_hour_silent_voice_note_is_ready_within_a_minute(pending, three_hours, tried):
    tried()
    attachment = pending("voice", declared_mime_type="audio/ogg", metadata={"duration": 12})  # it lies
    started = time.monotonic()
    finished = pipeline.process(attachment.pk, io.BytesIO(three_hours))
    elapsed = time.monotonic() - started
    assert elapsed < 60, elapsed
    assert finished.status == Attachment.Status.READY
    assert finished.metadata["duration"] == pytest.approx(10800, abs=1)
    assert finished.metadata["preview_error_code"] == "too_long"
    assert not finished.renditions.exists()  # no waveform, no playback copy: the original plays


def test_a_declared_duration_over_the_budget_is_not_decoded(pending, tried, settings):
    tried()
    attachment = pending("voice", declared_mime_type="audio/ogg", metadata={"duration": 5 * 3600})
    finished = pipeline.process(attachment.pk, io.BytesIO(tone("ogg", "libopus")))
    assert finished.status == Attachment.Status.READY
    assert finished.metadata["preview_error_code"] == "too_long"


def test_decoding_stops_at_the_budget_when_the_container_states_no_duration(tmp_path, monkeypatch, tried):
    tried()
    path = tmp_path / "liar.ogg"
    path.write_bytes(silent_voice_note(120))
    monkeypatch.setattr(audio, "probed_seconds", lambda container, stream: None)
    policy = MediaPolicy(max_bytes={}, allowed_types={}, audio_analysis_max_seconds=5)
    with pytest.raises(Unprocessable) as refused:
        audio.analyze_audio(str(path), policy, str(tmp_path), mime_type="audio/ogg", voice=True)
    assert refused.value.code == "too_long"
    assert "lasts 5 s" in refused.value.reason


def test_a_busy_tenant_waits_its_turn_and_others_do_not(world_a, world_b, monkeypatch, tried, settings):
    tried()
    requeued: list = []
    monkeypatch.setattr(
        tasks.fetch_incoming_media, "apply_async", lambda args, **kw: requeued.append((args, kw))
    )

    def inline_photo(world) -> Attachment:
        blob = store_blob(world.tenant, io.BytesIO(jpeg((64, 48))), "image/jpeg")
        return Attachment.objects.create(
            tenant=world.tenant,
            conversation=world.conversation,
            message=world.message,
            category="image",
            original=blob,
            status=Attachment.Status.PENDING,
        )

    busy, other = inline_photo(world_a), inline_photo(world_b)
    limit = settings.MEDIA_TENANT_MAX_CONCURRENT_DOWNLOADS
    held = [fairness.tenant_slot("media_download", world_a.tenant.id, limit) for _ in range(limit)]
    assert all(slot.__enter__() for slot in held)  # tenant A's share of the workers is busy
    try:
        assert tasks.fetch_incoming_media.apply(args=[str(busy.id)]).get() == "deferred"
        assert requeued and requeued[0][0] == [str(busy.id)] and requeued[0][1]["countdown"] > 0
        assert tasks.fetch_incoming_media.apply(args=[str(other.id)]).get() == "ready"
    finally:
        for slot in held:
            slot.__exit__(None, None, None)
    assert tasks.fetch_incoming_media.apply(args=[str(busy.id)]).get() == "ready"  # its turn came


@pytest.mark.slow
def test_one_tenants_heavy_recordings_do_not_hold_back_another_tenants_photo(
    live, member_a, fake_whatsapp_server, django_user_model, tried
):
    tried(4)
    fake = fake_whatsapp_server
    # Just under 15 minutes (the analysis cap; over it, analysis stops at once): ~4 s of a worker
    # each, so the photo is ready before the second is (10 minutes, ~2.7 s each, raced the photo)
    fake.add_media("fifteen-minutes", silent_voice_note(880), "audio", "audio/ogg; codecs=opus")
    fake.add_media("photo", jpeg((800, 600)), "image", "image/jpeg")
    heavy = [f"HEAVY{uuid.uuid4().hex[:10].upper()}" for _ in range(3)]
    for wa_id in heavy:
        payload = fake.webhook("messages-upsert-ptt-voice-note.json", "fifteen-minutes", id=wa_id)
        assert post(member_a.webhook_url(live), payload).status_code == 200
    member_b = make_member("other", None, django_user_model)
    _wait(lambda: _status(heavy[0]) == Attachment.Status.PROCESSING, 30)  # tenant A's first is running
    photo_id = f"PHOTO{uuid.uuid4().hex[:10].upper()}"
    posted = time.monotonic()
    assert (
        post(
            member_b.webhook_url(live),
            fake.webhook("messages-upsert-image-caption.json", "photo", id=photo_id),
        ).status_code
        == 200
    )
    _wait(lambda: _status(photo_id) == Attachment.Status.READY, 30)
    waited = time.monotonic() - posted
    unfinished = [wa_id for wa_id in heavy if _status(wa_id) != Attachment.Status.READY]
    # With two workers, the second recording can finish while the photo is being processed: the
    # photo must not wait for all of them, and not for long.
    assert len(unfinished) >= 1, unfinished
    assert waited < 5, f"the other tenant's photo waited {waited:.1f} s behind tenant A's recordings"
    for wa_id in heavy:  # and tenant A's get done too, in their turn
        _wait(lambda wa_id=wa_id: _status(wa_id) == Attachment.Status.READY, 120)


def _status(wa_id: str) -> str | None:
    return Attachment.objects.filter(message__wa_message_id=wa_id).values_list("status", flat=True).first()


def _wait(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)
