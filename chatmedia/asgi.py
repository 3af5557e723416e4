"""ASGI entry point: HTTP goes to Django; WebSockets arrive with the realtime step."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")

application = get_asgi_application()
