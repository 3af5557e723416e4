"""Messages that go together are sent in order (chat.ordering): the next is queued when the one
before is sent or failed, never before."""

from __future__ import annotations

from chatmedia.chat import ordering
from chatmedia.chat.models import Message
from chatmedia.whatsapp import sending, tasks


def test_each_waits_for_the_one_before(world_a, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr(tasks.send_text, "delay", lambda message_id: queued.append(message_id))
    made = [
        Message.objects.create(
            tenant=world_a.tenant,
            conversation=world_a.conversation,
            direction="out",
            text=t,
            status="processing",
        )
        for t in ("um", "dois", "três")
    ]
    with django_capture_on_commit_callbacks(execute=True):
        ordering.queue_in_order(made)
    assert queued == [str(made[0].pk)]
    links = dict(Message.objects.filter(pk__in=[m.pk for m in made]).values_list("pk", "send_after"))
    assert [links[m.pk] for m in made] == [None, made[0].pk, made[1].pk]
    with django_capture_on_commit_callbacks(execute=True):
        sending.confirm(made[0].pk, "3EB0ORDER0001")
    assert queued == [str(made[0].pk), str(made[1].pk)]
    with django_capture_on_commit_callbacks(execute=True):
        sending.fail(made[1].pk, "provider_refused", "refused")
    assert queued == [str(m.pk) for m in made]
