"""Our own stand-in for S3 presigned URLs (`storage.upload_tokens` makes them).

- `PUT <PUBLIC_BASE_URL>/uploads/local/<token>`: a browser upload when media lives on local disk,
  exactly as it would PUT to a presigned S3 URL. The token carries the key, expiry, the Content-Type
  the client must send (and the length, when fixed), or the multipart upload and part number.
  Checked like S3 does: a bad signature, an expired URL or a different Content-Type is refused with
  403 and nothing is written.
- `GET <PUBLIC_BASE_URL>/uploads/local/<token>` with a download token: Evolution fetching a file we
  send (local disk, or a voice note whose URL Evolution decorates with `?timestamp=`), streamed in
  constant memory.
An upload token never reads and a download token never writes. No database query: the token is
the whole authorization.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core import signing
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from chatmedia.errors import error_response
from chatmedia.media.serving import blocking
from chatmedia.media.storage import ObjectNotFound, StorageError, media_storage, upload_tokens
from chatmedia.media.storage.local import LocalMediaStorage


class _BoundedBody:
    """Reads the request body and stops with TooLarge once more than `limit` bytes arrive."""

    class TooLarge(Exception):
        pass

    def __init__(self, request, limit: int) -> None:
        self._request = request
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        want = self._left + 1 if size < 0 else min(size, self._left + 1)
        chunk = self._request.read(want)
        self._left -= len(chunk)
        if self._left < 0:
            raise self.TooLarge
        return chunk


def _refuse(code: str, message: str):
    return error_response(403, code, message)


@csrf_exempt
@require_http_methods(["PUT", "GET", "HEAD"])
def receive(request, token: str):
    try:
        claims = upload_tokens.read(token)
    except signing.BadSignature:
        return _refuse("signature_invalid", "The URL signature does not match.")
    if claims["exp"] < time.time():
        return _refuse("url_expired", "The URL has expired; ask for a new one.")
    if request.method in ("GET", "HEAD"):
        if not claims.get("get"):
            return error_response(405, "method_not_allowed", "This URL only takes an upload (PUT).")
        return _download(request, claims)
    if claims.get("get"):
        return error_response(405, "method_not_allowed", "This URL only reads (GET).")
    storage = media_storage()
    if not isinstance(storage, LocalMediaStorage):
        return error_response(404, "not_found", "Uploads go to S3 on this deployment.")
    sent_type = request.headers.get("Content-Type", "")
    if "ct" in claims and sent_type != claims["ct"]:
        return _refuse("content_type_mismatch", "Content-Type differs from the one the URL was signed for.")
    length_header = request.headers.get("Content-Length")
    if "len" in claims and length_header != str(claims["len"]):
        return _refuse("content_length_mismatch", "Content-Length differs from the signed length.")
    limit = claims.get("len") or (
        settings.UPLOAD_PART_BYTES if "u" in claims else settings.MEDIA_MAX_OBJECT_BYTES
    )
    body = _BoundedBody(request, limit)
    try:
        if "u" in claims:
            etag = storage.save_part(claims["k"], claims["u"], claims["n"], body)
        else:
            _, etag = storage.receive(claims["k"], body)
    except _BoundedBody.TooLarge:
        return error_response(413, "too_large", f"The body is larger than {limit} bytes.")
    except ObjectNotFound:
        return error_response(404, "no_such_upload", "That multipart upload does not exist any more.")
    response = HttpResponse(status=200)
    response["ETag"] = f'"{etag}"'
    return response


async def _stream(storage, key: str):
    """The object chunk by chunk as an async iterator: Django's ASGI handler sends each as it comes
    (a sync iterator it would first read whole into a list: a 100 MB file in RAM). Each read runs in
    the media pool's threads, two chunks in memory at most; closed when the client goes."""
    chunks = iter(storage.iter_chunks(key))
    try:
        while (chunk := await blocking.next_chunk(chunks)) is not None:
            yield chunk
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            await blocking.run(close)


def _download(request, claims: dict):
    storage = media_storage()
    try:
        size = storage.size(claims["k"])
    except ObjectNotFound:
        return error_response(404, "not_found", "That file does not exist any more.")
    except StorageError:
        return error_response(503, "storage_unavailable", "The storage is not answering; try again.")
    body = [] if request.method == "HEAD" else _stream(storage, claims["k"])
    response = StreamingHttpResponse(body, content_type=claims.get("ct") or "application/octet-stream")
    response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
