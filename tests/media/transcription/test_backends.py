"""The transcription backends (media.transcription.backends), the fake server's checks, and how
/readyz reports the optional part."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from chatmedia.media.transcription import backends
from tests.media import corpus

OGG = corpus.tone("ogg", "libopus", seconds=0.5)


def _post(fake, files, data, key=True):
    headers = {"Authorization": f"Bearer {fake.state.api_key}"} if key else {}
    return httpx.post(f"{fake.url}/audio/transcriptions", files=files, data=data, headers=headers)


@pytest.mark.parametrize(
    ("files", "data", "status", "param"),
    [
        ({"file": ("audio.ogg", OGG, "audio/ogg")}, {}, 400, "model"),
        ({"note": ("audio.ogg", OGG, "audio/ogg")}, {"model": "whisper-1"}, 400, "file"),
        ({"file": ("audio.amr", OGG, "audio/amr")}, {"model": "whisper-1"}, 400, "file"),
        ({"file": ("audio.mp3", OGG, "audio/mpeg")}, {"model": "whisper-1"}, 400, "file"),  # not MP3 inside
        (
            {"file": ("audio.ogg", OGG, "audio/ogg")},
            {"model": "whisper-1", "language": "pt-BR"},
            400,
            "language",
        ),
        (
            {"file": ("audio.ogg", OGG, "audio/ogg")},
            {"model": "whisper-1", "response_format": "xml"},
            400,
            "response_format",
        ),
    ],
)
def test_the_fake_refuses_what_openai_refuses(transcription, files, data, status, param):
    answer = _post(transcription, files, data)
    assert answer.status_code == status and answer.json()["error"]["param"] == param


def test_the_fake_wants_the_key_and_a_multipart_body(transcription):
    assert (
        _post(transcription, {"file": ("a.ogg", OGG, "audio/ogg")}, {"model": "m"}, key=False).status_code
        == 401
    )
    answer = httpx.post(
        f"{transcription.url}/audio/transcriptions",
        json={"model": "m"},
        headers={"Authorization": f"Bearer {transcription.state.api_key}"},
    )
    assert answer.status_code == 400 and "multipart/form-data" in answer.json()["error"]["message"]
    good = _post(
        transcription, {"file": ("a.ogg", OGG, "audio/ogg")}, {"model": "m", "response_format": "text"}
    )
    assert good.status_code == 200 and good.text == transcription.state.default_text


def _audio(tmp_path) -> backends.Audio:
    path = tmp_path / "audio"
    path.write_bytes(OGG)
    return backends.Audio(str(path), "audio/ogg")


def test_the_client_sends_the_documented_request_and_reads_the_text(transcription, tmp_path):
    client = backends.OpenAICompatible(transcription.url, transcription.state.api_key, "large-v3", "", 5)
    transcription.state.text_for[hashlib.sha256(OGG).hexdigest()] = "Bom dia!"
    assert client.transcribe(_audio(tmp_path)) == backends.Transcript("Bom dia!")
    assert transcription.requests[-1]["fields"] == {"model": "large-v3", "response_format": "json"}
    # A full endpoint URL is taken as it is.
    assert backends.OpenAICompatible(
        f"{transcription.url}/audio/transcriptions", "", "m", "", 5
    ).endpoint == (f"{transcription.url}/audio/transcriptions")


def test_answers_that_are_not_a_transcript_are_refusals_or_worth_a_retry(tmp_path, httpserver_answers):
    for status, body, expected in [
        (302, b"", backends.Refusal),  # a redirect is not followed anywhere
        (200, b"<html>", backends.Refusal),
        (200, b'{"text": 5}', backends.Refusal),
        (404, b'{"error": {"message": "The model `x` does not exist"}}', backends.Refusal),
        (503, b"", backends.Unavailable),
        (429, b"", backends.Unavailable),
    ]:
        url = httpserver_answers(status, body)
        with pytest.raises(expected) as raised:
            backends.OpenAICompatible(url, "k", "x", "pt", 5).transcribe(_audio(tmp_path))
        if status == 404:
            assert "The model `x` does not exist" in raised.value.reason
    with pytest.raises(backends.Unavailable, match="could not be reached"):
        backends.OpenAICompatible("http://127.0.0.1:9/v1", "k", "x", "pt", 5).transcribe(_audio(tmp_path))


@pytest.fixture
def httpserver_answers():
    """`answers(status, body)`: the URL of a one-route server that answers so."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    servers = []

    def make(status: int, body: bytes) -> str:
        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(status)
                if status == 302:
                    self.send_header("Location", "http://169.254.169.254/latest/meta-data/")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/v1"

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


def test_readyz_says_off_on_or_degraded_and_stays_200(client, db, settings, transcription, tmp_path):
    settings.TRANSCRIPTION_URL = ""
    settings.TRANSCRIPTION_ENABLED = False
    body = client.get("/readyz").json()
    assert body["optional"]["transcription"] == {"ok": True, "state": "off"} and body["status"] == "ok"
    settings.TRANSCRIPTION_URL, settings.TRANSCRIPTION_ENABLED = transcription.url, True
    body = client.get("/readyz").json()
    assert body["optional"]["transcription"]["ok"] and body["status"] == "ok"
    settings.TRANSCRIPTION_URL = "http://127.0.0.1:9/v1"  # nothing listens there
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.json()["status"] == "degraded"
    assert answer.json()["degraded"] == ["transcription"]
    assert "unreachable" in answer.json()["optional"]["transcription"]["error"]
    # A local model directory without a model: degraded, and the reason names what is missing.
    settings.TRANSCRIPTION_URL, settings.TRANSCRIPTION_MODEL_DIR = "", str(tmp_path)
    part = client.get("/readyz").json()["optional"]["transcription"]
    assert part["backend"] == "faster-whisper" and not part["ok"] and "model.bin" in part["error"]
    with pytest.raises(backends.Refusal, match=r"model\.bin"):
        backends.LocalWhisper(str(tmp_path), "pt").transcribe(_audio(tmp_path))
