"""A fake of Meta's WhatsApp Cloud API (Graph API v21.0) on 127.0.0.1, for tests and `make run`.

It speaks the documented shapes (developers.facebook.com/docs/whatsapp/cloud-api: webhooks
payload `field: messages`, reference/media, reference/messages; Graph API v21.0):
- `GET /{version}/{media-id}` (bearer token checked) → `{messaging_product, url, mime_type, sha256
  (hex), file_size, id}`; the URL is on this server, needs the bearer token too, and expires after
  `url_ttl_seconds` (then 404, like Meta's lookaside host);
- `POST /{version}/{phone-number-id}/media` (multipart `file`, `type`, `messaging_product`) → `{id}`;
- `POST /{version}/{phone-number-id}/messages` → `{messaging_product, contacts: [{input, wa_id}],
  messages: [{id: "wamid.…"}]}`; then, like Meta, `statuses` webhooks (sent, delivered) — or `failed`
  with error 131047 when the customer's 24-hour window is closed (`close_window(number)`);
- faults per route (`fail(route, "401" | "5xx" | "timeout")`);
- webhooks it posts are signed `X-Hub-Signature-256` with the app secret, like Meta's;
- a control API for the browser e2e (`/__fake/…`, never part of Meta's): `POST incoming` (a
  customer's message of a kind, with the real bytes of fixtures/wa-media, signed and posted to
  `webhook_url`), `GET sent` (what was sent, with each uploaded file's type, size and first bytes),
  `POST status` (a status webhook for one of our sends), `POST window` (close a customer's
  24-hour window).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

VERSION = "v21.0"
DEFAULT_TOKEN = "EAAG-fake-access-token"  # noqa: S105 - a test double's fixed credential
DEFAULT_APP_SECRET = "fake-meta-app-secret"  # noqa: S105
DEFAULT_PHONE_NUMBER_ID = "106540352242922"
ROUTES = ("media_info", "media_download", "upload", "messages")
WA_MEDIA = Path(__file__).resolve().parents[2] / "fixtures" / "wa-media"
# `POST /__fake/incoming` kinds → (Meta's message type, wa-media vector, extra fields of the node).
INCOMING_MEDIA = {
    "image": ("image", "image-01", {"caption": "Foto do pedido"}),
    "voice": ("audio", "ptt-01", {"voice": True}),
    "audio": ("audio", "audio-01", {}),
    "document": ("document", "document-01", {"filename": "Boleto outubro.pdf", "caption": "Segue o boleto"}),
    "video": ("video", "video-01", {"caption": "Vídeo da instalação"}),
    "sticker": ("sticker", "sticker-01", {"animated": False}),
}
WINDOW_CLOSED = (
    "Message failed to send because more than 24 hours have passed since the customer last replied "
    "to this number."
)


@dataclass
class StoredMedia:
    data: bytes
    mime_type: str
    served: bytes | None = None  # what the download URL answers, when tampered with

    @property
    def sha256_hex(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def sha256_b64(self) -> str:
        return base64.b64encode(hashlib.sha256(self.data).digest()).decode()


@dataclass
class GraphState:
    access_token: str = DEFAULT_TOKEN
    app_secret: str = DEFAULT_APP_SECRET
    phone_number_id: str = DEFAULT_PHONE_NUMBER_ID
    display_phone_number: str = "5511999990000"
    url_ttl_seconds: float = 300.0
    webhook_url: str | None = None
    statuses_after_send: bool = True
    media: dict[str, StoredMedia] = field(default_factory=dict)
    urls: dict[str, tuple[str, float]] = field(default_factory=dict)  # token -> (media id, expires)
    sent: list[dict] = field(default_factory=list)
    calls: list[dict] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    closed_windows: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


def _handler(fake: FakeGraph):
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
            self._send(status, json.dumps(payload).encode())

        def _error(self, status: int, code: int, message: str, kind: str = "OAuthException") -> None:
            self._json(
                status,
                {"error": {"message": message, "type": kind, "code": code, "fbtrace_id": "AfakeTrace"}},
            )

        def _authorized(self) -> bool:
            if self.headers.get("Authorization") == f"Bearer {state.access_token}":
                return True
            self._error(401, 190, "Invalid OAuth access token - Cannot parse access token")
            return False

        def _fault(self, route: str) -> bool:
            with state.lock:
                state.calls.append({"route": route, "path": self.path, "at": time.time()})
                queue = state.faults.get(route) or []
                mode = queue.pop(0) if queue else None
            if mode == "401":
                self._error(401, 190, "Error validating access token: Session has expired")
            elif mode == "5xx":
                self._error(503, 2, "Service temporarily unavailable", "OAuthException")
            elif mode == "timeout":
                time.sleep(fake.stall_seconds)
                return False
            elif mode == "expire":  # the media URL expired between the lookup and the download
                self._send(404, b"")
            return mode is not None

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/__fake/sent":
                return self._json(200, fake.sent_summary())
            if path.startswith("/media-download/"):
                if self._fault("media_download") or not self._authorized():
                    return
                media_id, expires = state.urls.get(path.rsplit("/", 1)[-1], ("", 0))
                if not media_id or time.time() > expires:
                    return self._send(404, b"")
                media = state.media[media_id]
                return self._send(200, media.served or media.data, media.mime_type)
            parts = path.strip("/").split("/")
            if len(parts) == 2 and parts[0] == VERSION and parts[1].isdigit():
                if self._fault("media_info") or not self._authorized():
                    return
                media = state.media.get(parts[1])
                if media is None:
                    return self._error(
                        400, 100, "Unsupported get request. Object does not exist", "GraphMethodException"
                    )
                token = secrets.token_urlsafe(12)
                with state.lock:
                    state.urls[token] = (parts[1], time.time() + state.url_ttl_seconds)
                return self._json(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "url": f"{fake.url}/media-download/{token}",
                        "mime_type": media.mime_type,
                        "sha256": media.sha256_hex,
                        "file_size": str(len(media.data)),
                        "id": parts[1],
                    },
                )
            self._send(404, b"")

        def do_POST(self):
            parts = self.path.split("?")[0].strip("/").split("/")
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            if parts[0] == "__fake" and len(parts) == 2:
                return self._control(parts[1], json.loads(body or b"{}"))
            if len(parts) != 3 or parts[0] != VERSION or parts[1] != state.phone_number_id:
                return self._error(400, 100, "Unsupported post request", "GraphMethodException")
            if parts[2] == "media":
                if self._fault("upload") or not self._authorized():
                    return
                return self._upload(body)
            if parts[2] == "messages":
                if self._fault("messages") or not self._authorized():
                    return
                return self._message(body)
            self._send(404, b"")

        def _control(self, action: str, request: dict):
            try:
                if action == "incoming":
                    return self._json(200, fake.customer_sends(**request))
                if action == "status":
                    payload = fake.status(request["id"], request["status"], request["recipient"])
                    return self._json(200, {"webhook": fake.post(payload).status_code})
                if action == "window":
                    fake.close_window(str(request["number"]))
                    return self._json(200, {"closed": request["number"]})
            except (KeyError, TypeError, httpx.HTTPError) as exc:
                return self._json(400, {"error": f"{type(exc).__name__}: {exc}"})
            self._send(404, b"")

        def _upload(self, body: bytes):
            message = BytesParser(policy=HTTP).parsebytes(
                b"Content-Type: " + self.headers.get("Content-Type", "").encode() + b"\r\n\r\n" + body
            )
            fields, file = {}, None
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "file":
                    file = (part.get_payload(decode=True), part.get_content_type())
                else:
                    fields[name] = part.get_content()
            if file is None or fields.get("messaging_product") != "whatsapp" or not fields.get("type"):
                return self._error(400, 100, "(#100) The parameter file is required.", "OAuthException")
            media_id = fake.add_media(file[0], fields["type"])
            self._json(200, {"id": media_id})

        def _message(self, body: bytes):
            try:
                request = json.loads(body)
            except ValueError:
                return self._error(400, 100, "(#100) Invalid JSON", "OAuthException")
            to, kind = str(request.get("to", "")), request.get("type")
            node = request.get(kind) if isinstance(kind, str) else None
            if (
                request.get("messaging_product") != "whatsapp"
                or not to.isdigit()
                or not isinstance(node, dict)
            ):
                return self._error(400, 100, "(#100) Invalid parameter", "OAuthException")
            if kind in ("image", "video", "audio", "document", "sticker") and not (
                node.get("id") in state.media or str(node.get("link", "")).startswith("http")
            ):
                return self._error(400, 131053, "Media upload error", "OAuthException")
            wa_id = "wamid." + base64.b64encode(secrets.token_bytes(24)).decode()
            with state.lock:
                state.sent.append({"id": wa_id, **request})
            self._json(
                200,
                {
                    "messaging_product": "whatsapp",
                    "contacts": [{"input": to, "wa_id": to}],
                    "messages": [{"id": wa_id}],
                },
            )
            if state.webhook_url and kind != "reaction":
                threading.Thread(target=fake.after_send, args=(wa_id, to), daemon=True).start()

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeGraph:
    def __init__(self, port: int = 0):
        self.state = GraphState()
        self.stall_seconds = 3.0
        self.server = _QuietServer(("127.0.0.1", port), _handler(self))
        self._counter = 1_000_000_000_000_000

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> FakeGraph:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        with self.state.lock:
            self.state.sent.clear()
            self.state.calls.clear()
            self.state.faults.clear()
            self.state.closed_windows.clear()
            self.state.webhook_url = None
            self.state.statuses_after_send = True
            self.state.url_ttl_seconds = 300.0

    # --- content and faults -----------------------------------------------------------------------------

    def add_media(self, data: bytes, mime_type: str) -> str:
        with self.state.lock:
            self._counter += 1
            media_id = str(self._counter)
            self.state.media[media_id] = StoredMedia(data, mime_type)
        return media_id

    def tamper(self, media_id: str) -> None:
        """Serve other bytes than the ones the lookup's sha256 names."""
        media = self.state.media[media_id]
        media.served = media.data + b"tampered"

    def fail(self, route: str, mode: str, times: int = 1) -> None:
        assert route in ROUTES and mode in ("401", "5xx", "timeout", "expire"), (route, mode)
        with self.state.lock:
            self.state.faults.setdefault(route, []).extend([mode] * times)

    def close_window(self, number: str) -> None:
        """The customer last wrote more than 24 hours ago: free-form sends to them fail (131047)."""
        with self.state.lock:
            self.state.closed_windows.add(number)

    def calls(self, route: str | None = None) -> list[dict]:
        with self.state.lock:
            return [c for c in self.state.calls if route is None or c["route"] == route]

    def sent(self) -> list[dict]:
        with self.state.lock:
            return list(self.state.sent)

    # --- webhooks ---------------------------------------------------------------------------------------

    def envelope(self, value: dict, phone_number_id: str | None = None) -> dict:
        return {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": self.state.display_phone_number,
                                    "phone_number_id": phone_number_id or self.state.phone_number_id,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }

    def message(self, kind: str, sender: str, name: str = "Cliente", *, data: bytes | None = None,
                mime_type: str = "", wa_id: str | None = None, **extra) -> dict:  # fmt: skip
        """A customer's message webhook body. Media kinds store `data` here and carry its id."""
        message = {
            "from": sender,
            "id": wa_id or "wamid." + base64.b64encode(secrets.token_bytes(24)).decode(),
            "timestamp": str(int(time.time())),
            "type": kind,
        }
        if kind == "text":
            message["text"] = {"body": extra.pop("text", "Olá")}
        elif kind == "reaction":
            message["reaction"] = {"message_id": extra.pop("message_id"), "emoji": extra.pop("emoji", "")}
        else:
            media_id = self.add_media(data or b"", mime_type)
            node = {"mime_type": mime_type, "sha256": self.state.media[media_id].sha256_b64, "id": media_id}
            for key in ("caption", "filename", "voice", "animated"):
                if key in extra:
                    node[key] = extra.pop(key)
            message[kind] = node
        if "context" in extra:
            message["context"] = extra.pop("context")
        assert not extra, extra
        return self.envelope(
            {"contacts": [{"profile": {"name": name}, "wa_id": sender}], "messages": [message]},
            phone_number_id=None,
        )

    def status(self, wa_id: str, status: str, recipient: str, errors: list | None = None) -> dict:
        entry = {"id": wa_id, "status": status, "timestamp": str(int(time.time())), "recipient_id": recipient}
        if errors:
            entry["errors"] = errors
        return self.envelope({"statuses": [entry]})

    def sign(self, body: bytes, secret: str | None = None) -> str:
        key = (secret or self.state.app_secret).encode()
        return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()

    def post(self, payload: dict, url: str | None = None, secret: str | None = None) -> httpx.Response:
        """POST a webhook to `url` (default `state.webhook_url`), signed like Meta's."""
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": self.sign(body, secret)}
        return httpx.post(url or self.state.webhook_url, content=body, headers=headers, timeout=30)

    def customer_sends(self, kind: str, sender: str, name: str = "Cliente", **extra) -> dict:
        """A customer's message of `kind` (text, reply, reaction or a media kind, with the real
        bytes of a wa-media vector), signed and posted to `state.webhook_url`."""
        if kind in INCOMING_MEDIA:
            meta_kind, vector_id, fields = INCOMING_MEDIA[kind]
            vector = next(v for v in self._vectors() if v["id"] == vector_id)
            data = (WA_MEDIA / vector["plaintext_file"]).read_bytes()
            mime_type = (
                vector["mimetype"].split(";")[0].strip() if meta_kind != "audio" else vector["mimetype"]
            )
            payload = self.message(
                meta_kind, sender, name, data=data, mime_type=mime_type, **{**fields, **extra}
            )
        elif kind == "reply":
            context = {"from": self.state.display_phone_number, "id": extra.pop("message_id")}
            payload = self.message("text", sender, name, context=context, **extra)
        else:
            payload = self.message(kind, sender, name, **extra)
        wa_id = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
        return {"webhook": self.post(payload).status_code, "id": wa_id}

    @staticmethod
    def _vectors() -> list[dict]:
        return json.loads((WA_MEDIA / "manifest.json").read_text())["vectors"]

    def sent_summary(self) -> list[dict]:
        """`sent`, each uploaded file described (type, size, first four bytes as text)."""
        summary = []
        with self.state.lock:
            for request in self.state.sent:
                entry = dict(request)
                node = request.get(request.get("type"))
                media = self.state.media.get(node.get("id")) if isinstance(node, dict) else None
                if media is not None:
                    entry["media"] = {
                        "mime_type": media.mime_type,
                        "size": len(media.data),
                        "magic": media.data[:4].decode("latin-1"),
                    }
                summary.append(entry)
        return summary

    def after_send(self, wa_id: str, to: str) -> None:
        time.sleep(0.05)
        try:
            if to in self.state.closed_windows:
                error = {
                    "code": 131047,
                    "title": "Re-engagement message",
                    "message": "Re-engagement message",
                    "error_data": {"details": WINDOW_CLOSED},
                }  # fmt: skip
                self.post(self.status(wa_id, "failed", to, [error]))
                return
            if self.state.statuses_after_send:
                self.post(self.status(wa_id, "sent", to))
                self.post(self.status(wa_id, "delivered", to))
        except httpx.HTTPError:
            pass
