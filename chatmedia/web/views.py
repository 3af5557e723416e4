"""The web chat: the single-page app's shell at `/` and the session login it uses.

The app itself is built by Vite from `frontend/` into `frontend/dist` (served as static files under
`/static/app/`); this module only hands out `index.html` with a CSRF cookie and logs people in and
out. Everything else the app does goes through the same API and WebSocket as any other client.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate, login, logout
from django.core.cache import cache
from django.http import HttpResponse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from chatmedia.errors import error_response
from chatmedia.ops.clients import client_address

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>chatmedia</title>
<p>The web chat is not built yet. Run <code>make run</code> (it builds <code>frontend/</code>), or
<code>make frontend</code>.</p>"""


@never_cache
@ensure_csrf_cookie
def app_shell(request):
    """index.html of the built app; the app asks `/api/me/` and shows the login form on 401/403."""
    index = settings.FRONTEND_DIST_DIR / "index.html"
    try:
        html = index.read_text(encoding="utf-8")
    except FileNotFoundError:
        return HttpResponse(NOT_BUILT, status=503)
    response = HttpResponse(html)
    # The app loads only its own scripts and styles; media and the WebSocket are same-origin, uploads
    # go to the storage endpoint the API names (S3 in production), blobs are local previews.
    connect = " ".join(["'self'", *settings.FRONTEND_CONNECT_SOURCES])
    response["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; "
        f"connect-src {connect}; style-src 'self' 'unsafe-inline'; script-src 'self'; "
        "object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
    return response


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


def _failures_key(request) -> str:
    return f"chatmedia:login-failures:{client_address(request.META)}"


@method_decorator(csrf_protect, name="dispatch")
class Session(APIView):
    """POST: log in with username and password (CSRF-protected; after LOGIN_FAILURES_MAX wrong
    passwords from one address, refused for LOGIN_FAILURES_WINDOW_SECONDS); DELETE: log out.
    Only failures count: an agent who logs in and out all day is never locked out."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=CredentialsSerializer, responses={204: None})
    def post(self, request):
        key = _failures_key(request)
        if cache.get(key, 0) >= settings.LOGIN_FAILURES_MAX:
            window = settings.LOGIN_FAILURES_WINDOW_SECONDS
            return error_response(
                429, "throttled", "Too many wrong passwords; try again later.", {"Retry-After": str(window)}
            )
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request._request, **credentials.validated_data)
        if user is None:
            if not cache.add(key, 1, settings.LOGIN_FAILURES_WINDOW_SECONDS):
                try:
                    cache.incr(key)
                except ValueError:  # expired between add and incr: this failure starts a new window
                    cache.set(key, 1, settings.LOGIN_FAILURES_WINDOW_SECONDS)
            return error_response(400, "invalid_login", "Wrong username or password.")
        login(request._request, user)
        return Response(status=204)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        logout(request._request)
        return Response(status=204)
