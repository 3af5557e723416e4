"""The fake Evolution API answers like the real one (shapes of fixtures/evolution)."""

from __future__ import annotations

import httpx


def _post(fake, route: str, body: dict, apikey: str | None = None) -> httpx.Response:
    headers = {"apikey": fake.state.apikey if apikey is None else apikey}
    return httpx.post(f"{fake.url}/{route}/{fake.state.instance}", json=body, headers=headers, timeout=10)


def test_wrong_apikey_gets_evolutions_401_body(fake_whatsapp):
    response = _post(fake_whatsapp, "message/sendMedia", {}, apikey="nope")
    assert response.status_code == 401
    assert response.json() == {
        "status": 401,
        "error": "Unauthorized",
        "response": {"message": "Unauthorized"},
    }
    assert fake_whatsapp.calls("sendMedia")[0]["apikey_ok"] is False


def test_unknown_instance_is_404(fake_whatsapp):
    response = httpx.post(
        f"{fake_whatsapp.url}/message/sendMedia/other",
        json={},
        headers={"apikey": fake_whatsapp.state.apikey},
    )
    assert response.status_code == 404
    assert "does not exist" in response.json()["response"]["message"][0]


def test_send_media_and_audio_answer_201_with_a_new_message_id(fake_whatsapp):
    body = {"number": "5511999990000", "mediatype": "image", "media": "/9j/4AAQ", "caption": "Oi"}
    sent = _post(fake_whatsapp, "message/sendMedia", body).json()
    assert sent["key"]["fromMe"] is True and sent["key"]["id"].startswith("3EB0")
    assert sent["key"]["remoteJid"] == "5511999990000@s.whatsapp.net"
    assert sent["message"]["imageMessage"]["caption"] == "Oi"
    audio = _post(fake_whatsapp, "message/sendWhatsAppAudio", {"number": "5511999990000", "audio": "AAAA"})
    assert audio.status_code == 201 and audio.json()["message"]["audioMessage"]["ptt"] is True
    assert [c["route"] for c in fake_whatsapp.calls()] == ["sendMedia", "sendWhatsAppAudio"]
    first, second = fake_whatsapp.sent()
    assert first.data == b"\xff\xd8\xff\xe0\x00\x10" and first.transport == "base64"
    assert second.data == b"\x00\x00\x00" and second.route == "sendWhatsAppAudio"


def test_send_to_a_number_not_on_whatsapp_is_400(fake_whatsapp):
    response = _post(
        fake_whatsapp, "message/sendMedia", {"number": "5511955550000", "mediatype": "image", "media": "x"}
    )
    assert response.status_code == 400
    assert response.json()["response"]["message"][0]["exists"] is False


def test_profile_picture_url_or_null(fake_whatsapp):
    assert _post(fake_whatsapp, "chat/fetchProfilePictureUrl", {"number": "5511966660000"}).json() == {
        "wuid": "5511966660000@s.whatsapp.net",
        "profilePictureUrl": None,
    }
    fake_whatsapp.set_profile_picture("5511999990000@s.whatsapp.net", "https://pps.whatsapp.net/x.jpg")
    body = _post(fake_whatsapp, "chat/fetchProfilePictureUrl", {"number": "5511999990000"}).json()
    assert body["profilePictureUrl"] == "https://pps.whatsapp.net/x.jpg"


def test_get_base64_by_id_and_message_not_found(fake_whatsapp):
    payload = fake_whatsapp.webhook("messages-upsert-ptt-voice-note.json", "ptt-01", id="BYID1")
    assert payload["data"]["key"]["id"] == "BYID1"
    found = _post(fake_whatsapp, "chat/getBase64FromMediaMessage", {"message": {"key": {"id": "BYID1"}}})
    assert found.status_code == 201 and found.json()["mimetype"] == "audio/ogg; codecs=opus"
    missing = _post(fake_whatsapp, "chat/getBase64FromMediaMessage", {"message": {"key": {"id": "NOPE"}}})
    assert missing.status_code == 400
    assert missing.json()["response"]["message"] == ["Message not found"]


def test_faults_are_counted_and_then_heal(fake_whatsapp):
    fake_whatsapp.fail("fetchProfilePictureUrl", "5xx", times=2)
    codes = [
        _post(fake_whatsapp, "chat/fetchProfilePictureUrl", {"number": "1"}).status_code for _ in range(3)
    ]
    assert codes == [503, 503, 200]
    httpx.post(f"{fake_whatsapp.url}/__fake/faults", json={"route": "cdn", "mode": "404", "times": 1})
    path = fake_whatsapp.state.media["image-01"].direct_path
    origin = {"Origin": "https://web.whatsapp.com"}
    assert httpx.get(fake_whatsapp.url + path, headers=origin).status_code == 404
    assert httpx.get(fake_whatsapp.url + path, headers=origin).status_code == 200
    assert (
        httpx.get(fake_whatsapp.url + path).status_code == 403
    )  # the fake insists on the Origin Baileys sends, so tests prove we send it


def test_send_media_answers_with_the_node_of_its_media_type(fake_whatsapp):
    body = {"number": "5511999990000", "mediatype": "document", "media": "JVBERi0=", "fileName": "nota.pdf"}
    sent = _post(fake_whatsapp, "message/sendMedia", body).json()
    assert sent["messageType"] == "documentMessage"
    assert sent["message"]["documentMessage"]["fileName"] == "nota.pdf"
    assert sent["message"]["documentMessage"]["mimetype"] == "application/pdf"
    image = _post(
        fake_whatsapp, "message/sendMedia", {**body, "mediatype": "image", "fileName": "x.png"}
    ).json()
    assert image["message"]["imageMessage"]["mimetype"] == "image/png"  # Evolution's gotcha: from the name
    odd = _post(fake_whatsapp, "message/sendMedia", {**body, "fileName": "x.weird-ext"}).json()
    assert odd["message"]["documentMessage"]["mimetype"] == "false"
    assert _post(fake_whatsapp, "message/sendMedia", {**body, "media": ""}).status_code == 400
