"""The web chat: the single-page app's shell at `/` and the session login it uses.

The app itself is built by Vite from `frontend/` into `frontend/dist` (served as static files under
`/static/app/`); this module only hands out `index.html` with a CSRF cookie and logs people in and
out. Everything else the app does goes through the same API and WebSocket as any other client.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import authenticate, login, logout
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
from chatmedia.tenancy import login_throttle

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


def _throttled_message() -> str:
    minutes = login_throttle.window_minutes()
    return f"Too many wrong passwords; try again in {minutes} minute{'s' if minutes > 1 else ''}."


def _retry_after() -> dict:
    return {"Retry-After": str(settings.LOGIN_FAILURES_WINDOW_SECONDS)}


@never_cache
def admin_login(request, **kwargs):
    """The admin's login page behind the same throttle: a locked-out address gets 429 (the backend
    would refuse it anyway; this says why)."""
    if request.method == "POST" and login_throttle.locked_out(request):
        return HttpResponse(
            _throttled_message(), status=429, content_type="text/plain; charset=utf-8", headers=_retry_after()
        )
    return admin.site.login(request, **kwargs)


class CredentialsSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


@method_decorator(csrf_protect, name="dispatch")
class Session(APIView):
    """POST: log in with username and password (CSRF-protected; throttled like every password form,
    `tenancy.login_throttle`); DELETE: log out."""

    permission_classes = [AllowAny]
    authentication_classes = []

    @extend_schema(request=CredentialsSerializer, responses={204: None})
    def post(self, request):
        if login_throttle.locked_out(request):
            return error_response(429, "throttled", _throttled_message(), _retry_after())
        credentials = CredentialsSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        user = authenticate(request._request, **credentials.validated_data)
        if user is None:
            return error_response(400, "invalid_login", "Wrong username or password.")
        login(request._request, user)
        return Response(status=204)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        logout(request._request)
        return Response(status=204)
