"""Send a file to WhatsApp as an agent would, through a running chatmedia (`make send FILE=…`).

Issues an API token for the tenant's first member (from the database of this checkout, like
`make simulate` reads the webhook secret), picks the most recent conversation (or `--conversation`),
then follows the upload contract: POST /api/uploads/ → PUT the bytes (or the parts) → complete →
watch the message until it is sent (and delivered/read, when the fake Evolution posts receipts).

  .venv/bin/python tools/send_file.py contrato.pdf [--caption "Segue"] [--voice] \
      [--chatmedia http://127.0.0.1:8000] [--tenant demo] [--conversation <uuid>]
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.upload_client import UploadClient  # noqa: E402

FINAL = ("read", "played", "failed")


def token_and_conversation(slug: str, conversation: str | None) -> tuple[str, str]:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    django.setup()
    from chatmedia.chat.models import Conversation
    from chatmedia.tenancy.models import ApiToken, Membership

    membership = Membership.objects.filter(tenant__slug=slug).select_related("tenant").first()
    if membership is None:
        raise SystemExit(f"no tenant {slug!r} with a member: start chatmedia with `make run` first")
    chats = Conversation.objects.filter(tenant=membership.tenant).order_by("-last_activity_at")
    chat = chats.filter(pk=conversation).first() if conversation else chats.first()
    if chat is None:
        raise SystemExit("no conversation yet: `make simulate` creates some")
    _, token = ApiToken.issue(membership, name="send_file")
    return token, str(chat.pk)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--chatmedia", default="http://127.0.0.1:8000")
    parser.add_argument("--tenant", default="demo")
    parser.add_argument("--conversation")
    parser.add_argument("--voice", action="store_true", help="send as a voice note (push-to-talk)")
    parser.add_argument("--caption", default="")
    parser.add_argument("--mime-type", help="default: guessed from the file name")
    args = parser.parse_args(argv)
    data = args.file.read_bytes()
    mime_type = args.mime_type or mimetypes.guess_type(args.file.name)[0] or "application/octet-stream"
    token, conversation = token_and_conversation(args.tenant, args.conversation)
    with httpx.Client(
        base_url=args.chatmedia, headers={"Authorization": f"Token {token}"}, timeout=120
    ) as api:
        client = UploadClient(api)
        started = client.start(
            conversation,
            data,
            file_name=args.file.name,
            mime_type=mime_type,
            voice=args.voice,
            caption=args.caption,
        )
        if started.status != 201:
            print(f"refused ({started.status}): {started.body['error']['message']}")
            return 1
        how = "multipart" if started.upload.get("multipart") else "one PUT"
        print(f"uploading {len(data)} bytes ({how}) as attachment {started.id}")
        began = time.monotonic()
        parts = client.put(started, data)
        print(f"  uploaded in {time.monotonic() - began:.2f} s")
        status, body = client.complete(started.id, parts)
        if status != 202:
            print(f"refused at completion ({status}): {body['error']['message']}")
            return 1
        completed, last = time.monotonic(), None
        while time.monotonic() - completed < 120:
            attachment = api.get(f"/api/attachments/{started.id}/").json()
            messages = api.get(f"/api/conversations/{conversation}/messages/?page_size=20").json()["results"]
            message = next(m for m in messages if any(a["id"] == started.id for a in m["attachments"]))
            state = (message["status"], attachment["status"])
            if state != last:
                print(f"  {time.monotonic() - completed:6.2f} s  message {state[0]}, attachment {state[1]}")
                last = state
            if message["status"] in FINAL:
                if message["error"]:
                    print(f"  {message['error']['code']}: {message['error']['message']}")
                return 0 if message["status"] != "failed" else 1
            time.sleep(0.2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
