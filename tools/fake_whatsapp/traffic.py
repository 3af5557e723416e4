"""Real traffic the fake posts on request (POST /__fake/incoming with one of TRAFFIC_KINDS): albums,
replies, reactions, edits, deletes, forwarded photos, round video notes, view-once photos and LID
addressing, built from fixtures/evolution-traffic (its README names the Evolution version and
source of each shape) with fresh ids, now, for one customer.

Each builder returns the ids it made and the (event, data) webhooks to post, in order.
"""

from __future__ import annotations

import copy
import random
import time

from tools.fake_whatsapp.state import load_fixture


def new_id() -> str:
    return f"3A{random.randrange(16**18):018X}"  # noqa: S311


def _from(payload: dict, jid: str, name: str, message_id: str | None = None) -> dict:
    data = copy.deepcopy(payload["data"])
    if "key" in data:
        data["key"]["remoteJid"] = jid
        data["key"].pop("remoteJidAlt", None)
        data["key"]["id"] = message_id or new_id()
    data["pushName"] = name
    data["messageTimestamp"] = int(time.time())
    return data


def album(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    """An announcement, then `count` photos (one with `caption`), each pointing at the image vector."""
    count = int(spec.get("count", 3))
    header_id = new_id()
    header = _from(load_fixture("2.3.7-messages-upsert-album-announcement.json"), jid, name, header_id)
    header["message"]["albumMessage"]["expectedImageCount"] = count
    posts, ids = [("messages.upsert", header)], []
    for index in range(count):
        child = fake.webhook("2.3.7-messages-upsert-album-child-1.json", "image-01")["data"]
        child = _from({"data": child}, jid, name)
        inner = child["message"]["associatedChildMessage"]["message"]
        inner["messageContextInfo"]["messageAssociation"]["parentMessageKey"]["id"] = header_id
        if index == 0 and spec.get("caption"):
            inner["imageMessage"]["caption"] = spec["caption"]
        else:
            inner["imageMessage"].pop("caption", None)
        posts.append(("messages.upsert", child))
        ids.append(child["key"]["id"])
    return {"album": header_id, "ids": ids}, posts


def reply(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    """A text quoting `quote_id` (2.3.7: the quote in `data.contextInfo`)."""
    data = _from(load_fixture("2.3.7-messages-upsert-reply-text.json"), jid, name)
    data["message"]["conversation"] = spec.get("text", "Essa aqui, tem no tamanho M?")
    data["contextInfo"]["stanzaId"] = spec["quote_id"]
    data["contextInfo"]["participant"] = spec.get("quote_author", jid)
    quoted = spec.get("quote_text")
    if quoted is not None:
        data["contextInfo"]["quotedMessage"] = {"conversation": quoted}
    return {"id": data["key"]["id"]}, [("messages.upsert", data)]


def reaction(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    data = _from(load_fixture("2.3.7-messages-upsert-reaction.json"), jid, name)
    node = data["message"]["reactionMessage"]
    node["key"] = {"remoteJid": jid, "fromMe": bool(spec.get("target_from_me")), "id": spec["target_id"]}
    node["text"] = spec.get("emoji", "👍")
    node["senderTimestampMs"] = str(int(time.time() * 1000))
    return {"id": data["key"]["id"]}, [("messages.upsert", data)]


def edit(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    """messages.edited as 2.3.7 sends it: the key in the sender's view (our number, fromMe)."""
    data = copy.deepcopy(load_fixture("2.3.7-messages-edited.json")["data"])
    data["key"]["id"] = spec["target_id"]
    data["editedMessage"] = {"conversation": spec.get("text", "texto corrigido")}
    data["timestampMs"] = str(int(time.time() * 1000))
    return {"id": spec["target_id"]}, [("messages.edited", data)]


def revoke(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    data = copy.deepcopy(load_fixture("2.3.7-messages-delete.json")["data"])
    data.update({"remoteJid": jid, "id": spec["target_id"], "fromMe": bool(spec.get("from_me"))})
    data.pop("remoteJidAlt", None)
    return {"id": spec["target_id"]}, [("messages.delete", data)]


def _media(fake, fixture: str, vector: str, jid: str, name: str) -> tuple[dict, list]:
    data = _from({"data": fake.webhook(fixture, vector)["data"]}, jid, name)
    fake.state.messages[data["key"]["id"]] = vector
    return {"id": data["key"]["id"]}, [("messages.upsert", data)]


def forwarded(fake, jid, name, spec):
    return _media(fake, "2.3.7-messages-upsert-forwarded-image.json", "image-01", jid, name)


def round_video(fake, jid, name, spec):
    return _media(fake, "2.3.7-messages-upsert-ptv-round-video.json", "video-01", jid, name)


def view_once(fake, jid, name, spec):
    return _media(fake, "2.3.7-messages-upsert-view-once-image.json", "image-01", jid, name)


def template_document(fake, jid, name, spec):
    return _media(fake, "2.3.7-messages-upsert-template-document.json", "document-01", jid, name)


def interactive_image(fake, jid, name, spec):
    return _media(fake, "2.3.7-messages-upsert-interactive-image.json", "image-01", jid, name)


def lid_text(fake, jid: str, name: str, spec: dict) -> tuple[dict, list]:
    """A text addressed by `spec["lid"]`, with the phone `jid` as its other address when
    `spec["with_phone"]` (2.4.0-rc2: remoteJid=phone, remoteJidAlt=LID), else the LID alone."""
    data = _from(load_fixture("2.3.7-messages-upsert-lid-only.json"), jid, name)
    data["message"]["conversation"] = spec.get("text", "Oi, sou eu de novo")
    if spec.get("with_phone"):
        data["key"].update({"remoteJid": jid, "remoteJidAlt": spec["lid"], "addressingMode": "pn"})
    else:
        data["key"].update({"remoteJid": spec["lid"], "addressingMode": "lid"})
    return {"id": data["key"]["id"]}, [("messages.upsert", data)]


TRAFFIC_KINDS = {
    "album": album,
    "reply": reply,
    "reaction": reaction,
    "edit": edit,
    "revoke": revoke,
    "forwarded": forwarded,
    "round-video": round_video,
    "view-once": view_once,
    "lid-text": lid_text,
    "template-document": template_document,
    "interactive-image": interactive_image,
}
