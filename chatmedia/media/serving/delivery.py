"""HTTP semantics of a served media object, free of any framework: what to answer and with which headers.

- `Range: bytes=a-b | a- | -n` (one range) → 206 + Content-Range; past the end → 416 with
  `Content-Range: bytes */size`; several ranges or a malformed header → the whole body (RFC 9110
  lets a server ignore Range); `If-Range` that does not match the ETag → the whole body.
- `ETag` is the content's sha256; `If-None-Match` matching it (weakly, or `*`) → 304.
- `Content-Disposition`: inline only for MEDIA_INLINE_TYPES (never SVG or HTML), else attachment;
  both with an RFC 6266/5987 `filename*` and an ASCII fallback.
- Every answer carries nosniff, a restrictive CSP, no Referer, and same-origin resource policy.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings

from chatmedia.media.filenames import safe_file_name

# Never rendered by the browser, whatever a setting says: they run script in our origin.
NEVER_INLINE = frozenset(
    {"image/svg+xml", "text/html", "application/xhtml+xml", "text/xml", "application/xml", "text/javascript"}
)
# Served files may show themselves, never run anything or load anything from elsewhere. Our own
# pages may frame them (the PDF viewer), no other site may. PDFs get no `sandbox`: Chromium refuses
# to run its PDF viewer in a sandboxed document.
_CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self'; style-src 'unsafe-inline'; "
    "frame-ancestors 'self'"
)
CSP = f"{_CSP}; sandbox"
CSP_PDF = f"{_CSP}; object-src 'self'"

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# A byte position with more digits than this is past the end of any file we store (10^18 bytes);
# Python refuses to convert a string of over 4 300 digits to an int at all.
POSITION_MAX_DIGITS = 18
_BEYOND_ANY_FILE = 10**POSITION_MAX_DIGITS


def _position(digits: str) -> int:
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= POSITION_MAX_DIGITS else _BEYOND_ANY_FILE


@dataclass(frozen=True)
class Plan:
    """What to send: status, and for 200/206 the inclusive byte span of the body."""

    status: int
    start: int = 0
    end: int = -1  # inclusive; -1 with size 0

    @property
    def length(self) -> int:
        return self.end - self.start + 1 if self.status in (200, 206) else 0


def etag_of(sha256: str) -> str:
    return f'"{sha256}"'


def _tags(header: str) -> list[str]:
    return [tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()]


def not_modified(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = _tags(if_none_match)
    return "*" in tags or etag in tags


def byte_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(start, end) of a satisfiable single range; None = serve it all; False = unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip().replace(" ", ""))
    if match is None:
        return None  # several ranges, another unit, or garbage: ignore the header
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # suffix: the last n bytes
        n = _position(last)
        if n == 0 or size == 0:
            return False
        return max(0, size - n), size - 1
    start = _position(first)
    if start >= size:
        return False
    end = size - 1 if not last else min(_position(last), size - 1)
    if end < start:
        return None  # invalid (a-b with b < a): ignore, per RFC 9110
    return start, end


def plan(
    size: int, etag: str, range_header: str | None, if_range: str | None, if_none_match: str | None
) -> Plan:
    if not_modified(if_none_match, etag):
        return Plan(304)
    span = byte_range(range_header, size)
    if span is not None and if_range is not None and if_range.strip() != etag:
        span = None  # the client's partial copy is of other bytes: send the whole thing
    if span is False:
        return Plan(416)
    if span is None:
        return Plan(200, 0, size - 1)
    return Plan(206, span[0], span[1])


def is_inline(content_type: str) -> bool:
    base = content_type.split(";")[0].strip().lower()
    return base not in NEVER_INLINE and base in settings.MEDIA_INLINE_TYPES


def content_disposition(content_type: str, file_name: str, download: bool = False) -> str:
    """Inline for the safe types, unless the link asked for a download (`?download=1`)."""
    kind = "inline" if is_inline(content_type) and not download else "attachment"
    name = safe_file_name(file_name) or "file"  # names are cleaned on the way in; again, to be sure
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()\-]", "_", ascii_name).strip() or "file"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def security_headers(content_type: str) -> list[tuple[str, str]]:
    base = content_type.split(";")[0].strip().lower()
    return [
        ("X-Content-Type-Options", "nosniff"),
        ("Content-Security-Policy", CSP_PDF if base == "application/pdf" else CSP),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
    ]


def response_headers(
    *,
    content_type: str,
    size: int,
    sha256: str,
    file_name: str,
    max_age: int,
    immutable: bool,
    plan: Plan,
    cache_status: str,
    download: bool = False,
) -> list[tuple[str, str]]:
    """All headers of a 200/206/304/416 for the object (Content-Length included)."""
    cache_control = f"private, max-age={max_age}" + (", immutable" if immutable else "")
    headers = [
        ("ETag", etag_of(sha256)),
        ("Cache-Control", cache_control),
        ("Accept-Ranges", "bytes"),
        ("X-Cache", cache_status),
    ]
    if plan.status == 304:
        return headers
    if plan.status == 416:
        return [
            *headers,
            ("Content-Range", f"bytes */{size}"),
            ("Content-Type", "application/json"),
            *security_headers("application/json"),
        ]
    headers += [
        ("Content-Type", content_type),
        ("Content-Length", str(plan.length)),
        ("Content-Disposition", content_disposition(content_type, file_name, download)),
        *security_headers(content_type),
    ]
    if plan.status == 206:
        headers.append(("Content-Range", f"bytes {plan.start}-{plan.end}/{size}"))
    return headers
