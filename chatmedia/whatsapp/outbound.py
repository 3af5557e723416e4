"""Server-side HTTP fetches of media, safely: the only way this service downloads from the internet.

- Only hosts in WHATSAPP_MEDIA_HOSTS (`host`, `*.domain`, or `host:port`) are fetched, over https.
  An entry with an explicit port names a trusted service on a known address (the tests' fake CDN
  at 127.0.0.1:<port>): only such entries may use plain http or a private address.
- Every address the host resolves to is checked *after* DNS resolution; private, loopback,
  link-local and other non-public addresses are refused unless the entry is `host:port`. The
  connection then goes to the checked address (SNI and Host keep the name), so a DNS answer that
  changes between the check and the connect (rebinding) cannot reach an internal service.
- Redirects are not followed; sizes are capped while streaming; connect/read/total timeouts apply.
Never called with a URL a user typed: only with URLs WhatsApp/Evolution put into a webhook.
"""

from __future__ import annotations

import ipaddress
import socket
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings


class FetchError(Exception):
    """`transient`: worth retrying later (network, 5xx, 429); otherwise permanent.
    `ambiguous`: the request may have been carried out although no answer came (a timeout after it
    was sent); repeating a non-idempotent call (a send) could do it twice."""

    def __init__(
        self,
        code: str,
        message: str,
        *,
        transient: bool = False,
        status: int | None = None,
        ambiguous: bool = False,
    ):
        super().__init__(message)
        self.code = code
        self.transient = transient
        self.status = status
        self.ambiguous = ambiguous


@dataclass(frozen=True)
class HostRule:
    """One WHATSAPP_MEDIA_HOSTS entry: `host`, `host:port` or `*.domain` (default port only)."""

    name: str
    port: int | None
    wildcard: bool

    @classmethod
    def parse(cls, entry: str) -> HostRule:
        entry = entry.strip().lower()
        name, port = entry, None
        if entry.count(":") == 1:
            name, _, port_text = entry.partition(":")
            port = int(port_text)
        return cls(name.removeprefix("*."), port, entry.startswith("*."))

    @property
    def trusted(self) -> bool:
        """`host:port`: an operator named one service exactly; it may be local and plain http."""
        return self.port is not None and not self.wildcard

    def matches(self, host: str, port: int, default_port: int) -> bool:
        if self.wildcard:
            return host.endswith("." + self.name) and port == default_port
        return host == self.name and port == (self.port or default_port)


def host_rules() -> list[HostRule]:
    return [HostRule.parse(entry) for entry in settings.WHATSAPP_MEDIA_HOSTS]


# IPv6 prefixes that carry an IPv4 address a gateway reaches for us (NAT64, 6to4): Python counts
# them as global, but `64:ff9b::10.0.0.1` is 10.0.0.1 behind a NAT64 gateway. Never public.
TRANSLATED_PREFIXES = tuple(
    ipaddress.ip_network(prefix) for prefix in ("64:ff9b::/96", "64:ff9b:1::/48", "2002::/16")
)


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped:
            ip = ip.ipv4_mapped
        elif any(ip in prefix for prefix in TRANSLATED_PREFIXES):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    url: str  # what we connect to (host replaced by the checked address)
    host_header: str
    sni: str | None


def resolve_target(url: str) -> Target:
    """Check `url` against the allow-list and pin it to a checked address; FetchError if refused."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise FetchError("host_not_allowed", "not an http(s) URL")
    default_port = 443 if parts.scheme == "https" else 80
    try:
        port = parts.port or default_port
    except ValueError:
        raise FetchError("host_not_allowed", "invalid port") from None
    rule = next((r for r in host_rules() if r.matches(host, port, default_port)), None)
    if rule is None:
        raise FetchError("host_not_allowed", f"host {host} is not in WHATSAPP_MEDIA_HOSTS")
    if parts.scheme != "https" and not rule.trusted:
        raise FetchError("host_not_allowed", "plain http is allowed only for hosts listed as host:port")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise FetchError("unreachable", f"cannot resolve {host}: {exc}", transient=True) from None
    addresses = [info[4][0] for info in infos]
    if not rule.trusted and not all(_is_public(a) for a in addresses):
        raise FetchError("host_not_allowed", f"{host} resolves to a non-public address")
    address = addresses[0]
    netloc_host = f"[{address}]" if ":" in address else address
    pinned = urlunsplit((parts.scheme, f"{netloc_host}:{port}", parts.path, parts.query, ""))
    host_header = host if port == default_port else f"{host}:{port}"
    return Target(pinned, host_header, host if parts.scheme == "https" else None)


def _timeout() -> httpx.Timeout:
    return httpx.Timeout(
        connect=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS,
        read=settings.OUTBOUND_READ_TIMEOUT_SECONDS,
        write=settings.OUTBOUND_READ_TIMEOUT_SECONDS,
        pool=settings.OUTBOUND_CONNECT_TIMEOUT_SECONDS,
    )


def classify_status(status: int) -> FetchError:
    if status in (404, 410):
        return FetchError(
            "expired", f"the media server answered {status} (expired or removed)", status=status
        )
    if status == 429 or status >= 500:
        return FetchError("unavailable", f"the media server answered {status}", transient=True, status=status)
    return FetchError("refused", f"the media server answered {status}", status=status)


@contextmanager
def _stream(url: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
    target = resolve_target(url)
    request_headers = {"Host": target.host_header, "User-Agent": "chatmedia", **headers}
    extensions = {"sni_hostname": target.sni} if target.sni else {}
    try:
        with (
            httpx.Client(timeout=_timeout(), follow_redirects=False, trust_env=False) as client,
            client.stream("GET", target.url, headers=request_headers, extensions=extensions) as response,
        ):
            yield response
    except httpx.TimeoutException as exc:
        raise FetchError(
            "timeout", f"the media server timed out ({type(exc).__name__})", transient=True
        ) from None
    except httpx.TransportError as exc:
        raise FetchError("unreachable", f"cannot reach the media server: {exc}", transient=True) from None


def fetch_to_spool(url: str, max_bytes: int, headers: dict[str, str] | None = None):
    """GET `url` into a spooled temp file (at position 0), at most `max_bytes`; FetchError otherwise."""
    deadline = time.monotonic() + settings.OUTBOUND_TOTAL_TIMEOUT_SECONDS
    spool = tempfile.SpooledTemporaryFile(max_size=settings.MEDIA_SPOOL_MEMORY_BYTES)  # noqa: SIM115
    try:
        with _stream(url, headers or {}) as response:
            if response.status_code != 200:
                raise classify_status(response.status_code)
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > max_bytes:
                raise FetchError("too_large", f"the file is larger than the limit of {max_bytes} bytes")
            received = 0
            for chunk in response.iter_bytes(settings.MEDIA_STREAM_CHUNK_BYTES):
                received += len(chunk)
                if received > max_bytes:
                    raise FetchError("too_large", f"the file is larger than the limit of {max_bytes} bytes")
                if time.monotonic() > deadline:
                    raise FetchError("timeout", "the download took too long", transient=True)
                spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool
