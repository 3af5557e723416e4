"""ASGI entry point: `/media/` goes to the lean media app, other HTTP to Django, `/ws/chat/` to the
Channels consumer.

With the embedded queue (no CELERY_BROKER_URL) the Celery worker runs inside this process, so
`make run` is one process and work still happens asynchronously, off the request.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")

django_application = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402 - Django must be set up first
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402

import chatmedia.whatsapp.providers.evolution.webhook_app as webhook_app  # noqa: E402
from chatmedia.body_limits import BodyLimitMiddleware  # noqa: E402
from chatmedia.media.serving.app import media_app  # noqa: E402
from chatmedia.ops.runtime import freeze_startup_objects  # noqa: E402
from chatmedia.realtime.routing import websocket_urlpatterns  # noqa: E402

http_application = BodyLimitMiddleware(django_application)


async def http_router(scope, receive, send):
    """Media reads (design §5) and webhooks that fit the queue skip Django's request cycle;
    everything else is Django."""
    if scope["path"].startswith("/media/"):
        return await media_app(scope, receive, send)
    if scope["path"].startswith("/webhooks/") and webhook_app.wants(scope):
        return await webhook_app.webhook_app(scope, receive, send)
    return await http_application(scope, receive, send)


application = ProtocolTypeRouter(
    {
        "http": http_router,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

webhook_app.warm_up()
freeze_startup_objects()

if settings.QUEUE_IS_EMBEDDED and settings.EMBEDDED_WORKER:
    from chatmedia.embedded_worker import start_embedded_worker

    start_embedded_worker()
