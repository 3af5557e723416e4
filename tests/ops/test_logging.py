import json
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


def test_json_lines_carry_context_and_no_secret_even_in_extra_fields():
    from chatmedia.ops.logging import AddContext, JsonFormatter, context

    class Request:  # what django.request passes as `extra={"request": …}`
        def __repr__(self):
            return "<ASGIRequest: POST '/webhooks/evolution/acme/s3cr3t-value/'>"

    record = logging.LogRecord(
        "django.request", logging.ERROR, "", 0, "Service Unavailable: %s", ("/x",), None
    )
    record.request = Request()
    record.signed = "/media/1/thumb?tenant=t&exp=1&sig=abcdef0123456789"
    record.blob = "A" * 200  # base64 of a file or a key
    with context(tenant="acme", attachment="a-1"):
        AddContext().filter(record)
    line = JsonFormatter().format(record)
    parsed = json.loads(line)
    assert parsed["level"] == "ERROR" and parsed["logger"] == "django.request"
    assert (parsed["tenant"], parsed["attachment"]) == ("acme", "a-1")
    assert "s3cr3t-value" not in line and "abcdef0123456789" not in line and "A" * 120 not in line
