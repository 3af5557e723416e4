"""The fake's HTTP side: the WhatsApp CDN (GET) and the Evolution API routes (POST)."""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from tools.fake_whatsapp import sends
from tools.fake_whatsapp.state import Fault, State, b64, flip_middle, load_fixture


def handler_for(state: State):
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

        def _group_info(self, path: str):
            """`GET /group/findGroupInfos/{instance}?groupJid=` (2.3.7 group.router.ts): Baileys'
            GroupMetadata; 400 for a group we are not in."""
            self._record("findGroupInfos", {"query": urlsplit(self.path).query})
            if self.headers.get("apikey") != state.apikey:
                return self._json(401, load_fixture("error-401-unauthorized.json"))
            fault = self._fault("findGroupInfos")
            if fault == "handled":
                return None
            jid = (parse_qs(urlsplit(self.path).query).get("groupJid") or [""])[0]
            subject = state.group_subjects.get(jid)
            if subject is None:
                return self._bad_request("Error fetching group")
            return self._json(
                200,
                {
                    "id": jid,
                    "subject": subject,
                    "subjectOwner": "5511999990000@s.whatsapp.net",
                    "subjectTime": 1779200000,
                    "size": 3,
                    "creation": 1779100000,
                    "desc": "",
                    "restrict": False,
                    "announce": False,
                    "participants": [],
                },
            )

        # --- CDN --------------------------------------------------------------------------------

        def do_GET(self):
            path = urlsplit(self.path).path
            if path == "/__fake/calls":
                with state.lock:
                    return self._json(200, state.calls)
            if path == "/__fake/sends":
                return self._send(200, sends.sends_json(state))
            if path.startswith("/group/findGroupInfos/"):
                return self._group_info(path)
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
            enc = media.enc if fault is None else flip_middle(media.enc)
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
                    state.sent.clear()
                    state.answers.clear()
                    state.reactions.clear()
                return self._json(200, {"ok": True})
            if path == "/__fake/ack":
                spec = json.loads(raw)
                status = sends.ack(state, spec["id"], spec.get("status", "DELIVERY_ACK"))
                return self._json(200, {"webhook": status})
            if path == "/__fake/incoming" and state.post_incoming is not None:
                try:
                    return self._json(200, state.post_incoming(json.loads(raw)))
                except (KeyError, ValueError) as exc:
                    return self._bad_request(f"bad incoming spec: {exc}")
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
                return self._bad_request("invalid json")
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
                "sendText": self._send_text,
                "sendReaction": self._send_reaction,
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
            plaintext = media.plaintext if fault is None else flip_middle(media.plaintext)
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

        def _bad_request(self, message: str):
            return self._json(
                400, {"status": 400, "error": "Bad Request", "response": {"message": [message]}}
            )

        def _deliver(self, route: str, body, fault):
            try:
                status, answer, repeated = sends.accept(state, route, body)
            except sends.SendFailure as exc:
                return self._json(exc.status, exc.body())
            if status == 201 and not repeated:
                sends.after_send(state, answer)
                if fault == "send_then_stall":
                    time.sleep(state.stall_seconds)
                if fault == "empty_body":
                    return self._send(201, b"")
            return self._json(status, answer)

        def _send_media(self, body, fault):
            return self._deliver("sendMedia", body, fault)

        def _send_audio(self, body, fault):
            return self._deliver("sendWhatsAppAudio", body, fault)

        def _send_text(self, body, fault):
            return self._deliver("sendText", body, fault)

        def _send_reaction(self, body, fault):
            try:
                answer = sends.accept_reaction(state, body)
            except sends.SendFailure as exc:
                return self._json(exc.status, exc.body())
            sends.post_webhook(state, "send.message", answer)
            return self._json(201, answer)

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
