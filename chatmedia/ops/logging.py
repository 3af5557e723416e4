"""Log hygiene: webhook secrets travel in URL paths, and Django logs paths (e.g. "Unauthorized: …")."""

from __future__ import annotations

import logging
import re

_WEBHOOK_SECRET = re.compile(r"(/webhooks/evolution/[^/\s]+/)[^/\s?]+")


def redact(text: str) -> str:
    return _WEBHOOK_SECRET.sub(r"\1<secret>", text)


class RedactSecrets(logging.Filter):
    """Replace the secret segment of webhook URLs in every record before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
