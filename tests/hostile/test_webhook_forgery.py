"""Webhooks that try to post into another tenant or to break the storage of the rows (audit items 6
and 9): a JWT bound to its tenant whatever the body says, and JIDs of any length or shape refused at
parsing — on both webhook paths. (Item 9 on the running real stack: test_live_server.)"""

from __future__ import annotations

import json

import pytest
from django.db import DataError, IntegrityError

from chatmedia.chat.models import Conversation, Message
from chatmedia.media.serving import blocking
from chatmedia.tenancy.provisioning import ProvisioningError, create_evolution_connection, create_tenant
from chatmedia.whatsapp import ingest, tasks
from chatmedia.whatsapp.providers.evolution import webhook_app
from chatmedia.whatsapp.values import normalize_jid
from tests.connections import connection_of, jwt_key_of, new_tenant
from tests.whatsapp.conftest import evolution_jwt
from tests.whatsapp.fixtures import evolution
from tests.whatsapp.test_webhook_app import post as post_fast

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("no_errors")]

KEY = "a-jwt-key-of-our-own-0123456789abcdef"


@pytest.fixture(autouse=True)
def _fresh_tenant_cache(monkeypatch):
    # What the fast path accepts is kept here, not published: the package's live system has a
    # worker on the real broker that would store it in the test database while it is flushed.
    monkeypatch.setattr(tasks.ingest_webhook, "apply_async", lambda args, **kwargs: None)
    webhook_app.forget_tenants()
    yield
    webhook_app.forget_tenants()
    blocking.shutdown()  # the fast path's threads close their database connections before the flush


@pytest.fixture
def two_tenants(db):
    acme = new_tenant("acme", "Acme", jwt_key=KEY, instance="acme-vendas")
    other = new_tenant("other", "Other", jwt_key="the-other-tenants-key-0123456789", instance="other-inst")
    return acme, other


def _posts(tenant_slug: str, body: dict, token: str):
    """The same webhook through the Django view (big body) and the fast path (queued, then run)."""
    headers = {"Authorization": f"Bearer {token}"}
    raw = json.dumps(body).encode()
    from django.test import Client

    view = Client().post(
        f"/webhooks/evolution/{tenant_slug}/",
        data=raw + b" " * 300_000,
        content_type="application/json",
        headers=headers,
    )
    fast = post_fast(f"/webhooks/evolution/{tenant_slug}/", raw, headers)
    return view, fast


def _text_from(instance: str | None) -> dict:
    """A text webhook naming `instance` (None: no `instance` field at all)."""
    body = evolution("messages-upsert-text.json")
    body.pop("instance", None)
    if instance is not None:
        body["instance"] = instance
    return body


def test_a_jwt_key_cannot_be_shared_by_two_connections(two_tenants, tried):
    tried(3)
    with pytest.raises(ProvisioningError, match="JWT key"):
        create_tenant("copycat", jwt_key=KEY)
    acme, _ = two_tenants
    with pytest.raises(ProvisioningError, match="JWT key"):
        create_evolution_connection(acme, jwt_key=KEY, name="Suporte")
    with pytest.raises(IntegrityError):
        new_tenant("copycat2", "Copycat", jwt_key=KEY)


@pytest.mark.parametrize("instance", [None, "", "acme-vendas", "other-inst", "x" * 5000])
def test_one_tenants_token_never_posts_into_another(two_tenants, instance, tried):
    tried()
    acme, other = two_tenants
    body = _text_from(instance)
    for response in _posts(other.slug, body, evolution_jwt(jwt_key_of(acme))):
        assert response.status_code == 401
    assert not Message.objects.exists()


@pytest.mark.parametrize("instance", [None, "", "other-inst"])
def test_a_token_webhook_must_name_its_tenants_instance(two_tenants, instance, tried):
    tried()
    acme, _ = two_tenants
    body = _text_from(instance)
    for response in _posts(acme.slug, body, evolution_jwt(jwt_key_of(acme))):
        assert response.status_code == 401
    body["instance"] = "acme-vendas"
    view, fast = _posts(acme.slug, body, evolution_jwt(jwt_key_of(acme)))
    assert view.status_code == fast.status_code == 200


JIDS = [
    "5" * 10_000 + "@s.whatsapp.net",
    "5511999990000@" + "s" * 10_000,
    "x" * 300,
    "<script>@s.whatsapp.net",
    "5511 99999 0000@s.whatsapp.net",
    "@s.whatsapp.net",
    "5511999990000@",
    "5511999990000@s.whatsapp.net\x00",
    "../../etc/passwd@s.whatsapp.net",
    "5511999990000:99999999@s.whatsapp.net",
    "\uff15\uff15\uff11\uff11@s.whatsapp.net",  # full-width digits
]


@pytest.mark.parametrize("jid", JIDS, ids=range(len(JIDS)))
def test_a_jid_of_any_length_or_shape_is_refused_at_parsing(jid, tried):
    tried()
    assert normalize_jid(jid) == ""


@pytest.mark.parametrize("field", ["remoteJid", "participant"])
def test_a_10000_character_jid_stores_nothing_and_is_not_retried(db, field, tried, post_webhook, queued):
    tried()
    tenant = new_tenant("acme", "Acme", webhook_secret="a-secret-of-our-own-0123")
    body = evolution(
        "messages-upsert-group-image.json" if field == "participant" else "messages-upsert-text.json"
    )
    body["data"]["key"][field] = "5" * 10_000 + "@s.whatsapp.net"
    body["data"]["key"].pop(f"{field}Alt", None)
    response = post_webhook(tenant, body)
    assert response.status_code == 200
    assert not Message.objects.exists() or field == "participant"
    for message in Message.objects.all():  # a group message keeps its chat, without an author
        assert message.author_jid == ""
    # the queued copy (fast path) is parsed the same way by the worker: refused, not retried
    result = tasks.ingest_webhook.apply(args=[str(connection_of(tenant).id), json.dumps(body)])
    assert result.state == "SUCCESS", result.state  # a retry would be RETRY


@pytest.mark.parametrize("error", [DataError, IntegrityError])
def test_what_the_database_refuses_is_never_retried(db, monkeypatch, error, tried):
    tried()
    tenant = new_tenant("acme", "Acme")

    def refuse(*args, **kwargs):
        raise error("value too long for type character varying(255)")

    monkeypatch.setattr(ingest, "handle", refuse)
    result = tasks.ingest_webhook.apply(
        args=[str(tenant.id), json.dumps(evolution("messages-upsert-text.json"))]
    )
    assert result.get() == "refused"
    assert not Conversation.objects.exists()


TRANSLATED = ["64:ff9b::a00:1", "64:ff9b::7f00:1", "64:ff9b:1::a9fe:a9fe", "2002:a00:1::1", "2002:7f00:1::"]


@pytest.mark.parametrize("address", TRANSLATED)
def test_nat64_and_6to4_addresses_are_never_public_for_server_side_fetches(address, tried):
    from chatmedia.whatsapp.outbound import _is_public

    tried()
    assert not _is_public(address)
    assert _is_public("2a03:2880:f12f:83:face:b00c::25de")  # a real WhatsApp CDN address stays public
