"""`simulate`: post a realistic series of webhooks to a running chatmedia, so a newcomer sees
media arrive (text, image with caption, voice note, audio file, PDF, video, sticker, group image,
profile picture change), then what real traffic does around them (a reply quoting the photo, a
reaction on it, an edit of the text, an album, a forwarded photo)."""

from __future__ import annotations

import copy
import random
import sys
import time

import httpx

from tools.fake_whatsapp import traffic
from tools.fake_whatsapp.fake import FakeWhatsApp
from tools.fake_whatsapp.state import load_fixture

SCENARIO = [
    ("messages-upsert-text.json", None, "text"),
    ("messages-upsert-image-caption.json", "image-01", "image with caption"),
    ("messages-upsert-ptt-voice-note.json", "ptt-01", "voice note"),
    ("messages-upsert-audio-file.json", "audio-01", "audio file"),
    ("messages-upsert-document-pdf.json", "document-01", "PDF"),
    ("messages-upsert-video.json", "video-01", "video"),
    ("messages-upsert-sticker.json", "sticker-01", "sticker"),
    ("messages-upsert-group-image.json", "image-01", "group image"),
]


# Then, around the scenario's text (index 0) and photo (index 1), in this order: (kind, label, spec).
AFTER = [
    ("reply", "reply quoting the photo", {"quote": 1, "text": "Tem essa em azul?"}),
    ("reaction", "reaction on the photo", {"target": 1, "emoji": "👍"}),
    ("edit", "edit of the first text", {"target": 0, "text": "Olá, vocês entregam em Campinas e região?"}),
    ("album", "album of 2 photos", {"count": 2, "caption": "Mais fotos"}),
    ("forwarded", "forwarded photo", {}),
]
AFTER_MESSAGES = 4  # the reply, the album's 2 photos, the forwarded photo
AFTER_MEDIA = 3  # the album's 2 photos, the forwarded photo


def _after(fake: FakeWhatsApp, ids: list[str]) -> list[tuple[str, dict]]:
    jid, name = "5511999990000@s.whatsapp.net", "João Cliente"
    payloads = []
    for kind, label, spec in AFTER:
        spec = dict(spec)
        if "quote" in spec:
            spec["quote_id"] = ids[spec.pop("quote")]
        if "target" in spec:
            spec["target_id"] = ids[spec.pop("target")]
        _, posts = traffic.TRAFFIC_KINDS[kind](fake, jid, name, spec)
        for event, data in posts:
            payloads.append((label, {"event": event, "instance": fake.state.instance, "data": data}))
    return payloads


def simulate(fake: FakeWhatsApp, chatmedia: str, tenant: str, secret: str, out=sys.stdout) -> int:
    """Post the scenario (fresh message ids each run) plus a profile picture change; 0 when all 200."""
    target = f"{chatmedia.rstrip('/')}/webhooks/evolution/{tenant}/{secret}/"
    failures = 0
    now = int(time.time())
    run = f"{random.randrange(16**6):06X}"  # noqa: S311
    payloads = []
    for index, (fixture, media, label) in enumerate(SCENARIO):
        sent_at = now - (len(SCENARIO) - 1 - index)  # one second apart, in order, the last one now
        payloads.append(
            (label, fake.webhook(fixture, media, id=f"3A{run}{index:02d}SIM{now}", timestamp=sent_at))
        )
    picture_url = f"{fake.url}/v/t61.24694-24/default_n.jpg?ccb=11-4&oh=01_SIM{run}&oe=6A1AE400"
    contact = copy.deepcopy(load_fixture("contacts-update-single.json"))
    contact["instance"] = fake.state.instance
    contact["data"]["profilePicUrl"] = picture_url
    payloads.append(("profile picture change", contact))
    payloads += _after(fake, [payload["data"]["key"]["id"] for _, payload in payloads[:2]])
    for label, payload in payloads:
        status = httpx.post(target, json=payload, timeout=30).status_code
        failures += status != 200
        print(f"{status}  {label}", file=out)
    return 1 if failures else 0


def secret_from_database(slug: str) -> str:
    """The webhook secret of `slug`, from the database chatmedia uses here (same env, same ./var)."""
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    django.setup()
    from chatmedia.tenancy.models import Tenant

    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise SystemExit(f"no tenant {slug!r}: start chatmedia with `make run` first")
    connection = tenant.connections.filter(provider="evolution").first()
    if connection is None:
        raise SystemExit(f"tenant {slug!r} has no Evolution connection")
    return connection.secret("webhook_secret")


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/__fake/calls", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
