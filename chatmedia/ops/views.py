"""`/metrics`: Prometheus text format, for a bearer token or an allowed network only."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from prometheus_client import CONTENT_TYPE_LATEST

from chatmedia.ops import metrics
from chatmedia.ops.clients import client_address, in_networks


def _allowed(request) -> bool:
    token = settings.METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if token and given.startswith("Bearer ") and hmac.compare_digest(given[7:].encode(), token.encode()):
        return True
    return in_networks(client_address(request.META), settings.METRICS_ALLOWED_NETWORKS)


@never_cache
def prometheus_metrics(request):
    if not _allowed(request):
        body = {
            "error": {"code": "forbidden", "message": "Metrics need METRICS_TOKEN or an allowed network."}
        }
        return JsonResponse(body, status=403)
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)
