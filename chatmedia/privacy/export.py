"""A customer's data exported on request (LGPD art. 18, II and V: access and portability).

`link(tenant, phone, user)` — a signed link to the export (django.core.signing, salted), valid for
EXPORT_LINK_TTL_SECONDS, naming the tenant, the number and the admin who asked; `opened(token)`
reads it back (or a 400/410). `zip_for(tenant, phone)` — the zip, streamed in constant memory
(media.serving.archive): `conversas.html` (a readable transcript, every text escaped) and
`conversas.json` (the same as data) first, then every file in its original form — the agent's own
file where a converted copy was sent — under `arquivos/`, named by its date ("2026-11-26 10-04-31
foto.jpg"). What it covers is what an erasure deletes (`chat.contacts`).
"""

from __future__ import annotations

import html
import json
import zoneinfo
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

from chatmedia.chat import contacts
from chatmedia.chat.models import Attachment, Message
from chatmedia.errors import Refused
from chatmedia.media.filenames import extension_for, safe_file_name
from chatmedia.media.serving import archive

_SALT = "chatmedia.chat.export"


def link(tenant, phone: str, user) -> tuple[str, datetime]:
    digits = contacts.normalize_phone(phone)
    token = signing.TimestampSigner(salt=_SALT).sign_object(
        {"tenant": str(tenant.pk), "phone": digits, "user": user.pk}
    )
    return token, timezone.now() + timezone.timedelta(seconds=settings.EXPORT_LINK_TTL_SECONDS)


def opened(token: str) -> dict:
    try:
        return signing.TimestampSigner(salt=_SALT).unsign_object(
            token, max_age=settings.EXPORT_LINK_TTL_SECONDS
        )
    except signing.SignatureExpired:
        raise Refused(410, "expired", "This export link expired; ask for a new one.") from None
    except signing.BadSignature:
        raise Refused(400, "bad_token", "This is not an export link.") from None


def _file_of(attachment: Attachment):
    """The file in its original form: the agent's own where a copy was sent, else the original."""
    source = next((r.blob for r in attachment.renditions.all() if r.variant == "source"), None)
    return source or attachment.original


def zip_for(tenant, phone: str, exported: list | None = None):
    """The zip's stream; `exported` (when given) gets every attachment whose file is in it."""
    tz = zoneinfo.ZoneInfo(tenant.time_zone) if tenant.time_zone else timezone.get_fixed_timezone(0)
    messages = (
        contacts.messages_of(tenant.pk, phone)
        .select_related("conversation", "conversation__connection")
        .prefetch_related("attachments__renditions__blob", "attachments__original")
        .order_by("conversation_id", "timestamp", "pk")
    )
    conversations: dict = {}
    members: list[archive.Member] = []
    for message in messages:
        chat = message.conversation
        entry = conversations.setdefault(
            chat.pk,
            {
                "id": str(chat.pk),
                "number": chat.remote_jid.split("@", 1)[0],
                "name": chat.display_name,
                "group": chat.is_group,
                "our_number": chat.connection.phone,
                "messages": [],
            },
        )
        files = []
        for attachment in message.attachments.all():
            blob = _file_of(attachment) if attachment.removed_at is None else None
            item = {
                "kind": attachment.category,
                "type": attachment.mime_type,
                "removed": attachment.removed_at is not None,
            }
            if blob is not None:
                name = (
                    safe_file_name(attachment.file_name)
                    or f"{attachment.category}{extension_for(blob.content_type)}"
                )
                stamp = timezone.localtime(message.timestamp, tz).strftime("%Y-%m-%d %H-%M-%S")
                members.append(archive.Member(f"arquivos/{stamp} {name}", blob.storage_key, blob.size))
                if exported is not None:
                    exported.append(attachment)
                item.update(size=blob.size, index=len(members) - 1)
            files.append(item)
        entry["messages"].append(
            {
                "id": str(message.pk),
                "time": timezone.localtime(message.timestamp, tz).isoformat(),
                "from": "customer" if message.direction == Message.Direction.INCOMING else "company",
                "author": message.author_name if chat.is_group else "",
                "text": message.text,
                "status": message.status,
                "deleted_for_everyone": message.deleted_at is not None,
                "files": files,
            }
        )
    # The names the zip will really use (made unique), for the transcript's links.
    names = archive.unique_names(m.name for m in members)
    for chat in conversations.values():
        for item in (f for m in chat["messages"] for f in m["files"] if "index" in f):
            item["path"] = names[item.pop("index")]
    data = {
        "exported_at": timezone.localtime(timezone.now(), tz).isoformat(),
        "company": tenant.name,
        "customer_number": phone,
        "conversations": list(conversations.values()),
    }
    documents = [
        ("conversas.json", json.dumps(data, ensure_ascii=False, indent=2).encode()),
        ("conversas.html", _html(data).encode()),
    ]
    return archive.zip_of(members, documents)


_WHO = {"customer": "Cliente", "company": "Empresa"}


def _html(data: dict) -> str:
    """A page anyone can read offline; every value escaped (a customer's text is never markup)."""
    e = html.escape
    parts = [
        "<!doctype html><html lang='pt-BR'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' "
        "content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>Conversas com {e(data['customer_number'])}</title>",
        "<style>body{font:15px sans-serif;max-width:760px;margin:2em auto}p{margin:.4em 0}"
        ".company{text-align:right}.when{color:#667;font-size:12px}</style></head><body>",
        f"<h1>Conversas de {e(data['company'])} com {e(data['customer_number'])}</h1>",
        f"<p class='when'>Exportado em {e(data['exported_at'])}</p>",
    ]
    for chat in data["conversations"]:
        title = chat["name"] or chat["number"]
        parts.append(
            f"<h2>{e(title)}{' (grupo)' if chat['group'] else ''} — pelo número {e(chat['our_number'])}</h2>"
        )
        for message in chat["messages"]:
            who = e(message["author"] or _WHO[message["from"]])
            text = e(message["text"]).replace("\n", "<br>")
            files = "".join(
                f"<br>📎 <a href='{e(f['path'])}'>{e(f['path'].split('/', 1)[-1])}</a>" if "path" in f
                else f"<br>📎 ({e(f['kind'])} removido)" for f in message["files"]
            )  # fmt: skip
            gone = " <em>(apagada para todos)</em>" if message["deleted_for_everyone"] else ""
            parts.append(
                f"<p class='{message['from']}'><span class='when'>{e(message['time'])} · {who}</span><br>"
                f"{text}{gone}{files}</p>"
            )
    parts.append("</body></html>")
    return "\n".join(parts)
