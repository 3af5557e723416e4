"""A fake of the WhatsApp side for development and tests: Evolution API + the WhatsApp media CDN.

One HTTP server on 127.0.0.1 that
- serves encrypted `.enc` media like the CDN (`GET <directPath>`), and profile pictures;
- answers the Evolution endpoints chatmedia calls, in the shapes of shared/spec/evolution-api.md and
  fixtures/evolution/: `POST /chat/getBase64FromMediaMessage/<instance>`,
  `/chat/fetchProfilePictureUrl/<instance>`, `/message/sendMedia/<instance>`,
  `/message/sendWhatsAppAudio/<instance>`; checks the `apikey` header (401 body of Evolution);
- records every call, and can be told to fail a route (5xx, timeout, 401, 404, wrong bytes).
The encrypted files are the independent test vectors of fixtures/wa-media (made by Baileys)
plus any media a test adds (encrypted here with chatmedia's encrypt, the same algorithm).

Control API (JSON), for tests in another process: `GET /__fake/calls`, `POST /__fake/reset`,
`POST /__fake/faults {"route": <one of ROUTES>, "mode": <one of MODES>, "times": N}`.

Command line:
  python tools/fake_whatsapp.py serve [--port 8081] [--apikey KEY] [--instance NAME]
  python tools/fake_whatsapp.py simulate --chatmedia http://127.0.0.1:8000 --tenant demo \
      --secret SECRET [--fake http://127.0.0.1:8081]    # posts realistic webhooks
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import copy
import io
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chatmedia.whatsapp.crypto import encrypt  # noqa: E402

FIXTURES = ROOT / "fixtures"
EVOLUTION_FIXTURES = FIXTURES / "evolution"
WA_MEDIA = FIXTURES / "wa-media"
DEFAULT_APIKEY = "fake-evolution-instance-token"
DEFAULT_INSTANCE = "acme-vendas"
ROUTES = (
    "cdn",
    "picture",
    "getBase64FromMediaMessage",
    "fetchProfilePictureUrl",
    "sendMedia",
    "sendWhatsAppAudio",
)
MODES = ("5xx", "timeout", "401", "404", "wrong_bytes")
TIMEOUT_SECONDS = 60  # how long a "timeout" fault stalls (longer than any client timeout in tests)


def load_fixture(name: str) -> dict:
    return json.loads((EVOLUTION_FIXTURES / name).read_text())


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@dataclass
class Media:
    """One media file as WhatsApp has it: plaintext, its .enc, and the message fields."""

    name: str
    plaintext: bytes
    enc: bytes
    media_type: str
    mimetype: str
    fields: dict  # mediaKey, fileSha256, fileEncSha256, fileLength (bytes raw)

    @property
    def direct_path(self) -> str:
        return f"/v/t62.0000-24/FIXTURE_{self.name}.enc?ccb=11-4&oh=01_FAKE&oe=FFFFFFFF&_nc_sid=5e03e0"


@dataclass
class Fault:
    mode: str
    times: int


@dataclass
class State:
    apikey: str
    instance: str
    media: dict[str, Media] = field(default_factory=dict)
    pictures: dict[str, bytes] = field(default_factory=dict)  # path -> jpeg
    profile_urls: dict[str, str | None] = field(default_factory=dict)  # number/jid -> url
    messages: dict[str, str] = field(default_factory=dict)  # key.id -> media name
    calls: list[dict] = field(default_factory=list)
    faults: dict[str, Fault] = field(default_factory=dict)
    stall_seconds: float = TIMEOUT_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, route: str) -> str | None:
        with self.lock:
            fault = self.faults.get(route)
            if fault is None or fault.times == 0:
                return None
            fault.times -= 1
            return fault.mode


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # Clients that give up (timeouts under test) reset the connection: expected, not news.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeWhatsApp:
    """The server; use as a context manager in tests, or `serve_forever()` from the command line."""

    def __init__(
        self,
        port: int = 0,
        apikey: str = DEFAULT_APIKEY,
        instance: str = DEFAULT_INSTANCE,
        listen: bool = True,
    ):
        """`listen=False`: only build payloads for a fake already running on `port`."""
        self.state = State(apikey=apikey, instance=instance)
        self.server = _QuietServer(("127.0.0.1", port), _handler(self.state)) if listen else None
        if self.server is not None:
            port = self.server.server_address[1]
        self._port = port
        self.thread: threading.Thread | None = None
        self.load_wa_media_vectors()
        self.add_picture("default", _tiny_jpeg())

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> FakeWhatsApp:
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- content ---------------------------------------------------------------------------------

    def load_wa_media_vectors(self) -> None:
        manifest = json.loads((WA_MEDIA / "manifest.json").read_text())
        for vector in manifest["vectors"]:
            if not vector["expect"]["ok"]:
                continue
            self.state.media[vector["id"]] = Media(
                name=vector["id"],
                plaintext=(WA_MEDIA / vector["plaintext_file"]).read_bytes(),
                enc=(WA_MEDIA / vector["enc_file"]).read_bytes(),
                media_type=vector["media_type"],
                mimetype=vector["mimetype"],
                fields={
                    "mediaKey": base64.b64decode(vector["media_key_b64"]),
                    "fileSha256": base64.b64decode(vector["file_sha256_b64"]),
                    "fileEncSha256": base64.b64decode(vector["file_enc_sha256_b64"]),
                    "fileLength": vector["file_length"],
                },
            )

    def add_media(self, name: str, plaintext: bytes, media_type: str, mimetype: str) -> Media:
        sink = io.BytesIO()
        fields = encrypt(io.BytesIO(plaintext), sink, media_type=media_type)
        media = Media(name, plaintext, sink.getvalue(), media_type, mimetype, fields)
        self.state.media[name] = media
        return media

    def tamper(self, name: str) -> None:
        """Serve a copy of `name` with one ciphertext byte flipped (the MAC no longer matches)."""
        media = self.state.media[name]
        media.enc = _flip_middle(media.enc)

    def add_picture(self, name: str, jpeg: bytes) -> str:
        path = f"/v/t61.24694-24/{name}_n.jpg"
        self.state.pictures[path] = jpeg
        return f"{self.url}{path}?ccb=11-4&oh=01_FAKE{random.randrange(10**6)}&oe=6A1AE400&_nc_sid=5e03e0"  # noqa: S311

    def set_profile_picture(self, jid_or_number: str, url: str | None) -> None:
        self.state.profile_urls[jid_or_number.split("@")[0]] = url

    def fail(self, route: str, mode: str, times: int = 1) -> None:
        assert route in ROUTES and mode in MODES, (route, mode)
        with self.state.lock:
            self.state.faults[route] = Fault(mode, times)

    def calls(self, route: str | None = None) -> list[dict]:
        with self.state.lock:
            return [c for c in self.state.calls if route is None or c["route"] == route]

    def reset(self) -> None:
        """Forget calls, faults and profile pictures (media files stay: they are immutable)."""
        with self.state.lock:
            self.state.calls.clear()
            self.state.faults.clear()
            self.state.profile_urls.clear()

    # --- webhook payloads ----------------------------------------------------------------------------

    def webhook(self, fixture: str, media: str | None = None, **changes) -> dict:
        """A fixture payload whose media node points at this server's copy of `media`."""
        payload = copy.deepcopy(load_fixture(fixture))
        payload["instance"] = self.state.instance
        data = payload["data"]
        if "key" in data and "id" in changes:
            data["key"]["id"] = changes.pop("id")
        if "key" in data and "remote_jid" in changes:
            data["key"]["remoteJid"] = changes.pop("remote_jid")
            data["key"].pop("remoteJidAlt", None)
        if media is not None:
            node = next(
                v for k, v in data["message"].items() if k.endswith("Message") and isinstance(v, dict)
            )
            self.point_node_at(node, self.state.media[media])
            self.state.messages[data["key"]["id"]] = media
        if "timestamp" in changes:
            data["messageTimestamp"] = changes.pop("timestamp")
        assert not changes, changes
        return payload

    def point_node_at(self, node: dict, media: Media) -> None:
        node["directPath"] = media.direct_path
        node["url"] = "https://mmg.whatsapp.net" + media.direct_path + "&mms3=true"
        node["mediaKey"] = {str(i): b for i, b in enumerate(media.fields["mediaKey"])}
        node["fileSha256"] = {str(i): b for i, b in enumerate(media.fields["fileSha256"])}
        node["fileEncSha256"] = {str(i): b for i, b in enumerate(media.fields["fileEncSha256"])}
        node["fileLength"] = {
            "low": media.fields["fileLength"] % 2**32,
            "high": media.fields["fileLength"] >> 32,
            "unsigned": True,
        }
        node["mimetype"] = media.mimetype


def _flip_middle(data: bytes) -> bytes:
    corrupted = bytearray(data)
    corrupted[len(corrupted) // 2] ^= 0x01
    return bytes(corrupted)


def _tiny_jpeg() -> bytes:
    """The image-01 vector's plaintext: a real JPEG, good enough as a profile picture."""
    return (WA_MEDIA / "image-01.jpg").read_bytes()


def _handler(state: State):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format, *args):  # quiet: tests read the call log instead
            pass

        def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, payload) -> None:
            self._send(status, json.dumps(payload).encode())

        def _record(self, route: str, body=None) -> None:
            with state.lock:
                state.calls.append(
                    {
                        "route": route,
                        "method": self.command,
                        "path": self.path,
                        "apikey_ok": self.headers.get("apikey") == state.apikey,
                        "origin": self.headers.get("Origin"),
                        "body": body,
                        "at": time.time(),
                    }
                )

        def _fault(self, route: str) -> str | None:
            """Apply the next configured fault of `route`: the error answers are sent here ("handled"),
            "wrong_bytes" is returned for the caller to corrupt its answer; None = behave."""
            mode = state.take_fault(route)
            if mode == "timeout":
                time.sleep(state.stall_seconds)
                return "handled"
            if mode == "5xx":
                self._json(
                    503,
                    {"status": 503, "error": "Service Unavailable", "response": {"message": "fake fault"}},
                )
                return "handled"
            if mode == "401":
                self._json(401, load_fixture("error-401-unauthorized.json"))
                return "handled"
            if mode == "404":
                self._send(404, b"Not Found", "text/plain")
                return "handled"
            return mode

        # --- CDN --------------------------------------------------------------------------------

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/__fake/calls":
                with state.lock:
                    return self._json(200, state.calls)
            if path in state.pictures:
                self._record("picture")
                fault = self._fault("picture")
                if fault == "handled":
                    return None
                body = state.pictures[path] if fault is None else b"not a picture"
                return self._send(200, body, "image/jpeg")
            name = path.rsplit("/", 1)[-1].removeprefix("FIXTURE_").removesuffix(".enc")
            media = state.media.get(name)
            self._record("cdn", {"name": name})
            if media is None:
                return self._send(404, b"Not Found", "text/plain")
            if self.headers.get("Origin") != "https://web.whatsapp.com":
                return self._send(403, b"Forbidden", "text/plain")
            fault = self._fault("cdn")
            if fault == "handled":
                return None
            enc = media.enc if fault is None else _flip_middle(media.enc)
            return self._send(200, enc, "application/octet-stream")

        do_HEAD = do_GET

        # --- Evolution ------------------------------------------------------------------------------

        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            path = urlsplit(self.path).path
            if path == "/__fake/reset":
                with state.lock:
                    state.calls.clear()
                    state.faults.clear()
                return self._json(200, {"ok": True})
            if path == "/__fake/faults":
                spec = json.loads(raw)
                with state.lock:
                    state.faults[spec["route"]] = Fault(spec["mode"], int(spec.get("times", 1)))
                return self._json(200, {"ok": True})
            parts = [p for p in path.split("/") if p]
            if len(parts) != 3:
                return self._json(
                    404,
                    {"status": 404, "error": "Not Found", "response": {"message": ["Cannot POST " + path]}},
                )
            route = parts[1]
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                return self._json(
                    400, {"status": 400, "error": "Bad Request", "response": {"message": ["invalid json"]}}
                )
            self._record(route, _summary(body))
            if self.headers.get("apikey") != state.apikey:
                return self._json(401, load_fixture("error-401-unauthorized.json"))
            if parts[2] != state.instance:
                return self._json(
                    404,
                    {
                        "status": 404,
                        "error": "Not Found",
                        "response": {"message": [f'The "{parts[2]}" instance does not exist']},
                    },
                )
            fault = self._fault(route)
            if fault == "handled":
                return None
            handler = {
                "getBase64FromMediaMessage": self._get_base64,
                "fetchProfilePictureUrl": self._profile_picture,
                "sendMedia": self._send_media,
                "sendWhatsAppAudio": self._send_audio,
            }.get(route)
            if handler is None:
                return self._json(
                    404,
                    {"status": 404, "error": "Not Found", "response": {"message": ["Cannot POST " + path]}},
                )
            return handler(body, fault)

        def _get_base64(self, body, fault):
            message = body.get("message") or {}
            key_id = (message.get("key") or {}).get("id")
            media = None
            for node in (message.get("message") or {}).values():
                if isinstance(node, dict) and node.get("directPath"):
                    name = urlsplit(node["directPath"]).path.rsplit("/", 1)[-1]
                    media = state.media.get(name.removeprefix("FIXTURE_").removesuffix(".enc"))
            if media is None and key_id in state.messages:
                media = state.media.get(state.messages[key_id])
            if media is None:
                return self._json(400, load_fixture("error-400-message-not-found.json"))
            plaintext = media.plaintext if fault is None else _flip_middle(media.plaintext)
            content_key = next(iter((message.get("message") or {"documentMessage": {}}).keys()))
            return self._json(
                201,
                {
                    "mediaType": content_key,
                    "fileName": f"{key_id}.bin",
                    "size": {"fileLength": {"low": len(plaintext), "high": 0, "unsigned": True}},
                    "mimetype": media.mimetype,
                    "base64": b64(plaintext),
                    "buffer": None,
                },
            )

        def _profile_picture(self, body, fault):
            number = str(body.get("number", "")).split("@")[0]
            url = state.profile_urls.get(number)
            return self._json(200, {"wuid": f"{number}@s.whatsapp.net", "profilePictureUrl": url})

        def _sent(self, number: str, template: str, message_node: dict | None = None):
            if not number:
                return self._json(
                    400,
                    {"status": 400, "error": "Bad Request", "response": {"message": ["number is required"]}},
                )
            if number.startswith("5511955550000"):
                return self._json(400, load_fixture("error-400-number-not-on-whatsapp.json"))
            response = load_fixture(template)
            jid = number if "@" in number else f"{''.join(c for c in number if c.isdigit())}@s.whatsapp.net"
            response["key"]["remoteJid"] = jid
            response["key"]["id"] = "3EB0" + "".join(random.choice("0123456789ABCDEF") for _ in range(18))  # noqa: S311
            response["messageTimestamp"] = int(time.time())
            if message_node:
                for node in response["message"].values():
                    if isinstance(node, dict) and "mimetype" in node:
                        node.update(message_node)
            return self._json(201, response)

        def _send_media(self, body, fault):
            if body.get("mediatype") not in ("image", "video", "document", "audio"):
                return self._json(
                    400,
                    {
                        "status": 400,
                        "error": "Bad Request",
                        "response": {"message": ["mediatype is invalid"]},
                    },
                )
            if not body.get("media"):
                return self._json(
                    400,
                    {"status": 400, "error": "Bad Request", "response": {"message": ["media is required"]}},
                )
            node = {"caption": body["caption"]} if body.get("caption") else {}
            return self._sent(str(body.get("number", "")), "response-sendMedia-image.json", node)

        def _send_audio(self, body, fault):
            if not body.get("audio"):
                return self._json(
                    400,
                    {"status": 400, "error": "Bad Request", "response": {"message": ["audio is required"]}},
                )
            return self._sent(str(body.get("number", "")), "response-sendWhatsAppAudio.json")

    return Handler


def _summary(body):
    """The call log keeps request bodies, with big base64 fields replaced by their length."""
    if isinstance(body, dict):
        return {
            k: (f"<{len(v)} chars>" if isinstance(v, str) and len(v) > 512 else _summary(v))
            for k, v in body.items()
        }
    if isinstance(body, list):
        return [_summary(v) for v in body]
    return body


# --- simulate: realistic webhooks to a running chatmedia ------------------------------------------------

SCENARIO = [
    ("messages-upsert-text.json", None, "text"),
    ("messages-upsert-image-caption.json", "image-01", "image with caption"),
    ("messages-upsert-ptt-voice-note.json", "ptt-01", "voice note"),
    ("messages-upsert-audio-file.json", "audio-01", "audio file"),
    ("messages-upsert-document-pdf.json", "document-01", "PDF"),
    ("messages-upsert-video.json", "video-01", "video"),
    ("messages-upsert-sticker.json", "sticker-01", "sticker"),
    ("messages-upsert-group-image.json", "image-01", "group image"),
]


def simulate(fake: FakeWhatsApp, chatmedia: str, tenant: str, secret: str, out=sys.stdout) -> int:
    """Post the scenario (fresh message ids each run) plus a profile picture change; 0 when all 200."""
    target = f"{chatmedia.rstrip('/')}/webhooks/evolution/{tenant}/{secret}/"
    failures = 0
    now = int(time.time())
    run = f"{random.randrange(16**6):06X}"  # noqa: S311
    payloads = []
    for index, (fixture, media, label) in enumerate(SCENARIO):
        payloads.append(
            (label, fake.webhook(fixture, media, id=f"3A{run}{index:02d}SIM{now}", timestamp=now + index))
        )
    picture_url = f"{fake.url}/v/t61.24694-24/default_n.jpg?ccb=11-4&oh=01_SIM{run}&oe=6A1AE400"
    contact = copy.deepcopy(load_fixture("contacts-update-single.json"))
    contact["instance"] = fake.state.instance
    contact["data"]["profilePicUrl"] = picture_url
    payloads.append(("profile picture change", contact))
    for label, payload in payloads:
        status = httpx.post(target, json=payload, timeout=30).status_code
        failures += status != 200
        print(f"{status}  {label}", file=out)
    return 1 if failures else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the fake Evolution API + CDN")
    serve.add_argument("--port", type=int, default=8081)
    serve.add_argument("--apikey", default=DEFAULT_APIKEY)
    serve.add_argument("--instance", default=DEFAULT_INSTANCE)
    sim = sub.add_parser("simulate", help="post realistic webhooks to a running chatmedia")
    sim.add_argument("--chatmedia", default="http://127.0.0.1:8000")
    sim.add_argument("--tenant", default="demo")
    sim.add_argument("--secret", help="the tenant's webhook secret (default: read from chatmedia's database)")
    sim.add_argument("--port", type=int, default=8081, help="port of the running fake (for media URLs)")
    sim.add_argument("--instance", default=DEFAULT_INSTANCE)
    sim.add_argument(
        "--wait", type=float, default=0, help="keep serving media this many seconds after posting"
    )
    args = parser.parse_args(argv)
    if args.command == "serve":
        fake = FakeWhatsApp(args.port, args.apikey, args.instance)
        print(f"fake WhatsApp (Evolution API + CDN) on {fake.url}, instance {args.instance!r}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            fake.server.serve_forever()
        return 0
    # simulate: media must be served by the fake chatmedia is configured with (WHATSAPP_MEDIA_BASE_URL).
    # If one is already running on --port, its copy of the vectors is identical; otherwise serve here.
    secret = args.secret or _secret_from_database(args.tenant)
    running = _answers(args.port)
    fake = FakeWhatsApp(args.port, instance=args.instance, listen=not running)
    if not running:
        fake.__enter__()
    code = simulate(fake, args.chatmedia, args.tenant, secret)
    if not running:
        time.sleep(args.wait or 30)  # let the worker download the media before the CDN goes away
    return code


def _secret_from_database(slug: str) -> str:
    """The webhook secret of `slug`, from the database chatmedia uses here (same env, same ./var)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    django.setup()
    from chatmedia.tenancy.models import Tenant

    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise SystemExit(f"no tenant {slug!r}: start chatmedia with `make run` first")
    return tenant.webhook_secret


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/__fake/calls", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


if __name__ == "__main__":
    sys.exit(main())
