"""The fake's sending side: `sendText`, `sendMedia` and `sendWhatsAppAudio` as Evolution 2.3.7 / 2.4 behave.

- `media` / `audio` may be an http(s) URL, which is downloaded like Evolution does (for
  sendWhatsAppAudio with `timestamp=<ms>` appended first, which breaks SigV4-presigned URLs, as in
  spec §10.2), or raw base64 (above ~2.7 MB Evolution crashes with "Maximum call stack size
  exceeded", #1885: reproduced). A download that fails is a 400, as Evolution answers.
- Every accepted send is kept (`State.sent`) with the bytes WhatsApp would get, so tests check what
  arrived; the answer is the 201 body of the fixtures with `fileSha256`/`fileLength` of those bytes
  (images are re-encoded to JPEG by Evolution, so their hash differs from what was given).
- `messageId` (Evolution >= 2.4): the key id of the send; the same id again returns the first
  answer and sends nothing (`honour_message_id`; False = 2.3.7, which ignores the field).
- With `webhook_url` set, the `send.message` webhook is POSTed before the answer (as Evolution emits
  it), and `ack()` posts `messages.update` receipts; `auto_ack_seconds` does that by itself.
"""

from __future__ import annotations

import base64
import binascii
import copy
import hashlib
import json
import mimetypes
import random
import threading
import time
from dataclasses import dataclass, field

import httpx

from tools.fake_whatsapp.state import load_fixture

BASE64_CRASH_CHARS = 2_700_000
DOWNLOAD_TIMEOUT_SECONDS = 60
MEDIATYPES = ("image", "video", "document", "audio")


@dataclass
class Sent:
    id: str
    route: str
    number: str
    mediatype: str
    mimetype: str
    file_name: str
    caption: str
    transport: str  # url | base64
    data: bytes
    body: dict  # the request without the media field
    at: float = field(default_factory=time.time)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    def summary(self) -> dict:
        return {
            "id": self.id,
            "route": self.route,
            "number": self.number,
            "mediatype": self.mediatype,
            "mimetype": self.mimetype,
            "fileName": self.file_name,
            "caption": self.caption,
            "transport": self.transport,
            "size": len(self.data),
            "sha256": self.sha256,
            # What the bytes are, for checks that cannot see them: "OggS" + Opus for a voice note.
            "magic": self.data[:4].decode("latin-1"),
            "opus": b"OpusHead" in self.data[:512],
            "quoted": ((self.body.get("quoted") or {}).get("key") or {}).get("id"),  # the id it answers
            "at": self.at,
        }


class SendFailure(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def body(self) -> dict:
        error = "Internal Server Error" if self.status >= 500 else "Bad Request"
        return {"status": self.status, "error": error, "response": {"message": [self.message]}}


def receive(value: str, *, audio: bool) -> tuple[bytes, str]:
    """The bytes Evolution would get from a `media`/`audio` field: (data, transport)."""
    if value.startswith(("http://", "https://")):
        url = value
        if audio:  # Evolution 2.3.7 audioWhatsapp: url + (url.includes('?') ? '&' : '?') + 'timestamp=' + now
            url += ("&" if "?" in url else "?") + f"timestamp={int(time.time() * 1000)}"
        try:
            response = httpx.get(url, timeout=DOWNLOAD_TIMEOUT_SECONDS, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise SendFailure(400, f"Error: {type(exc).__name__}: {exc}") from None
        if response.status_code != 200:
            raise SendFailure(400, f"Request failed with status code {response.status_code}")
        return response.content, "url"
    if len(value) > BASE64_CRASH_CHARS:
        raise SendFailure(500, "Maximum call stack size exceeded")
    try:
        return base64.b64decode(value, validate=True), "base64"
    except (binascii.Error, ValueError):
        raise SendFailure(400, "media is neither a URL nor valid base64") from None


def _bytes_field(data: bytes) -> dict:
    return {str(i): b for i, b in enumerate(data)}


def _answer_of(sent: Sent, template: str) -> dict:
    """The fixture answer addressed to this send's chat, with its id and the time now."""
    answer = copy.deepcopy(load_fixture(template))
    number = sent.number
    answer["key"]["remoteJid"] = (
        number if "@" in number else f"{''.join(c for c in number if c.isdigit())}@s.whatsapp.net"
    )
    answer["key"]["id"] = sent.id
    answer["messageTimestamp"] = int(time.time())
    return answer


def build_answer(sent: Sent, template: str, content_key: str) -> dict:
    answer = _answer_of(sent, template)
    (old_key,) = [k for k, v in answer["message"].items() if isinstance(v, dict) and "mimetype" in v]
    node = answer["message"].pop(old_key)
    stored = sent.data
    if sent.mediatype == "image":  # Evolution re-encodes pictures to JPEG (sharp): other bytes
        stored = b"re-encoded by sharp:" + stored
    node.update(
        {
            "mimetype": sent.mimetype,
            "fileSha256": _bytes_field(hashlib.sha256(stored).digest()),
            "fileLength": {"low": len(stored) % 2**32, "high": len(stored) >> 32, "unsigned": True},
        }
    )
    if sent.caption:
        node["caption"] = sent.caption
    if content_key == "documentMessage":
        node["fileName"] = sent.file_name or "file"
    answer["message"][content_key] = node
    answer["messageType"] = content_key
    return answer


def build_text_answer(sent: Sent) -> dict:
    """Evolution's answer to `sendText`: the sent message as `conversation` (shared/spec §10.3)."""
    answer = _answer_of(sent, "response-sendMedia-image.json")
    answer["message"] = {"conversation": sent.caption}
    answer["messageType"] = "conversation"
    return answer


def new_message_id() -> str:
    return "3EB0" + "".join(random.choice("0123456789ABCDEF") for _ in range(18))  # noqa: S311


def mimetype_of(body: dict, mediatype: str) -> str:
    """Evolution 2.3.7: with a fileName the MIME comes from its extension ("false" if unknown),
    even for images it re-encoded to JPEG; without one, from `mimetype`."""
    if body.get("fileName"):
        return mimetypes.guess_type(body["fileName"])[0] or "false"
    return body.get("mimetype") or ("image/jpeg" if mediatype == "image" else "false")


def accept(state, route: str, body: dict) -> tuple[int, dict, bool]:
    """(status, answer, repeated): validate, fetch the media, record the send."""
    number = str(body.get("number", ""))
    if not number:
        raise SendFailure(400, "number is required")
    if number.startswith("5511955550000"):
        return 400, load_fixture("error-400-number-not-on-whatsapp.json"), False
    quoted = _quoted_of(body)
    given_id = body.get("messageId") if state.honour_message_id else None
    if isinstance(given_id, str) and given_id:
        with state.lock:
            earlier = state.answers.get(given_id)
        if earlier is not None:
            return 201, earlier, True
    if route == "sendText":
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise SendFailure(400, "text is required")
        data, transport = b"", "text"
        mediatype, mimetype, template, content_key = "text", "", "", ""
        caption, file_name = text, ""
    elif route == "sendWhatsAppAudio":
        if not body.get("audio"):
            raise SendFailure(400, "audio is required")
        data, transport = receive(str(body["audio"]), audio=True)
        mediatype, mimetype = "audio", "audio/ogg; codecs=opus"
        template, content_key = "response-sendWhatsAppAudio.json", "audioMessage"
        caption, file_name = "", ""
    else:
        mediatype = body.get("mediatype")
        if mediatype not in MEDIATYPES:
            raise SendFailure(400, "mediatype is invalid")
        if not body.get("media"):
            raise SendFailure(400, "media is required")
        data, transport = receive(str(body["media"]), audio=False)
        mimetype = mimetype_of(body, mediatype)
        template, content_key = "response-sendMedia-image.json", f"{mediatype}Message"
        caption = str(body.get("caption") or "") if mediatype != "audio" else ""
        file_name = str(body.get("fileName") or "")
    sent = Sent(
        id=given_id or new_message_id(),
        route=route,
        number=number,
        mediatype=mediatype,
        mimetype=mimetype,
        file_name=file_name,
        caption=caption,
        transport=transport,
        data=data,
        body={k: v for k, v in body.items() if k not in ("media", "audio")},
    )
    answer = build_text_answer(sent) if route == "sendText" else build_answer(sent, template, content_key)
    if quoted is not None:
        _add_quote(answer, quoted)
    with state.lock:
        state.sent.append(sent)
        state.answers[sent.id] = answer
    return 201, answer, False


def _quoted_of(body: dict) -> dict | None:
    """Evolution's `quoted` option (message.schema.ts quotedOptionsSchema: `key.id` required)."""
    if "quoted" not in body:
        return None
    quoted = body["quoted"]
    key = quoted.get("key") if isinstance(quoted, dict) else None
    if not isinstance(key, dict) or not isinstance(key.get("id"), str) or not key["id"]:
        raise SendFailure(400, "quoted.key.id is required")
    return quoted


def _add_quote(answer: dict, quoted: dict) -> None:
    """The sent message carries the quote in its contextInfo; for a text Evolution moves it to
    `contextInfo` beside the message (prepareMessage turns extendedTextMessage into conversation)."""
    context = {
        "stanzaId": quoted["key"]["id"],
        "participant": quoted["key"].get("remoteJid") if not quoted["key"].get("fromMe") else "",
        "quotedMessage": quoted.get("message") if isinstance(quoted.get("message"), dict) else {},
    }
    node = next(
        (v for k, v in answer["message"].items() if k.endswith("Message") and isinstance(v, dict)), None
    )
    if node is not None:
        node["contextInfo"] = context
    answer["contextInfo"] = context


def accept_reaction(state, body: dict) -> dict:
    """`POST /message/sendReaction` (reactionMessageSchema: key.id, key.remoteJid, key.fromMe and
    reaction required; '' removes). The answer is the sent reaction message."""
    key = body.get("key")
    if not isinstance(key, dict) or not key.get("id") or not key.get("remoteJid") or "fromMe" not in key:
        raise SendFailure(400, "key.id, key.remoteJid and key.fromMe are required")
    if not isinstance(body.get("reaction"), str):
        raise SendFailure(400, "reaction is required")
    answer = {
        "key": {"remoteJid": key["remoteJid"], "fromMe": True, "id": new_message_id()},
        "pushName": "",
        "status": "PENDING",
        "message": {
            "reactionMessage": {
                "key": {"remoteJid": key["remoteJid"], "fromMe": key["fromMe"], "id": key["id"]},
                "text": body["reaction"],
                "senderTimestampMs": str(int(time.time() * 1000)),
            }
        },
        "messageType": "reactionMessage",
        "messageTimestamp": int(time.time()),
        "instanceId": "0b7c3f9e-5a21-4d6e-9c3b-2f8e1a4d7c55",
        "source": "web",
    }
    with state.lock:
        state.reactions.append(
            {"target": key["id"], "emoji": body["reaction"], "remote_jid": key["remoteJid"]}
        )
    return answer


# --- webhooks the fake sends to chatmedia ---------------------------------------------------------------


def post_webhook(state, event: str, data: dict) -> int | None:
    if not state.webhook_url:
        return None
    payload = {
        "event": event,
        "instance": state.instance,
        "data": data,
        "destination": state.webhook_url,
        "date_time": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "sender": "5511988880000@s.whatsapp.net",
        "server_url": "http://fake-evolution",
        "apikey": None,
    }
    status = _post_once(state.webhook_url, payload)
    if status is None or status >= 500 or status == 413:
        # Evolution retries everything but 400/401/403/404/422 (spec §3.3), 10 tries with a doubling
        # delay (5 s there; WEBHOOK_RETRY_FIRST_DELAY_SECONDS here, so tests need not wait minutes).
        threading.Thread(target=_retry, args=(state.webhook_url, payload), daemon=True).start()
    return status


WEBHOOK_RETRY_TRIES = 10
WEBHOOK_RETRY_FIRST_DELAY_SECONDS = 0.5


def _post_once(url: str, payload: dict) -> int | None:
    try:
        return httpx.post(url, json=payload, timeout=10).status_code
    except httpx.HTTPError:
        return None


def _retry(url: str, payload: dict) -> None:
    delay = WEBHOOK_RETRY_FIRST_DELAY_SECONDS
    for _ in range(WEBHOOK_RETRY_TRIES - 1):
        time.sleep(delay)
        status = _post_once(url, payload)
        if status is not None and status < 500 and status != 413:
            return
        delay = min(delay * 2, 30)


def ack(state, message_id: str, status: str = "DELIVERY_ACK", remote_jid: str = "") -> int | None:
    """POST a `messages.update` receipt for one of our sends (DELIVERY_ACK, READ, PLAYED…)."""
    with state.lock:
        answer = state.answers.get(message_id)
    jid = remote_jid or (answer["key"]["remoteJid"] if answer else "")
    data = {
        "keyId": message_id,
        "remoteJid": jid,
        "fromMe": True,
        "status": status,
        "instanceId": "0b7c3f9e-5a21-4d6e-9c3b-2f8e1a4d7c55",
    }
    return post_webhook(state, "messages.update", data)


def after_send(state, answer: dict) -> None:
    """What Evolution does once a send went out: the `send.message` webhook, and receipts later."""
    post_webhook(state, "send.message", answer)
    if state.auto_ack_seconds is not None:
        message_id = answer["key"]["id"]

        def receipts() -> None:
            time.sleep(state.auto_ack_seconds)
            ack(state, message_id, "DELIVERY_ACK")
            time.sleep(state.auto_ack_seconds)
            ack(state, message_id, "READ")

        threading.Thread(target=receipts, daemon=True).start()


def sends_json(state) -> bytes:
    with state.lock:
        return json.dumps([s.summary() for s in state.sent]).encode()
