"""Structured logs: one JSON object per line, with the tenant, attachment, phase and duration.

- `context(tenant=…, attachment=…, message=…)` binds ids for everything logged inside it (a task,
  a webhook): `AddContext` copies them onto every record, so a line deep in the download code still
  says whose file it was.
- `JsonFormatter` writes `time level logger message` plus those fields and any `extra=`.
- `RedactSecrets` scrubs what must never reach a log even by accident: webhook secrets and local
  upload tokens travel in URL paths (Django logs paths), signed media URLs carry a signature, S3
  presigned URLs a credential and a signature, and a base64 run long enough to be media bytes or a
  key is cut.
Log only ids and sizes — never a token, a media key, a URL's query or file bytes.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import re

from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

_WEBHOOK_SECRET = re.compile(r"(/webhooks/evolution/[^/\s]+/)[^/\s?]+")
# A local upload/download URL is its own bearer credential (media.storage.upload_tokens).
_UPLOAD_TOKEN = re.compile(r"(/uploads/local/)[^/\s?\"']+")
# Query strings of signed URLs (ours: sig/exp/t; S3's: X-Amz-*; CDN: oh/oe) and bearer tokens.
_SIGNED_QUERY = re.compile(
    r"([?&](?:sig|signature|token|t|X-Amz-Signature|X-Amz-Credential|X-Amz-Security-Token|oh|apikey)=)"
    r"[^&\s\"']+",
    re.IGNORECASE,
)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
# 120+ base64 characters in a row: a key, a thumbnail or file bytes, never an id we log on purpose.
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/]{120,}={0,2}")

_context: contextvars.ContextVar[dict] = contextvars.ContextVar("chatmedia_log_context", default={})  # noqa: B039 - never mutated


def redact(text: str) -> str:
    text = _WEBHOOK_SECRET.sub(r"\1<secret>", text)
    text = _UPLOAD_TOKEN.sub(r"\1<token>", text)
    text = _SIGNED_QUERY.sub(r"\1<redacted>", text)
    text = _BEARER.sub(r"\1<redacted>", text)
    return _BASE64_RUN.sub("<base64 redacted>", text)


class RedactSecrets(logging.Filter):
    """Scrub secrets from the message (and a traceback's text) of every record before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


@contextlib.contextmanager
def context(**fields):
    """Bind `fields` (tenant, attachment, message, …) to every log record written inside."""
    token = _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields) -> None:
    """Add fields to the current context until `clear` (a task's whole run: see ops.apps)."""
    _context.set({**_context.get(), **{k: str(v) for k, v in fields.items() if v is not None}})


def clear() -> None:
    _context.set({})


def current_context() -> dict:
    return _context.get()


class AddContext(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in _context.get().items():
            if not hasattr(record, name):
                setattr(record, name, value)
        return True


class JsonFormatter(_JsonFormatter):
    """`{"time", "level", "logger", "message", …context and extra fields}` on one line."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("rename_fields", {"asctime": "time", "levelname": "level", "name": "logger"})
        kwargs.setdefault("timestamp", False)
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s", *args, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        # The whole line: `extra` fields can carry secrets too (django.request adds the request,
        # whose repr has the webhook URL with its secret).
        return redact(super().format(record))
