"""Optional virus scan: the last check before a file is stored and its attachment becomes ready.

Off by default (`MEDIA_SCANNER=""`). `MEDIA_SCANNER=clamd` streams the file to ClamAV's daemon
with the INSTREAM command (`CLAMD_ADDRESS`: `tcp://host:port` or `unix:///path/clamd.ctl`): the file
goes in MEDIA_SCAN_CHUNK_BYTES pieces, never whole in memory. Another backend is a class with
`scan(path) -> Verdict`, named in `SCANNERS`.

- Infected → the attachment is `failed` (`infected`, "the file contains malware (<signature>)"),
  its bytes are never stored.
- The scanner down or timing out → `ScanUnavailable`: a storage-like hiccup, retried by the task
  with backoff, then `failed` (`scan_unavailable`) — an unscanned file is never let through.
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from chatmedia.media.policy import Refusal
from chatmedia.media.storage import StorageError
from chatmedia.ops import metrics

logger = logging.getLogger(__name__)


class ScanUnavailable(StorageError):
    code = "scan_unavailable"
    reason = "the virus scanner did not answer; try again later"


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""


class ClamdScanner:
    """ClamAV's clamd over TCP or a Unix socket, INSTREAM (zero-terminated commands)."""

    def __init__(self, address: str, timeout: float, chunk_bytes: int) -> None:
        self.address, self.timeout, self.chunk_bytes = address, timeout, chunk_bytes

    def _connect(self) -> socket.socket:
        parts = urlsplit(self.address)
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            target: object = parts.path
        elif parts.scheme == "tcp" and parts.hostname and parts.port:
            sock = socket.socket(
                socket.AF_INET6 if ":" in parts.hostname else socket.AF_INET, socket.SOCK_STREAM
            )
            target = (parts.hostname, parts.port)
        else:
            raise ValueError(f"CLAMD_ADDRESS must be tcp://host:port or unix:///path, not {self.address!r}")
        sock.settimeout(self.timeout)
        try:
            sock.connect(target)
        except OSError:
            sock.close()
            raise
        return sock

    def scan(self, path: str) -> Verdict:
        try:
            with self._connect() as sock, open(path, "rb") as file:
                sock.sendall(b"zINSTREAM\0")
                while chunk := file.read(self.chunk_bytes):
                    sock.sendall(struct.pack("!L", len(chunk)) + chunk)
                sock.sendall(struct.pack("!L", 0))
                answer = b""
                while not answer.endswith(b"\0"):
                    received = sock.recv(4096)
                    if not received:
                        break
                    answer += received
        except OSError as exc:
            raise ScanUnavailable(f"clamd at {self.address}: {exc}") from None
        text = answer.rstrip(b"\0").decode("utf-8", "replace").strip()
        if text.endswith(" OK"):
            return Verdict(clean=True)
        if text.endswith(" FOUND"):
            return Verdict(clean=False, signature=text.removeprefix("stream:").removesuffix("FOUND").strip())
        # e.g. "INSTREAM size limit exceeded. ERROR": clamd could not judge the file
        raise ScanUnavailable(f"clamd answered {text[:200]!r}")


SCANNERS = {"clamd": ClamdScanner}


def scanner():
    name = settings.MEDIA_SCANNER
    if not name:
        return None
    return SCANNERS[name](
        settings.CLAMD_ADDRESS, settings.CLAMD_TIMEOUT_SECONDS, settings.MEDIA_SCAN_CHUNK_BYTES
    )


def scan(path: str) -> Refusal | None:
    """None when the file may be stored (clean, or scanning is off); a Refusal when infected.
    Raises ScanUnavailable when the scanner cannot tell."""
    backend = scanner()
    if backend is None:
        return None
    with metrics.phase("scan"):
        verdict = backend.scan(path)
    if verdict.clean:
        return None
    logger.warning("malware found: %s", verdict.signature, extra={"signature": verdict.signature})
    return Refusal("infected", f"the file contains malware ({verdict.signature})")
