"""A fake OpenAI-compatible transcription server on 127.0.0.1, for tests and `make run`.

It checks `POST /v1/audio/transcriptions` the way OpenAI's API reference documents it
(platform.openai.com/docs/api-reference/audio/createTranscription), which faster-whisper-server
(speaches), whisper.cpp's server and LocalAI follow:
- `Authorization: Bearer <key>` when the fake has a key (else 401, `invalid_api_key`);
- `multipart/form-data` with a `file` part whose file name carries one of the documented formats
  (flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm) and whose bytes are that format (checked by
  their magic), at most 25 MB (else 413); a `model` (required); `language` ISO-639-1 when given;
  `response_format` json (default), text or verbose_json;
- errors in OpenAI's shape: `{"error": {"message", "type", "param", "code"}}`.
The text it "hears" is `text_for[sha256 of the file]`, else `default_text`. Faults on demand
(`fail("5xx" | "429" | "401" | "timeout", times)`), and every request is recorded (`requests`).

Control API (never part of OpenAI's): `POST /__fake/fail {mode, times}`, `POST /__fake/clear` (no
more faults), `POST /__fake/text {text}` (what it hears from now on), `GET /__fake/requests`.
`python -m tools.fake_transcription [--port P]` runs it alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MAX_BYTES = 25 * 1024 * 1024  # OpenAI: "File uploads are currently limited to 25 MB"
RESPONSE_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
DEFAULT_TEXT = "Oi, aqui é a Maria. Queria saber se o meu pedido já saiu para entrega, obrigada!"


def _magic_ok(extension: str, data: bytes) -> bool:
    """Whether the bytes are of the format the file name says."""
    if extension == "ogg":
        return data.startswith(b"OggS")
    if extension in ("m4a", "mp4"):
        return data[4:8] == b"ftyp"
    if extension in ("mp3", "mpeg", "mpga"):
        return data.startswith(b"ID3") or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)
    if extension == "wav":
        return data.startswith(b"RIFF") and data[8:12] == b"WAVE"
    if extension == "webm":
        return data.startswith(b"\x1a\x45\xdf\xa3")
    if extension == "flac":
        return data.startswith(b"fLaC")
    return False


@dataclass
class TranscriptionState:
    api_key: str = "sk-fake-transcription-key"
    default_text: str = DEFAULT_TEXT
    text_for: dict[str, str] = field(default_factory=dict)
    faults: list[str] = field(default_factory=list)
    requests: list[dict] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(fake: FakeTranscription):
    state = fake.state

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload) -> None:
            self._send(status, json.dumps(payload, ensure_ascii=False).encode())

        def _error(self, status: int, message: str, kind: str, param: str | None = None, code=None) -> None:
            self._json(status, {"error": {"message": message, "type": kind, "param": param, "code": code}})

        def do_GET(self):
            if self.path == "/__fake/requests":
                with state.lock:
                    return self._json(200, list(state.requests))
            self._send(404, b"")

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BYTES + 64 * 1024:
                self.rfile.read(length)
                return self._error(
                    413, f"Maximum content size limit ({MAX_BYTES}) exceeded.", "invalid_request_error"
                )
            body = self.rfile.read(length)
            path = self.path.split("?")[0]
            if path.startswith("/__fake/"):
                return self._control(path.removeprefix("/__fake/"), json.loads(body or b"{}"))
            if path != "/v1/audio/transcriptions":
                return self._error(404, f"Invalid URL (POST {path})", "invalid_request_error")
            self._transcribe(body)

        def _control(self, action: str, request: dict):
            if action == "fail":
                fake.fail(str(request["mode"]), int(request.get("times", 1)))
                return self._json(200, {"faults": list(state.faults)})
            if action == "clear":
                with state.lock:
                    state.faults.clear()
                return self._json(200, {"faults": []})
            if action == "text":
                state.default_text = str(request["text"])
                return self._json(200, {"text": state.default_text})
            self._send(404, b"")

        def _fault(self) -> bool:
            with state.lock:
                mode = state.faults.pop(0) if state.faults else None
            if mode == "5xx":
                self._error(500, "The server had an error while processing your request.", "server_error")
            elif mode == "429":
                self._error(429, "Rate limit reached for requests.", "requests", code="rate_limit_exceeded")
            elif mode == "401":
                self._error(
                    401, "Incorrect API key provided.", "invalid_request_error", code="invalid_api_key"
                )
            elif mode == "timeout":
                time.sleep(fake.stall_seconds)
                return True
            return mode is not None

        def _transcribe(self, body: bytes):
            if state.api_key and self.headers.get("Authorization") != f"Bearer {state.api_key}":
                return self._error(
                    401, "Incorrect API key provided.", "invalid_request_error", code="invalid_api_key"
                )
            record = {"at": time.time(), "authorization": bool(self.headers.get("Authorization"))}
            with state.lock:
                state.requests.append(record)
            if self._fault():
                record["fault"] = True
                return
            content_type = self.headers.get("Content-Type", "")
            if not re.match(r"multipart/form-data;\s*boundary=", content_type):
                return self._error(
                    400, "Invalid Content-Type header: expected multipart/form-data", "invalid_request_error"
                )
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
            )
            fields, file = {}, None
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "file":
                    file = (part.get_filename() or "", part.get_content_type(), part.get_payload(decode=True))
                elif name:
                    fields[name] = part.get_content()
            record.update(fields=fields)
            if file is None:
                return self._error(400, "you must provide a file parameter", "invalid_request_error", "file")
            file_name, part_type, data = file
            extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
            record.update(
                file_name=file_name,
                part_type=part_type,
                size=len(data),
                sha256=hashlib.sha256(data).hexdigest(),
            )
            if not fields.get("model"):
                return self._error(
                    400, "you must provide a model parameter", "invalid_request_error", "model"
                )
            formats = ("flac", "m4a", "mp3", "mp4", "mpeg", "mpga", "oga", "ogg", "wav", "webm")
            if extension not in formats or not _magic_ok("ogg" if extension == "oga" else extension, data):
                return self._error(
                    400,
                    f"Invalid file format. Supported formats: {list(formats)}",
                    "invalid_request_error",
                    "file",
                )
            language = fields.get("language")
            if language is not None and not re.fullmatch(r"[a-z]{2}", language):
                return self._error(
                    400, f"Invalid language '{language}'. Language parameter must be specified in "
                    "ISO-639-1 format.", "invalid_request_error", "language"
                )  # fmt: skip
            response_format = fields.get("response_format", "json")
            if response_format not in RESPONSE_FORMATS:
                return self._error(
                    400,
                    f"Invalid response_format '{response_format}'",
                    "invalid_request_error",
                    "response_format",
                )
            text = state.text_for.get(record["sha256"], state.default_text)
            record["ok"] = True
            if response_format == "text":
                return self._send(200, text.encode(), "text/plain; charset=utf-8")
            answer = {"text": text, "usage": {"type": "duration", "seconds": 5}}
            if response_format == "verbose_json":
                answer |= {"task": "transcribe", "language": "portuguese", "duration": 5.0, "segments": []}
            self._json(200, answer)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeTranscription:
    def __init__(self, port: int = 0):
        self.state = TranscriptionState()
        self.stall_seconds = 3.0
        self.server = _QuietServer(("127.0.0.1", port), _handler(self))

    @property
    def url(self) -> str:
        """The API base, as TRANSCRIPTION_URL takes it."""
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeTranscription:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.state.lock:
            self.state.default_text = DEFAULT_TEXT
            self.state.text_for.clear()
            self.state.faults.clear()
            self.state.requests.clear()

    def fail(self, mode: str, times: int = 1) -> None:
        with self.state.lock:
            self.state.faults.extend([mode] * times)

    @property
    def requests(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.requests)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    with FakeTranscription(args.port) as fake:
        print(f"fake transcription server at {fake.url} (key {fake.state.api_key})", flush=True)
        threading.Event().wait()


if __name__ == "__main__":
    main()
