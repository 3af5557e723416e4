"""Malformed input that used to end in a 500 with a traceback (audit item 5): a Range of thousands of
digits, JSON nested thousands deep (both webhook paths and the API), a tampered pagination cursor.
Each is a 4xx (or a webhook's 200 "ignored") and no ERROR line. WebSocket frames: test_live_server."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client

from chatmedia.media.serving import blocking
from chatmedia.media.serving import cache as media_cache
from chatmedia.whatsapp.providers.evolution import webhook_app
from tests.connections import configure
from tests.media import serving_client as client
from tests.media.serving_client import photo, url
from tests.whatsapp.conftest import WEBHOOK_SECRET
from tests.whatsapp.test_webhook_app import post as post_fast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_errors")]

RANGES = [
    "bytes=" + "9" * 5000 + "-",
    "bytes=0-" + "9" * 5000,
    "bytes=-" + "9" * 5000,
    "bytes=" + "0" * 5000 + "1-2",
    "bytes=" + "1" * 19 + "-" + "2" * 19,
    "bytes=-0",
    "bytes=5-1",
    "bytes=0-0,1-1,2-2",
    "items=0-1",
    "bytes=\x00-\x7f",
    "bytes=" + "-" * 4000,
]
NESTED = ["[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1" + "}" * 50_000, "[" * 3000]


@pytest.fixture
def world(transactional_db, django_user_model, settings):
    from tests.conftest import make_world

    media_cache.local.clear()
    webhook_app.forget_tenants()
    yield make_world("hostile", django_user_model)
    blocking.shutdown()
    webhook_app.forget_tenants()


@pytest.mark.parametrize("header", RANGES)
def test_a_range_of_any_shape_is_answered_without_an_error(world, header, tried):
    tried()
    found = photo(world)
    response = client.get(url(world, found, "original"), {"Range": header})
    assert response.status_code in (200, 206, 416), response.text[:200]
    if response.status_code == 416:
        assert response.headers["content-range"] == f"bytes */{found.size}"


def test_a_start_past_any_file_is_416_and_a_suffix_longer_than_the_file_is_all_of_it(world, tried):
    tried(2)
    found = photo(world)
    assert (
        client.get(url(world, found, "original"), {"Range": "bytes=" + "9" * 5000 + "-"}).status_code == 416
    )
    whole = client.get(url(world, found, "original"), {"Range": "bytes=-" + "9" * 5000})
    assert whole.status_code == 206 and len(whole.content) == found.size


@pytest.mark.parametrize("body", NESTED, ids=["array", "object", "unclosed"])
def test_deeply_nested_json_to_the_webhook_view_is_ignored_not_500(world, body, tried):
    tried()
    tenant = world.tenant
    configure(tenant, webhook_secret=WEBHOOK_SECRET)
    # over the fast path's size: the Django view takes it (inline media bodies go this way)
    padded = body + " " * 300_000
    response = Client().post(
        f"/webhooks/evolution/{tenant.slug}/{WEBHOOK_SECRET}/", data=padded, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["ignored"]


@pytest.mark.parametrize("body", NESTED, ids=["array", "object", "unclosed"])
def test_deeply_nested_json_to_the_fast_path_is_ignored_not_500(world, body, tried, settings):
    tried()
    settings.WEBHOOK_QUEUE_MAX_BODY_BYTES = 1024 * 1024
    tenant = world.tenant
    configure(tenant, webhook_secret=WEBHOOK_SECRET)
    response = post_fast(f"/webhooks/evolution/{tenant.slug}/{WEBHOOK_SECRET}/", body.encode())
    assert response.status_code == 200
    assert response.json()["ignored"]


@pytest.mark.parametrize("body", NESTED, ids=["array", "object", "unclosed"])
def test_deeply_nested_json_to_the_api_is_400(world, body, tried):
    tried()
    response = world.client().post(
        f"/api/conversations/{world.conversation.id}/messages/", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def _cursor(position: str) -> str:
    return base64.b64encode(f"o=0&r=0&p={position}".encode()).decode()


TAMPERED = [
    _cursor("not-a-date"),
    _cursor("2026-13-45T99:99:99"),
    _cursor("9" * 5000),
    _cursor("%00"),
    base64.b64encode(b"o=" + b"9" * 5000).decode(),
    "%%%not-base64",
    base64.b64encode(b"o=-1&p=" + json.dumps({"p": 1}).encode()).decode(),
]


@pytest.mark.parametrize("cursor", TAMPERED)
@pytest.mark.parametrize("listing", ["conversations", "messages"])
def test_a_tampered_cursor_is_404_invalid_cursor(world, cursor, listing, tried):
    tried()
    path = (
        "/api/conversations/"
        if listing == "conversations"
        else f"/api/conversations/{world.conversation.id}/messages/"
    )
    response = world.client().get(path, {"cursor": cursor})
    assert response.status_code == 404, response.content[:200]
    assert response.json()["error"]["message"] == "Invalid cursor"
