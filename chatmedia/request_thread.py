"""Django's middleware chain in one thread per request, under ASGI.

Django runs each middleware in the mode it is given: an async-capable one around an async handler
runs async, and then every `process_request`/`process_response` of Django's own middleware (Session,
Csrf, Auth, Messages, XFrame, Common) is a separate trip from the event loop to a thread and back,
15 for a `/healthz`; WhiteNoise, sync-only, adds a trip back to the loop in the middle.
Each trip waits for a busy loop: a trivial `/healthz` took 65 to 100 ms at 50 requests/s while the
process was mostly idle (bench/README.md, "Load").

This middleware is sync-only and comes last in MIDDLEWARE, so Django builds the whole chain sync:
one trip to a thread for all the middleware, the sync views run there too (thread-sensitive), and
only URL resolution goes back to the loop: 5 trips in all (tests/test_request_thread.py). On this
machine `/healthz` at 200/s went from p50 9 to 18 ms to 2.6 to 5 ms. The fast ASGI paths
(`/media/`, queued webhooks) never enter Django at all (chatmedia/asgi.py).
"""

from __future__ import annotations


class OneThreadMiddleware:
    sync_capable = True
    async_capable = False

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)
