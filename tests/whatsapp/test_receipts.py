"""Receipts and their messages stored at the same moment by two workers (chatmedia.whatsapp.receipts)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from chatmedia.chat.models import Message
from chatmedia.realtime import events
from chatmedia.whatsapp import ingest
from chatmedia.whatsapp.models import EarlyReceipt
from chatmedia.whatsapp.providers.evolution.payloads import parse_webhook
from tests.connections import connection_of
from tests.whatsapp.fixtures import evolution

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_receipt_stored_while_its_message_is_being_stored_is_not_lost(tenant, queued, monkeypatch):
    """One worker stores our send's `send.message` webhook and holds its transaction open; another
    stores the DELIVERY_ACK meanwhile. On PostgreSQL the receipt's worker cannot see the message yet
    and commits an early receipt; it must still end applied. (SQLite serializes the two writers.)"""
    message_in_transaction, receipt_stored = threading.Event(), threading.Event()
    created = events.message_created

    def held_open(message):
        created(message)
        message_in_transaction.set()
        receipt_stored.wait(3)

    monkeypatch.setattr(events, "message_created", held_open)
    sent = parse_webhook(evolution("send-message-image.json"))
    errors = []

    def store_message():
        try:
            ingest.handle(connection_of(tenant), sent)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            message_in_transaction.set()
            connection.close()

    worker = threading.Thread(target=store_message)
    worker.start()
    assert message_in_transaction.wait(10)
    ingest.handle(connection_of(tenant), parse_webhook(evolution("messages-update-delivery-ack.json")))
    receipt_stored.set()
    worker.join(20)
    assert not worker.is_alive() and errors == []
    message = Message.objects.get()
    assert message.wa_message_id == "3EB0C1D2E3F4A5B6C7D8E9"
    assert message.status == Message.Status.DELIVERED
    assert not EarlyReceipt.objects.exists()
