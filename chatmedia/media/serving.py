"""Authorized reads of stored media. Now: profile pictures (`/media/avatar/<conversation-uuid>`).

A member of the conversation's tenant (session or `Authorization: Token`) gets the picture; no
picture, an unknown id and another tenant's id all get the same 404 (the UI then shows initials).
Avatars are small: they are cached whole (invalidated when the picture changes), with an ETag of
their content hash and `Cache-Control: private`.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from chatmedia.chat.models import Conversation
from chatmedia.errors import error_response
from chatmedia.media import cache as media_cache
from chatmedia.media.storage import ObjectNotFound, StorageError, media_storage
from chatmedia.tenancy.auth import ApiTokenAuthentication
from chatmedia.tenancy.scoping import tenant_for_session


def request_tenant(request: HttpRequest):
    """The tenant a session or API token acts in, or None (same rules as the API)."""
    try:
        found = ApiTokenAuthentication().authenticate(Request(request))
    except AuthenticationFailed:
        return None
    if found is not None:
        _, token = found
        return token.membership.tenant
    return tenant_for_session(request.user, request.session)


def _not_found() -> HttpResponse:
    return error_response(404, "not_found", "Not found.")


def avatar(request: HttpRequest, conversation_id: uuid.UUID) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return error_response(405, "method_not_allowed", "Only GET.", {"Allow": "GET, HEAD"})
    tenant = request_tenant(request)
    if tenant is None:
        return error_response(401, "unauthorized", "Log in or send an API token.")
    key = media_cache.avatar_key(conversation_id)
    cached = media_cache.get(key)
    if cached is not None and cached["tenant"] == str(tenant.id):
        sha256, content_type, body, hit = cached["sha256"], cached["content_type"], cached["body"], True
    else:
        conversation = (
            Conversation.objects.select_related("avatar").filter(tenant=tenant, pk=conversation_id).first()
        )
        if conversation is None or conversation.avatar is None:
            return _not_found()
        blob = conversation.avatar
        try:
            with media_storage().open(blob.storage_key) as stream:
                body = stream.read(settings.AVATAR_MAX_BYTES + 1)
        except ObjectNotFound:
            return _not_found()
        except StorageError:
            return error_response(
                503, "unavailable", "Storage is unavailable; try again.", {"Retry-After": "5"}
            )
        sha256, content_type, hit = blob.sha256, blob.content_type, False
        media_cache.put(
            key,
            {"tenant": str(tenant.id), "sha256": sha256, "content_type": content_type, "body": body},
            settings.AVATAR_CACHE_SECONDS,
        )
    etag = f'"{sha256}"'
    headers = {
        "ETag": etag,
        "Cache-Control": f"private, max-age={settings.AVATAR_CACHE_SECONDS}",
        "X-Cache": "HIT" if hit else "MISS",
        "X-Content-Type-Options": "nosniff",
    }
    if etag in [tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")]:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=content_type)
        response["Content-Length"] = str(len(body))
    for name, value in headers.items():
        response[name] = value
    return response
