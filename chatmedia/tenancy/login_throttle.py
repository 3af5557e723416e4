"""One brute-force throttle for every password form: the web chat's login, the admin's, and any other
`authenticate()` with a password.

After LOGIN_FAILURES_MAX wrong passwords from one client address (`ops.clients.client_address`,
which believes X-Forwarded-For only as far as TRUSTED_PROXY_COUNT says) within
LOGIN_FAILURES_WINDOW_SECONDS, that address is refused until the window ends. Only failures count:
an agent who logs in and out all day is never locked out. The counter lives in Django's cache
(Redis in production: shared by every web process).

`ThrottledModelBackend` (AUTHENTICATION_BACKENDS) enforces it inside `authenticate()` itself, so no
form can forget it; the login views ask `locked_out` first to answer 429 with a clear message.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied

from chatmedia.ops.clients import client_address


def _key(request) -> str:
    return f"chatmedia:login-failures:{client_address(request.META)}"


def locked_out(request) -> bool:
    return cache.get(_key(request), 0) >= settings.LOGIN_FAILURES_MAX


def record_failure(request) -> None:
    key, window = _key(request), settings.LOGIN_FAILURES_WINDOW_SECONDS
    if not cache.add(key, 1, window):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr: this failure starts a new window
            cache.set(key, 1, window)


def window_minutes() -> int:
    """The lockout in whole minutes (rounded up), for messages to people."""
    return max(1, -(-settings.LOGIN_FAILURES_WINDOW_SECONDS // 60))


class ThrottledModelBackend(ModelBackend):
    """Django's username/password backend, refusing a locked-out address before the password is
    checked and counting each wrong password."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # no client to throttle (manage.py, tests that log in directly)
            return super().authenticate(request, username, password, **kwargs)
        if locked_out(request):
            raise PermissionDenied("too many wrong passwords")  # authenticate() stops: no backend tries
        user = super().authenticate(request, username, password, **kwargs)
        if user is None and password is not None:
            record_failure(request)
        return user
