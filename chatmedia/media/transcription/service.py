"""A recording's transcript: asked for, made once, stored, searchable; failures are a state.

`mark_pending` / `request` ask (the pipeline, an agent), `transcribe` makes it (the body of the
`media.transcribe` task, which retries `backends.Unavailable`), `give_up` records why not,
`requeue_stale` asks again for transcripts whose task was lost (media.housekeeping).
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from chatmedia import jobs
from chatmedia.chat.models import Attachment, Rendition
from chatmedia.errors import Refused
from chatmedia.media import kinds
from chatmedia.media.storage import media_storage
from chatmedia.media.transcription import backends
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

TASK = "media.transcribe"
# How many lost transcripts one housekeeping run asks for again (the next run takes the rest).
REQUEUE_BATCH = 500
PENDING, DONE, FAILED = (
    Attachment.Transcript.PENDING,
    Attachment.Transcript.DONE,
    Attachment.Transcript.FAILED,
)


def wanted(attachment: Attachment) -> bool:
    """Transcription is on and this is a recording of a kind that is transcribed."""
    return settings.TRANSCRIPTION_ENABLED and attachment.category in kinds.TRANSCRIBES


def mark_pending(attachment: Attachment) -> None:
    """Set the attachment's transcript `pending` (the caller saves it) and queue the task once the
    caller's transaction commits."""
    attachment.transcript_status = PENDING
    attachment.transcript_error_code = attachment.transcript_error = ""
    attachment.transcript_requested_at = timezone.now()
    jobs.after_commit(TASK, str(attachment.pk))


def request(attachment: Attachment) -> None:
    """An agent asks (again) for a ready recording's transcript; a clear refusal otherwise."""
    if not settings.TRANSCRIPTION_ENABLED:
        raise Refused(409, "transcription_off", "Transcription is not configured on this server.")
    if attachment.category not in kinds.TRANSCRIBES:
        raise Refused(409, "not_a_recording", "Only voice notes and audio files are transcribed.")
    if attachment.status != Attachment.Status.READY:
        raise Refused(409, "not_ready", "The recording is not ready yet.")
    if attachment.message_id and attachment.message.deleted_at is not None:
        raise Refused(409, "deleted", "The message was deleted.")
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().get(pk=attachment.pk)
        if locked.transcript_status == PENDING:
            return
        mark_pending(locked)
        locked.save(
            update_fields=["transcript_status", "transcript_error", "transcript_requested_at", "updated_at"]
        )
        events.attachment_changed(locked)


def transcribe(attachment_id) -> str:
    """Make the transcript of a pending recording, once; the outcome as a word. Raises
    `backends.Unavailable` for the task to retry; anything permanent is recorded (`give_up`)."""
    attachment = Attachment.objects.select_related("original", "message").filter(pk=attachment_id).first()
    if attachment is None or attachment.transcript_status != PENDING:
        return "gone" if attachment is None else "not pending"
    if attachment.status != Attachment.Status.READY or (
        attachment.message_id and attachment.message.deleted_at is not None
    ):
        give_up(attachment_id, "not_available", "the recording is no longer available")
        return "failed"
    backend = backends.configured()
    try:
        if backend is None:
            raise backends.Refusal("transcription_off", "transcription was switched off")
        key, mime_type = _source(attachment)
        with tempfile.TemporaryDirectory(prefix="chatmedia-transcribe-") as scratch:
            path = os.path.join(scratch, "audio")
            with media_storage().open(key) as stored, open(path, "wb") as local:
                shutil.copyfileobj(stored, local, settings.MEDIA_STREAM_CHUNK_BYTES)
            made = backend.transcribe(backends.Audio(path, mime_type))
    except backends.Refusal as refusal:
        give_up(attachment_id, refusal.code, refusal.reason)
        return "failed"
    _store(attachment_id, made)
    return "done"


def _source(attachment: Attachment) -> tuple[str, str]:
    """The stored file to send (its key and type): the original when the API takes its format and
    size, else the `playback` copy (AAC in M4A). Refuses what is too long or too large."""
    seconds = (attachment.metadata or {}).get("duration")
    if isinstance(seconds, int | float) and seconds > settings.TRANSCRIPTION_MAX_SECONDS:
        raise backends.Refusal(
            "too_long",
            f"the recording lasts {_duration(seconds)}; transcripts are made of recordings up to "
            f"{_duration(settings.TRANSCRIPTION_MAX_SECONDS)}",
        )
    candidates = [(attachment.original, attachment.mime_type)]
    playback = (
        Rendition.objects.filter(attachment=attachment, variant="playback").select_related("blob").first()
    )
    if playback is not None:
        candidates.append((playback.blob, playback.blob.content_type))
    fits = [(blob, mime) for blob, mime in candidates if mime in backends.ACCEPTED_TYPES]
    if not fits:
        raise backends.Refusal(
            "unsupported_type", f"recordings of type {attachment.mime_type} cannot be transcribed"
        )
    small = [(blob, mime) for blob, mime in fits if blob.size <= settings.TRANSCRIPTION_MAX_BYTES]
    if not small:
        raise backends.Refusal(
            "too_large",
            f"transcripts are made of files up to {settings.TRANSCRIPTION_MAX_BYTES // 1_000_000} MB",
        )
    blob, mime_type = small[0]
    return blob.storage_key, mime_type


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _cut(text: str) -> str:
    """The transcript's text, trimmed, at most TRANSCRIPTION_TEXT_MAX_CHARS (cut at a word)."""
    text = text.strip()
    limit = settings.TRANSCRIPTION_TEXT_MAX_CHARS
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0] if " " in text[:limit] else text[:limit]
    return cut.rstrip() + "…"


def _store(attachment_id, made: backends.Transcript) -> None:
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.transcript_status != PENDING:
            return
        if attachment.original_id is None:  # deleted for everyone while it was being transcribed
            return
        metadata = {**attachment.metadata, "transcript": _cut(made.text)}
        if made.language:
            metadata["transcript_language"] = made.language[:16]
        attachment.metadata = metadata
        attachment.transcript_status = DONE
        attachment.save(update_fields=["metadata", "transcript_status", "updated_at"])
        events.attachment_changed(attachment)  # search reindexes it on save (chat.search)
    logger.info(
        "transcript made (%d chars)", len(metadata["transcript"]), extra={"attachment": str(attachment_id)}
    )


def give_up(attachment_id, code: str, reason: str) -> None:
    """The transcript is `failed` with a machine code and a human reason."""
    with transaction.atomic():
        attachment = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if attachment is None or attachment.transcript_status != PENDING:
            return
        attachment.transcript_status = FAILED
        attachment.transcript_error_code = code[:64]
        attachment.transcript_error = reason[:300]
        attachment.save(
            update_fields=["transcript_status", "transcript_error_code", "transcript_error", "updated_at"]
        )
        events.attachment_changed(attachment)
    logger.info(
        "transcript failed: %s: %s",
        code,
        reason,
        extra={"attachment": str(attachment_id), "error_code": code},
    )


def requeue_stale() -> int:
    """Queue again transcripts still pending TRANSCRIPTION_STALE_SECONDS after they were asked for
    (a task lost with a broker or a worker); how many."""
    if not settings.TRANSCRIPTION_ENABLED:
        return 0
    before = timezone.now() - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS)
    stale = list(
        Attachment.objects.filter(transcript_status=PENDING, transcript_requested_at__lt=before).values_list(
            "pk", flat=True
        )[:REQUEUE_BATCH]
    )
    for pk in stale:
        Attachment.objects.filter(pk=pk, transcript_status=PENDING).update(
            transcript_requested_at=timezone.now()
        )
        jobs.after_commit(TASK, str(pk))
    return len(stale)
