"""Browser-ready copies of customers' videos: an iPhone's HEVC, a camera's ProRes, a 10-bit clip play
with sound only (or not at all) in Chromium and Firefox, so such a video gets an H.264 + AAC MP4
`playback` rendition that every browser plays, and the web chat plays that.

`wanted(attachment)` — a ready video whose analysis (`metadata.codec`, `pixel_format`) says browsers
cannot play it, without a playback copy yet. The pipeline then queues `media.make_playback`
(queue `media_slow`: a conversion takes as long as the video, and must not hold up incoming media).
`make(attachment_id)` — the task's body: the stored original converted in the isolated process
(`conversion.make_browser_copy`: the transcode budgets, at most VIDEO_PLAYBACK_MAX_SECONDS), stored
content-addressed as the `playback` rendition; the browsers are told (`attachment.ready` with the
new URL). A video that cannot be converted keeps its poster and download, and says why in
`metadata.playback_error`. Idempotent.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile

from django.conf import settings
from django.db import transaction

from chatmedia import jobs
from chatmedia.chat.models import Attachment, Rendition
from chatmedia.media.policy import MediaPolicy
from chatmedia.media.processing import conversion
from chatmedia.media.serving import cache
from chatmedia.media.storage import media_storage
from chatmedia.media.storage.blobs import settle, store_blob
from chatmedia.realtime import events

logger = logging.getLogger(__name__)

TASK = "media.make_playback"


def wanted(attachment: Attachment, policy: MediaPolicy | None = None) -> bool:
    if attachment.category != Attachment.Category.VIDEO or attachment.status != Attachment.Status.READY:
        return False
    return not (policy or MediaPolicy.from_settings()).browser_plays(attachment.metadata or {})


def queue_if_wanted(attachment: Attachment) -> None:
    """After the caller's commit: the copy, when this video needs one."""
    if wanted(attachment):
        jobs.after_commit(TASK, str(attachment.pk))


def make(attachment_id) -> str:
    attachment = Attachment.objects.select_related("tenant", "original").filter(pk=attachment_id).first()
    if attachment is None or attachment.original is None or not wanted(attachment):
        return "not wanted"
    if Rendition.objects.filter(attachment=attachment, variant="playback").exists():
        return "done already"
    with tempfile.TemporaryDirectory(prefix="chatmedia-playback-") as scratch:
        source = os.path.join(scratch, "original")
        with media_storage().open(attachment.original.storage_key) as stored, open(source, "wb") as local:
            shutil.copyfileobj(stored, local, settings.MEDIA_STREAM_CHUNK_BYTES)
        made = conversion.make_browser_copy(source, MediaPolicy.from_settings(), scratch)
        if made.refusal is not None:
            _record_failure(attachment_id, made.refusal.message)
            return "failed"
        with open(made.file.path, "rb") as file:
            blob = store_blob(attachment.tenant, file, made.file.mime_type)
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if locked is None or locked.original_id is None:  # deleted meanwhile: the blob is an orphan
            return "gone"
        Rendition.objects.update_or_create(
            attachment=locked,
            variant="playback",
            defaults={"blob": blob, "width": made.file.width, "height": made.file.height},
        )
        settle(blob)
        events.attachment_changed(locked)
        transaction.on_commit(lambda: cache.forget_attachment(attachment_id), robust=True)
    logger.info("playback copy made (%d bytes)", blob.size, extra={"attachment": str(attachment_id)})
    return "done"


def _record_failure(attachment_id, reason: str) -> None:
    with transaction.atomic():
        locked = Attachment.objects.select_for_update().filter(pk=attachment_id).first()
        if locked is None:
            return
        locked.metadata = {**locked.metadata, "playback_error": reason[:300]}
        locked.save(update_fields=["metadata", "updated_at"])
        events.attachment_changed(locked)
    logger.info("no playback copy: %s", reason, extra={"attachment": str(attachment_id)})
