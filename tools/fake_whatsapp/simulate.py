"""`simulate`: post a realistic series of webhooks to a running chatmedia, so a newcomer sees
media arrive (text, image with caption, voice note, audio file, PDF, video, sticker, group image,
profile picture change)."""

from __future__ import annotations

import copy
import random
import sys
import time

import httpx

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
    return tenant.webhook_secret


def answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/__fake/calls", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False
