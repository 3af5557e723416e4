"""The fake as an object: start it in a test (`with FakeWhatsApp() as fake:`), add media and
pictures, build webhook payloads that point at it, inject faults, read the call log."""

from __future__ import annotations

import base64
import copy
import io
import json
import random
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from chatmedia.whatsapp.providers.evolution import content as wa_content
from chatmedia.whatsapp.providers.evolution.crypto import encrypt
from tools.fake_whatsapp import sends, traffic
from tools.fake_whatsapp.server import handler_for
from tools.fake_whatsapp.state import (
    DEFAULT_APIKEY,
    DEFAULT_INSTANCE,
    MODES,
    ROUTES,
    WA_MEDIA,
    Fault,
    Media,
    State,
    flip_middle,
    load_fixture,
    tiny_jpeg,
)

# What a customer can send, for `post_incoming`: fixture and the media vector its bytes come from.
KINDS = {
    "text": ("messages-upsert-text.json", None),
    "image": ("messages-upsert-image-caption.json", "image-01"),
    "voice": ("messages-upsert-ptt-voice-note.json", "ptt-01"),
    "audio": ("messages-upsert-audio-file.json", "audio-01"),
    "document": ("messages-upsert-document-pdf.json", "document-01"),
    "video": ("messages-upsert-video.json", "video-01"),
    "sticker": ("messages-upsert-sticker.json", "sticker-01"),
    # What an audit sent: a 76 KB PNG of 20000 x 20000 pixels (1.6 GB once a browser decodes it).
    "huge-image": ("messages-upsert-image-caption.json", "huge-image"),
    # What an iPhone records: HEVC + AAC in a QuickTime file (Chromium and Firefox play only its sound).
    "iphone-video": ("messages-upsert-video.json", "iphone-video"),
}
# Media made on first use (not among the shared vectors): name -> (maker, WhatsApp media type, mimetype).
MADE_MEDIA = {
    "huge-image": (lambda: huge_png(), "image", "image/png"),
    "iphone-video": (lambda: iphone_video(), "video", "video/quicktime"),
}


def huge_png(side: int = 20_000) -> bytes:
    """A valid one-bit PNG of side x side pixels, all black: ~70 KB for 20000 x 20000."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    rows = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def iphone_video(seconds: float = 3.0, size=(640, 360), fps: int = 30) -> bytes:
    """An HEVC (libx265, as an iPhone records by default) + AAC clip in MOV, with motion and a tone."""
    import av
    import numpy as np

    buffer = io.BytesIO()
    width, height = size
    x = np.arange(width, dtype=np.int32)[None, :]
    y = np.arange(height, dtype=np.int32)[:, None]
    with av.open(buffer, "w", format="mov") as output:
        video = output.add_stream("libx265", rate=fps)
        video.width, video.height, video.pix_fmt = width, height, "yuv420p"
        video.options = {"x265-params": "log-level=error", "preset": "ultrafast"}
        audio = output.add_stream("aac", rate=48000, layout="stereo")
        for index in range(int(fps * seconds)):
            shift = index * 6
            rgb = np.stack(
                [(x + shift) % 256 + 0 * y, (y + shift) % 256 + 0 * x, ((x + y) // 2) % 256], axis=-1
            )
            frame = av.VideoFrame.from_ndarray(rgb.astype(np.uint8), format="rgb24")
            output.mux(video.encode(frame))
        output.mux(video.encode())
        samples = np.arange(int(48000 * seconds))
        tone = (0.3 * np.sin(2 * np.pi * 440 * samples / 48000)).astype(np.float32)
        for start in range(0, len(tone), 1024):
            chunk = np.stack([tone[start : start + 1024]] * 2)
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate = 48000
            output.mux(audio.encode(frame))
        output.mux(audio.encode())
    return buffer.getvalue()


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
        self.server = _QuietServer(("127.0.0.1", port), handler_for(self.state)) if listen else None
        if self.server is not None:
            port = self.server.server_address[1]
        self._port = port
        self.thread: threading.Thread | None = None
        self.load_wa_media_vectors()
        self.add_picture("default", tiny_jpeg())
        self.state.post_incoming = self.post_incoming

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
        media.enc = flip_middle(media.enc)

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
        """Forget calls, faults, sends and profile pictures (media files stay: they are immutable),
        and go back to Evolution 2.4 behaviour with no webhooks."""
        with self.state.lock:
            self.state.calls.clear()
            self.state.faults.clear()
            self.state.profile_urls.clear()
            self.state.sent.clear()
            self.state.answers.clear()
            self.state.reactions.clear()
            self.state.honour_message_id = True
            self.state.webhook_url = None
            self.state.auto_ack_seconds = None

    # --- what was sent to WhatsApp --------------------------------------------------------------------

    def sent(self) -> list:
        """Every send that went out (sends.Sent: id, route, mediatype, mimetype, data, …), in order."""
        with self.state.lock:
            return list(self.state.sent)

    def reactions(self) -> list[dict]:
        """Every sendReaction call that was accepted (target id, emoji, remote_jid), in order."""
        with self.state.lock:
            return list(self.state.reactions)

    def ack(self, message_id: str, status: str = "DELIVERY_ACK") -> int | None:
        """POST a `messages.update` receipt for a send to `state.webhook_url`; its HTTP status."""
        return sends.ack(self.state, message_id, status)

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
            _, node, _ = wa_content.media_node(wa_content.unwrap(data["message"]).message)
            self.point_node_at(node, self.state.media[media])
            self.state.messages[data["key"]["id"]] = media
        if "timestamp" in changes:
            data["messageTimestamp"] = changes.pop("timestamp")
        assert not changes, changes
        return payload

    def post_incoming(self, spec: dict) -> dict:
        """A customer writes: post one `messages.upsert` of `spec["kind"]` (a KINDS key) to the
        webhook, with a fresh id (or `spec["id"]`), now (or `spec["seconds_ago"]`), from
        `spec["remote_jid"]` when given; a text says `spec["text"]` when given."""
        if spec["kind"] == "picture":
            return self._post_picture(spec)
        if spec["kind"] in traffic.TRAFFIC_KINDS:
            return self._post_traffic(spec)
        fixture, media = KINDS[spec["kind"]]
        if media in MADE_MEDIA and media not in self.state.media:
            make, media_type, mimetype = MADE_MEDIA[media]
            self.add_media(media, make(), media_type, mimetype)
        message_id = spec.get("id") or f"3A{random.randrange(16**16):016X}"  # noqa: S311
        # `seconds_ago`: a message the phone sends late (sent then, delivered now), for older days.
        changes = {"id": message_id, "timestamp": int(time.time()) - int(spec.get("seconds_ago", 0))}
        if spec.get("remote_jid"):
            changes["remote_jid"] = spec["remote_jid"]
        payload = self.webhook(fixture, media, **changes)
        if spec.get("push_name"):
            payload["data"]["pushName"] = spec["push_name"]
        if "text" in spec and "conversation" in payload["data"]["message"]:
            payload["data"]["message"]["conversation"] = spec["text"]
        if "caption" in spec:
            node = next(v for k, v in payload["data"]["message"].items() if k.endswith("Message"))
            node["caption"] = spec["caption"]
        status = sends.post_webhook(self.state, payload["event"], payload["data"])
        return {"id": message_id, "webhook": status}

    def _post_traffic(self, spec: dict) -> dict:
        """One of tools/fake_whatsapp/traffic.py's shapes; its ids, and the last webhook's status
        (the first failing one's, if any failed)."""
        jid = spec.get("remote_jid") or "5511999990000@s.whatsapp.net"
        name = spec.get("push_name") or "João Cliente"
        made, posts = traffic.TRAFFIC_KINDS[spec["kind"]](self, jid, name, spec)
        status = None
        for event, data in posts:
            status = sends.post_webhook(self.state, event, data)
            if status != 200:
                break
        return {**made, "webhook": status}

    def _post_picture(self, spec: dict) -> dict:
        """The contact changed their profile picture (`contacts.update` with a URL on this fake)."""
        contact = copy.deepcopy(load_fixture("contacts-update-single.json"))
        data = contact["data"]
        data["remoteJid"] = spec.get("remote_jid") or data["remoteJid"]
        data["pushName"] = spec.get("push_name") or data["pushName"]
        data["profilePicUrl"] = self.add_picture(f"pic{random.randrange(10**9)}", tiny_jpeg())  # noqa: S311
        return {"webhook": sends.post_webhook(self.state, contact["event"], data)}

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
