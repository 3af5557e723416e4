"""What the fake WhatsApp side knows and remembers: media files, pictures, calls, faults."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
EVOLUTION_FIXTURES = FIXTURES / "evolution"
TRAFFIC_FIXTURES = FIXTURES / "evolution-traffic"
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
    "sendText",
    "sendReaction",
    "findGroupInfos",
)
# send_then_stall: the send goes out (and its webhook), then the answer is held `stall_seconds`.
# empty_body: the send goes out and the answer is a 201 with no body (Evolution 2.3.7 with its own
# S3 on, spec §10.3).
MODES = ("5xx", "timeout", "401", "404", "wrong_bytes", "send_then_stall", "empty_body")
TIMEOUT_SECONDS = 60  # how long a "timeout" fault stalls (longer than any client timeout in tests)


def load_fixture(name: str) -> dict:
    """A payload of the shared set (fixtures/evolution) or of real traffic (fixtures/evolution-traffic)."""
    path = EVOLUTION_FIXTURES / name
    if not path.exists():
        path = TRAFFIC_FIXTURES / name
    return json.loads(path.read_text())


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
    sent: list = field(default_factory=list)  # sends.Sent, in order
    answers: dict[str, dict] = field(default_factory=dict)  # key.id -> the 201 body of its send
    reactions: list[dict] = field(default_factory=list)  # sendReaction calls: target, emoji, remote_jid
    # findGroupInfos answers: group JID -> subject (the fixtures' group is "Pedidos ACME")
    group_subjects: dict[str, str] = field(
        default_factory=lambda: {"120363123456789012@g.us": "Pedidos ACME"}
    )
    honour_message_id: bool = True  # Evolution >= 2.4; False behaves like 2.3.7
    webhook_url: str | None = None  # where send.message / messages.update webhooks go
    # POST /__fake/incoming: builds and posts an incoming message (set by FakeWhatsApp)
    post_incoming: Callable[[dict], dict] | None = None
    auto_ack_seconds: float | None = None  # delivered, then read, this long after each send
    stall_seconds: float = TIMEOUT_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)

    def take_fault(self, route: str) -> str | None:
        with self.lock:
            fault = self.faults.get(route)
            if fault is None or fault.times == 0:
                return None
            fault.times -= 1
            return fault.mode


def flip_middle(data: bytes) -> bytes:
    corrupted = bytearray(data)
    corrupted[len(corrupted) // 2] ^= 0x01
    return bytes(corrupted)


def tiny_jpeg() -> bytes:
    """The image-01 vector's plaintext: a real JPEG, good enough as a profile picture."""
    return (WA_MEDIA / "image-01.jpg").read_bytes()
