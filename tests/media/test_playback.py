"""Browser-ready copies of customers' videos (media.playback): an iPhone's HEVC gets an H.264
`playback` rendition that every browser plays, served from its signed URL; an H.264 video needs
none; one too long to convert keeps its poster and says why."""

from __future__ import annotations

import io

import av
import pytest

from chatmedia.chat.models import Attachment, Rendition
from chatmedia.chat.serializers import AttachmentSerializer
from chatmedia.media import playback, tasks
from chatmedia.media.processing import pipeline
from chatmedia.media.serving import catalog
from chatmedia.media.storage import media_storage
from tests.media import corpus


@pytest.fixture
def queued_playbacks(monkeypatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(tasks.make_playback, "delay", lambda attachment_id: asked.append(attachment_id))
    return asked


def _incoming_video(pending, data: bytes, capture) -> Attachment:
    attachment = pending("video", file_name="IMG_0001.MOV")
    with capture(execute=True):
        done = pipeline.process(attachment.pk, io.BytesIO(data))
    assert done.status == Attachment.Status.READY, done.error_message
    return done


def test_an_iphone_hevc_video_gets_an_h264_copy_the_player_uses(
    pending, queued_playbacks, world_a, published, django_capture_on_commit_callbacks
):
    video = _incoming_video(
        pending, corpus.movie("mov", "libx265", "aac", rotation=90), django_capture_on_commit_callbacks
    )
    assert video.metadata["codec"] == "hevc" and queued_playbacks == [str(video.pk)]
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.make_playback.apply(args=[str(video.pk)]).get() == "done"
    copy = Rendition.objects.select_related("blob").get(attachment=video, variant="playback")
    assert copy.blob.content_type == "video/mp4" and (copy.width, copy.height) == (360, 640)
    urls = AttachmentSerializer(Attachment.objects.get(pk=video.pk)).data["urls"]
    assert set(urls) == {"original", "poster", "thumb", "playback"}
    served = catalog.resolve(world_a.tenant.id, video.pk, "playback")  # what /media/…/playback serves
    assert served.content_type == "video/mp4" and served.storage_key == copy.blob.storage_key
    with media_storage().open(served.storage_key) as body, av.open(body) as container:
        assert container.streams.video[0].codec_context.name == "h264"
        assert container.streams.audio[0].codec_context.name == "aac"
    told = [d["attachment"] for e, d in published if e == "attachment.ready"]
    assert "playback" in told[-1]["urls"]  # the open chat switches to it
    assert tasks.make_playback.apply(args=[str(video.pk)]).get() == "done already"


def test_a_video_browsers_play_needs_no_copy(pending, queued_playbacks, django_capture_on_commit_callbacks):
    video = _incoming_video(
        pending, corpus.movie("mp4", "libx264", "aac"), django_capture_on_commit_callbacks
    )
    assert video.metadata["codec"] == "h264" and not playback.wanted(video) and queued_playbacks == []


def test_one_too_long_to_convert_keeps_its_poster_and_says_why(
    pending, queued_playbacks, settings, django_capture_on_commit_callbacks
):
    settings.VIDEO_PLAYBACK_MAX_SECONDS = 1
    video = _incoming_video(pending, corpus.movie("mov", "libx265"), django_capture_on_commit_callbacks)
    assert tasks.make_playback.apply(args=[str(video.pk)]).get() == "failed"
    video.refresh_from_db()
    assert "converted up to" in video.metadata["playback_error"]
    assert not Rendition.objects.filter(attachment=video, variant="playback").exists()
    assert Rendition.objects.filter(attachment=video, variant="poster").exists()
