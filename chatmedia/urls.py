from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import AllowAny

from chatmedia.media.uploads import local as local_upload
from chatmedia.ops import health
from chatmedia.ops.views import prometheus_metrics
from chatmedia.tenancy.views import ConnectionList, Me
from chatmedia.web.views import Session, admin_login
from chatmedia.whatsapp.providers.cloud.webhook import cloud_webhook
from chatmedia.whatsapp.providers.evolution.webhook import evolution_webhook

handler404 = "chatmedia.errors.handler404"
handler500 = "chatmedia.errors.handler500"

api_patterns = [
    path("me/", Me.as_view(), name="me"),
    path("connections/", ConnectionList.as_view(), name="connection-list"),
    path("session/", Session.as_view(), name="session"),
    path("", include("chatmedia.chat.urls")),
    path("", include("chatmedia.media.urls")),
    path("", include("chatmedia.privacy.urls")),
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[AllowAny], authentication_classes=[]),
        name="schema",
    ),
]

urlpatterns = [
    path("", include("chatmedia.web.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", prometheus_metrics, name="metrics"),
    path("api/", include(api_patterns)),
    path("uploads/local/<str:token>", local_upload.receive, name="local-upload"),
    path("webhooks/cloud/<uuid:connection_id>/", cloud_webhook, name="cloud-webhook"),
    path("webhooks/evolution/<slug:slug>/", evolution_webhook, name="evolution-webhook"),
    path("webhooks/evolution/<slug:slug>/<path:rest>", evolution_webhook, name="evolution-webhook-path"),
    path("admin/login/", admin_login, name="admin-login"),  # the admin's form, throttled
    path("admin/", admin.site.urls),
]
