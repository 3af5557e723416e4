"""Voice-note and audio transcription (optional): a recording that became `ready` gets its text.

Off unless TRANSCRIPTION_URL (an OpenAI-compatible `POST <url>/audio/transcriptions`: OpenAI,
faster-whisper-server/speaches, whisper.cpp's server, LocalAI) or TRANSCRIPTION_MODEL_DIR (a local
faster-whisper model, never downloaded at run time) is set. Then:

- `service.request` marks a recording's transcript `pending` and queues `media.transcribe` after the
  commit (the pipeline does it when a voice note or an audio file is ready; an agent may ask again);
- `service.transcribe` (the task's body) sends the stored recording — the original when the API
  takes its format, else our `playback` copy — and stores the text in `metadata["transcript"]`
  (`transcript_status` done), which search indexes and the browser is told about;
- a server that is down, slow or busy is retried (TRANSCRIPTION_MAX_RETRIES); a refusal (our key,
  a format, too long, too large) is `failed` with a reason, never an error page;
- `backends.status()` says for /readyz whether the configured backend can work.

The bytes go only to the server the operator configured; the API key is never logged.
"""
