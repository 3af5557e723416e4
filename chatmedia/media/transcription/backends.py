"""Who turns a recording into text: an OpenAI-compatible HTTP API, or a local faster-whisper model.

Each backend has `transcribe(Audio) -> Transcript` and raises `Unavailable` (worth retrying: the
server down, timing out, busy, 5xx) or `Refusal` (it will not work for this file or this setup: a
bad key, a format, a model missing). `configured()` is the backend the settings name, or None.
"""

from __future__ import annotations

import logging
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

# /readyz's look at the transcription server: a TCP connect, this long at most.
PROBE_TIMEOUT_SECONDS = 1.0

# The formats OpenAI's API documents for `file` (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm),
# by the type `sniff` names, with the extension the file name must carry (the format is told by it).
ACCEPTED_TYPES: dict[str, str] = {
    "audio/ogg": "ogg",
    "audio/mpeg": "mp3",
    "audio/mp4": "m4a",
    "audio/wav": "wav",
    "audio/webm": "webm",
    "audio/flac": "flac",
}


@dataclass(frozen=True)
class Audio:
    path: str
    mime_type: str  # one of ACCEPTED_TYPES


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str = ""


class Unavailable(Exception):
    """Transient: the same request may work later."""


class Refusal(Exception):
    """Permanent for this file or this configuration: `code` and a human `reason`."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code, self.reason = code, reason


class OpenAICompatible:
    """`POST <TRANSCRIPTION_URL>/audio/transcriptions`, multipart/form-data as OpenAI documents it:
    `file` (named with its format's extension), `model`, `language` (ISO-639-1), `response_format`
    json → `{"text": …}`."""

    def __init__(self, url: str, api_key: str, model: str, language: str, timeout: float) -> None:
        self.endpoint = url if url.endswith("/audio/transcriptions") else f"{url}/audio/transcriptions"
        self.api_key, self.model, self.language, self.timeout = api_key, model, language, timeout

    def transcribe(self, audio: Audio) -> Transcript:
        fields = {"model": self.model, "response_format": "json"}
        if self.language:
            fields["language"] = self.language
        headers = {"Authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        name = f"audio.{ACCEPTED_TYPES[audio.mime_type]}"
        try:
            with (
                open(audio.path, "rb") as file,
                httpx.Client(timeout=self.timeout, follow_redirects=False, trust_env=False) as client,
            ):
                answer = client.post(
                    self.endpoint,
                    data=fields,
                    files={"file": (name, file, audio.mime_type)},
                    headers=headers,
                )
        except httpx.TimeoutException as exc:
            raise Unavailable(f"the transcription server did not answer in {self.timeout:g} s") from exc
        except httpx.TransportError as exc:
            raise Unavailable(
                f"the transcription server could not be reached ({type(exc).__name__})"
            ) from exc
        return self._read(answer)

    def _read(self, answer: httpx.Response) -> Transcript:
        status = answer.status_code
        if status in (408, 409, 425, 429) or status >= 500:
            raise Unavailable(f"the transcription server answered {status}")
        if status in (401, 403):
            raise Refusal("transcription_auth", f"the transcription server refused our key ({status})")
        if status != 200:
            raise Refusal(
                "transcription_refused",
                f"the transcription server refused the file ({status}: {_message(answer)})",
            )
        try:
            body = answer.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("text"), str):
            raise Refusal("transcription_bad_answer", "the transcription server's answer has no text")
        language = body.get("language")
        return Transcript(body["text"], language if isinstance(language, str) else "")

    def status(self) -> dict:
        """Whether the server's port takes a connection (no request: a probe costs nothing)."""
        target = urlsplit(self.endpoint)
        port = target.port or (443 if target.scheme == "https" else 80)
        state = {"backend": "openai-compatible", "model": self.model}
        try:
            socket.create_connection((target.hostname, port), timeout=PROBE_TIMEOUT_SECONDS).close()
        except OSError as exc:
            return {
                **state,
                "ok": False,
                "error": f"{target.hostname}:{port} unreachable ({type(exc).__name__})",
            }
        return {**state, "ok": True}


def _message(answer: httpx.Response) -> str:
    """The error's message in OpenAI's shape (`{"error": {"message": …}}`), short and one line."""
    try:
        error = answer.json().get("error")
        message = error.get("message") if isinstance(error, dict) else str(error or "")
    except (ValueError, AttributeError):
        message = answer.text
    return " ".join(str(message or answer.reason_phrase).split())[:160]


class LocalWhisper:
    """A faster-whisper model on this machine (CPU, int8), loaded once per process from
    TRANSCRIPTION_MODEL_DIR with `local_files_only`: nothing is downloaded."""

    _lock = threading.Lock()
    _models: dict[str, object] = {}

    def __init__(self, model_dir: str, language: str) -> None:
        self.model_dir, self.language = model_dir, language

    def problem(self) -> str:
        """Why this backend cannot work here, or ""."""
        if not (Path(self.model_dir) / "model.bin").is_file():
            return f"no faster-whisper model (model.bin) in TRANSCRIPTION_MODEL_DIR {self.model_dir}"
        try:
            import faster_whisper  # noqa: F401 - optional: pip install faster-whisper
        except ImportError:
            return "faster-whisper is not installed (pip install faster-whisper)"
        return ""

    def _model(self):
        with self._lock:
            if self.model_dir not in self._models:
                from faster_whisper import WhisperModel

                self._models[self.model_dir] = WhisperModel(
                    self.model_dir, device="cpu", compute_type="int8", local_files_only=True
                )
            return self._models[self.model_dir]

    def transcribe(self, audio: Audio) -> Transcript:
        problem = self.problem()
        if problem:
            raise Refusal("transcription_unavailable", problem)
        segments, info = self._model().transcribe(audio.path, language=self.language or None)
        text = " ".join(segment.text.strip() for segment in segments)
        return Transcript(text, getattr(info, "language", "") or "")

    def status(self) -> dict:
        problem = self.problem()
        return {"backend": "faster-whisper", "ok": not problem, **({"error": problem} if problem else {})}


def configured() -> OpenAICompatible | LocalWhisper | None:
    """The backend the settings name (a URL wins over a model directory), or None (off)."""
    if settings.TRANSCRIPTION_URL:
        return OpenAICompatible(
            settings.TRANSCRIPTION_URL,
            settings.TRANSCRIPTION_API_KEY,
            settings.TRANSCRIPTION_MODEL,
            settings.TRANSCRIPTION_LANGUAGE,
            settings.TRANSCRIPTION_TIMEOUT_SECONDS,
        )
    if settings.TRANSCRIPTION_MODEL_DIR:
        return LocalWhisper(settings.TRANSCRIPTION_MODEL_DIR, settings.TRANSCRIPTION_LANGUAGE)
    return None


def status() -> dict:
    """For /readyz: off, or which backend and whether it can work."""
    backend = configured()
    return {"ok": True, "state": "off"} if backend is None else {"state": "on", **backend.status()}
