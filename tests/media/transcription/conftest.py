"""Shared by the transcription tests: a real voice note processed by the pipeline, and running
the `media.transcribe` task here."""

from __future__ import annotations

import io

import pytest

from chatmedia.chat.models import Attachment, Message
from chatmedia.media import tasks
from chatmedia.media.processing import pipeline
from tests.media import corpus


@pytest.fixture
def queued_transcripts(monkeypatch) -> list[str]:
    asked: list[str] = []
    monkeypatch.setattr(tasks.transcribe, "delay", lambda attachment_id: asked.append(attachment_id))
    return asked


@pytest.fixture
def voice_note(world_a, queued_transcripts, django_capture_on_commit_callbacks):
    """A real Opus voice note, in a message of its own, processed by the pipeline (transcription
    on when the test says)."""

    def make(category="voice", data=None) -> Attachment:
        message = Message.objects.create(
            tenant=world_a.tenant, conversation=world_a.conversation, direction="in", status="delivered"
        )
        attachment = Attachment.objects.create(
            tenant=world_a.tenant,
            conversation=world_a.conversation,
            message=message,
            category=category,
            status=Attachment.Status.PROCESSING,
        )
        with django_capture_on_commit_callbacks(execute=True):
            done = pipeline.process(attachment.pk, io.BytesIO(data or corpus.tone("ogg", "libopus")))
        assert done.status == Attachment.Status.READY, done.error_message
        return done

    return make


def run(attachment, capture) -> str:
    with capture(execute=True):
        return tasks.transcribe.apply(args=[str(attachment.pk)]).get()
