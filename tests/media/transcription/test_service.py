"""Voice-note transcription (media.transcription) against the fake OpenAI-compatible server
(tools/fake_transcription.py), which checks the multipart request as OpenAI documents it."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chatmedia.chat import forward
from chatmedia.chat.models import Attachment
from chatmedia.media.transcription import service
from tests.connections import configure
from tests.media import corpus
from tests.media.transcription.conftest import run as _run

TEXT = "Oi, aqui é a Maria. Queria saber se o meu pedido já saiu para entrega, obrigada!"


def test_a_ready_voice_note_is_transcribed_searchable_and_told(
    transcription, voice_note, queued_transcripts, published, world_a, django_capture_on_commit_callbacks
):
    note = voice_note()
    assert note.transcript_status == "pending" and queued_transcripts == [str(note.pk)]
    assert _run(note, django_capture_on_commit_callbacks) == "done"
    note.refresh_from_db()
    assert note.transcript_status == "done" and note.metadata["transcript"] == TEXT
    # The request, as OpenAI's API reference has it.
    (request,) = transcription.requests
    assert request["authorization"] and request["ok"]
    assert request["fields"] == {"model": "whisper-1", "response_format": "json", "language": "pt"}
    assert (request["file_name"], request["part_type"]) == ("audio.ogg", "audio/ogg")
    assert request["sha256"] == note.original.sha256 and request["size"] == note.original.size
    # The browser is told, with the text and the state.
    told = [data["attachment"] for event, data in published if event == "attachment.ready"]
    assert told[-1]["metadata"]["transcript_status"] == "done" and told[-1]["metadata"]["transcript"] == TEXT
    # It is found by search, and in the API.
    found = world_a.client().get("/api/search/", {"q": "pedido entrega"}).json()
    assert [hit["message"] for hit in found] == [str(note.message_id)]
    message = world_a.client().get(f"/api/messages/{note.message_id}/").json()
    (served,) = [a for a in message["attachments"] if a["id"] == str(note.pk)]
    assert served["metadata"]["transcript_status"] == "done" and served["metadata"]["transcript"] == TEXT
    # A redelivered task does nothing more.
    assert _run(note, django_capture_on_commit_callbacks) == "not pending"
    assert len(transcription.requests) == 1


def test_off_nothing_is_asked_and_an_agent_is_told_why(voice_note, queued_transcripts, world_a, settings):
    settings.TRANSCRIPTION_ENABLED = False
    note = voice_note()
    assert note.transcript_status == "" and queued_transcripts == []
    answer = world_a.client().post(f"/api/attachments/{note.pk}/transcribe/")
    assert answer.status_code == 409 and answer.json()["error"]["code"] == "transcription_off"


def test_a_busy_or_failing_server_is_retried_then_failed_with_a_reason(
    transcription, voice_note, settings, django_capture_on_commit_callbacks
):
    note = voice_note()
    transcription.fail("5xx")
    transcription.fail("429")
    transcription.fail("timeout")
    assert _run(note, django_capture_on_commit_callbacks) == "done"  # the fourth try answers
    assert len(transcription.requests) == 4
    note.refresh_from_db()
    assert note.metadata["transcript"] == TEXT
    # Down through every retry: failed, with why; an agent may ask again, and then it works.
    again = voice_note()
    settings.TRANSCRIPTION_MAX_RETRIES = 2
    transcription.fail("5xx", times=3)
    assert _run(again, django_capture_on_commit_callbacks) == "failed"
    again.refresh_from_db()
    assert again.transcript_status == "failed"
    assert again.transcript_error == "the transcription server answered 500; ask again later"


def test_a_refused_key_fails_at_once(transcription, voice_note, settings, django_capture_on_commit_callbacks):
    settings.TRANSCRIPTION_API_KEY = "sk-wrong"
    note = voice_note()
    assert _run(note, django_capture_on_commit_callbacks) == "failed"
    note.refresh_from_db()
    assert note.transcript_error == "the transcription server refused our key (401)"
    assert transcription.requests == []  # refused before it was recorded as a transcription


def test_an_agent_asks_again_after_a_failure(
    transcription, voice_note, queued_transcripts, world_a, world_b, django_capture_on_commit_callbacks
):
    note = voice_note()
    service.give_up(
        note.pk, "transcription_unavailable", "the transcription server answered 500; ask again later"
    )
    served = world_a.client().get(f"/api/messages/{note.message_id}/").json()["attachments"][0]
    assert served["metadata"]["transcript_status"] == "failed"
    assert served["metadata"]["transcript_error"] == {
        "code": "transcription_unavailable",
        "message": "the transcription server answered 500; ask again later",
    }
    other = world_b.client().post(f"/api/attachments/{note.pk}/transcribe/")
    assert other.status_code == 404  # another tenant's recording is not there
    with django_capture_on_commit_callbacks(execute=True):
        answer = world_a.client().post(f"/api/attachments/{note.pk}/transcribe/")
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    assert queued_transcripts[-1] == str(note.pk)
    assert _run(note, django_capture_on_commit_callbacks) == "done"
    photo = world_a.attachment
    refused = world_a.client().post(f"/api/attachments/{photo.pk}/transcribe/")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "not_a_recording"


def test_too_long_deleted_or_unplayable_recordings_are_not_sent(
    transcription, voice_note, settings, django_capture_on_commit_callbacks
):
    settings.TRANSCRIPTION_MAX_SECONDS = 1
    long = voice_note(data=corpus.silent_voice_note(3))
    assert _run(long, django_capture_on_commit_callbacks) == "failed"
    long.refresh_from_db()
    assert long.transcript_error == "the recording lasts 3 s; transcripts are made of recordings up to 1 s"
    settings.TRANSCRIPTION_MAX_SECONDS = 600
    deleted = voice_note()
    type(deleted.message).objects.filter(pk=deleted.message_id).update(deleted_at=timezone.now())
    assert _run(deleted, django_capture_on_commit_callbacks) == "failed"
    # An AMR recording is sent as our playback copy (AAC in M4A), which the API takes.
    amr = voice_note("audio", corpus.tone("amr", "libopencore_amrnb", rate=8000))
    assert amr.mime_type == "audio/amr"
    assert _run(amr, django_capture_on_commit_callbacks) == "done"
    assert transcription.requests[-1]["file_name"] == "audio.m4a"
    assert len(transcription.requests) == 1


def test_a_long_transcript_is_cut_at_a_word(
    transcription, voice_note, settings, django_capture_on_commit_callbacks
):
    settings.TRANSCRIPTION_TEXT_MAX_CHARS = 30
    note = voice_note()
    _run(note, django_capture_on_commit_callbacks)
    note.refresh_from_db()
    assert note.metadata["transcript"] == "Oi, aqui é a Maria. Queria…"


def test_lost_tasks_are_asked_for_again(
    transcription, voice_note, queued_transcripts, django_capture_on_commit_callbacks, settings
):
    note = voice_note()
    queued_transcripts.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert service.requeue_stale() == 0  # just asked
    Attachment.objects.filter(pk=note.pk).update(
        transcript_requested_at=timezone.now() - timedelta(seconds=settings.TRANSCRIPTION_STALE_SECONDS + 1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert service.requeue_stale() == 1
    assert queued_transcripts == [str(note.pk)]


def test_a_forwarded_voice_note_keeps_its_transcript(
    transcription, voice_note, world_a, django_capture_on_commit_callbacks
):
    note = voice_note()
    _run(note, django_capture_on_commit_callbacks)
    configure(world_a.tenant, url="http://127.0.0.1:9", instance="loja", token="t")  # can send
    with django_capture_on_commit_callbacks(execute=False):
        (copy,) = forward.forward(world_a.tenant, [note.message_id], [world_a.conversation.pk])
    forwarded = copy.attachments.get()
    assert forwarded.transcript_status == "done" and forwarded.metadata["transcript"] == TEXT


def test_a_purged_recording_loses_its_transcript(
    transcription, voice_note, django_capture_on_commit_callbacks
):
    from chatmedia.chat import history

    note = voice_note()
    _run(note, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        history.purge_attachment_bytes(Attachment.objects.get(pk=note.pk))
    note.refresh_from_db()
    assert note.metadata == {} and note.transcript_status == "" and note.searchable_text == ""
