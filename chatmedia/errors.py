"""One JSON error shape for every API and media error: `{"error": {"code", "message"}}`.

Used by DRF (exception handler) and by Django's 404/500 handlers for /api/, /media/ and webhooks, so
a malformed id or an unknown URL answers JSON, never an HTML page or a 500.
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpResponseNotFound, JsonResponse
from rest_framework import exceptions
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)

JSON_PREFIXES = ("/api/", "/media/", "/webhooks/", "/uploads/")


class Refused(Exception):
    """A request we do not carry out: HTTP status, machine code and a message for people.
    API views answer it with `error_response` (never a 500)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JsonResponse:
    response = JsonResponse({"error": {"code": code, "message": message}}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _message_of(detail) -> str:
    if isinstance(detail, dict):
        parts = []
        for field, value in detail.items():
            text = _message_of(value)
            parts.append(text if field == "non_field_errors" else f"{field}: {text}")
        return "; ".join(parts)
    if isinstance(detail, list):
        return " ".join(_message_of(item) for item in detail)
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, Refused):
        return error_response(exc.status, exc.code, exc.message)
    # Django's own exceptions become their DRF equivalents, so they get a proper code too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API exception: Django logs it and handler500 answers
    detail, codes = exc.detail, exc.get_codes()
    code = exc.default_code if isinstance(codes, dict | list) else codes
    body = {"error": {"code": str(code), "message": _message_of(detail)}}
    if isinstance(detail, dict):
        body["error"]["fields"] = detail
    response.data = body
    return response


def handler404(request, exception=None):
    if request.path.startswith(JSON_PREFIXES):
        return error_response(404, "not_found", "Not found.")
    return HttpResponseNotFound("Not found.", content_type="text/plain")


def handler500(request):
    return error_response(500, "server_error", "Internal error; it has been logged.")
