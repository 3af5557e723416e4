import logging

from chatmedia.ops.logging import RedactSecrets, redact


def test_webhook_secrets_are_redacted_from_log_lines():
    assert redact("Unauthorized: /webhooks/evolution/acme/s3cr3t-value/messages-upsert") == (
        "Unauthorized: /webhooks/evolution/acme/<secret>/messages-upsert"
    )
    record = logging.LogRecord(
        "django.request", logging.WARNING, "", 0, "Not Found: %s", ("/webhooks/evolution/a/xyz/",), None
    )
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "Not Found: /webhooks/evolution/a/<secret>/"
    assert redact("GET /api/conversations/") == "GET /api/conversations/"
