"""Hostile clients against the running web process, started as production starts it
(`python -m chatmedia.webserver`): forged proxy headers, both login forms, slow headers, WebSocket
frames it has no reason to get, bearer upload URLs in its log, 10 000-character JIDs through the
queue to the worker, and a 100 MB embedded download in constant memory (audit items 3, 5, 7, 8, 9,
10 and the slowloris note). Nothing here may leave an ERROR line or a traceback in its logs."""

from __future__ import annotations

import itertools
import json
import re
import socket
import time
import uuid

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from chatmedia.chat.models import Conversation, Message
from chatmedia.media.storage import media_storage, upload_tokens
from tests.connections import connection_of
from tests.integration.conftest import post
from tests.whatsapp.fixtures import evolution

pytestmark = pytest.mark.slow
_addresses = (f"127.0.0.{n}" for n in itertools.count(20))


def _client(live) -> httpx.Client:
    """A client from a loopback address of its own: each test's wrong passwords are its own."""
    return httpx.Client(base_url=live.url, transport=httpx.HTTPTransport(local_address=next(_addresses)))


def _log_since(live, offsets: dict) -> str:
    text = ""
    for path in sorted(live.log_dir.glob("*.log")):
        with open(path, "rb") as log:
            log.seek(offsets.get(path, 0))
            text += log.read().decode(errors="replace")
    return text


def _offsets(live) -> dict:
    return {path: path.stat().st_size for path in live.log_dir.glob("*.log")}


def _assert_no_errors(text: str) -> None:
    for line in text.splitlines():
        assert '"level": "ERROR"' not in line and "Traceback" not in line, line[:400]


@pytest.fixture
def watched(live):
    offsets = _offsets(live)
    yield offsets
    _assert_no_errors(_log_since(live, offsets))


def _wrong_login(client: httpx.Client, xff: str | None = None) -> int:
    csrf = client.get("/").cookies.get("csrftoken") or client.cookies.get("csrftoken")
    headers = {"X-CSRFToken": csrf, "Referer": f"{client.base_url}/"}
    if xff:
        headers["X-Forwarded-For"] = xff
    answer = client.post("/api/session/", json={"username": "nobody", "password": "wrong"}, headers=headers)
    return answer.status_code


def _wrong_admin_login(client: httpx.Client) -> httpx.Response:
    page = client.get("/admin/login/")
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)[1]
    answer = client.post(
        "/admin/login/",
        data={"csrfmiddlewaretoken": csrf, "username": "nobody", "password": "wrong", "next": "/admin/"},
        headers={"Referer": f"{client.base_url}/admin/login/"},
    )
    return answer


def test_rotating_x_forwarded_for_from_loopback_does_not_escape_the_lockout(live, watched, tried, settings):
    tried(settings.LOGIN_FAILURES_MAX + 5)
    with _client(live) as client:
        answers = [_wrong_login(client, xff=f"203.0.113.{n}") for n in range(settings.LOGIN_FAILURES_MAX + 5)]
    assert answers[: settings.LOGIN_FAILURES_MAX] == [400] * settings.LOGIN_FAILURES_MAX
    assert set(answers[settings.LOGIN_FAILURES_MAX :]) == {429}


def test_the_admin_login_shares_the_web_chats_throttle(live, watched, tried, settings):
    tried(settings.LOGIN_FAILURES_MAX + 2)
    half = settings.LOGIN_FAILURES_MAX // 2
    with _client(live) as client:
        answers = [_wrong_admin_login(client) for _ in range(half)]
        assert [a.status_code for a in answers] == [200] * half
        assert "correct username and password" in answers[0].text  # the admin's own form error
        rest = settings.LOGIN_FAILURES_MAX - half
        assert [_wrong_login(client) for _ in range(rest)] == [400] * rest
        locked = _wrong_admin_login(client)
        assert locked.status_code == 429 and "minutes" in locked.text
        assert int(locked.headers["Retry-After"]) == settings.LOGIN_FAILURES_WINDOW_SECONDS
        assert _wrong_login(client) == 429


def test_a_client_trickling_its_headers_is_cut_off_and_others_are_served(live, watched, tried):
    tried()
    host, port = live.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        started, answer = time.monotonic(), b""
        while time.monotonic() - started < 15:
            try:
                slow.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
            assert httpx.get(f"{live.url}/healthz", timeout=5).status_code == 200  # others go on
            slow.settimeout(1)
            try:
                chunk = slow.recv(1024)
            except TimeoutError:
                continue
            if not chunk:
                break
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 408"), answer[:100]
    assert time.monotonic() - started < 8  # WEB_HEADER_TIMEOUT_SECONDS is 3 in the live system


FRAMES = [
    (b"\x00\x01binary", 1003),
    ("{not json", 1007),
    ("\x00\x01\x02", 1007),
    ("[" * 2000 + "]" * 2000, 1007),
    ("x" * 10_000, 1009),
]


@pytest.mark.parametrize(("frame", "code"), FRAMES, ids=["binary", "not-json", "control", "nested", "big"])
def test_a_websocket_frame_it_has_no_reason_to_get_is_a_clean_close(
    live, member_a, watched, tried, frame, code
):
    tried()
    headers = {"Origin": live.url, "Authorization": f"Token {member_a.token}"}
    with connect(live.ws_url, additional_headers=headers, open_timeout=10) as socket_:
        assert json.loads(socket_.recv(timeout=10))["type"] == "hello"
        socket_.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            socket_.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == code


def test_a_ping_still_gets_its_pong(live, member_a, watched):
    headers = {"Origin": live.url, "Authorization": f"Token {member_a.token}"}
    with connect(live.ws_url, additional_headers=headers, open_timeout=10) as socket_:
        socket_.recv(timeout=10)
        socket_.send('{"type": "ping"}')
        assert json.loads(socket_.recv(timeout=10)) == {"type": "pong"}


def test_a_refused_upload_url_never_writes_its_token_to_the_log(live, watched, tried):
    tried(3)
    token = upload_tokens.signed_url(key="t/x/ab/abc", content_type="image/jpeg", expires_in=60).rsplit(
        "/", 1
    )[1]
    forged = "A" * 40 + ":" + "b" * 60
    for path in (token, forged):
        headers = {"Content-Type": "text/html"}
        answer = httpx.put(f"{live.url}/uploads/local/{path}", content=b"x", headers=headers)
        assert answer.status_code in (403, 404)  # 404 on S3: uploads go there, not here
    assert httpx.get(f"{live.url}/uploads/local/{token}").status_code == 405
    text = _log_since(live, watched)
    assert "/uploads/local/<token>" in text
    assert token not in text and forged not in text and token[-24:] not in text


@pytest.mark.parametrize("field", ["remoteJid", "participant"])
def test_a_10000_character_jid_through_the_queue_stores_nothing_and_is_not_retried(
    live, member_a, watched, tried, field
):
    tried()
    body = evolution(
        "messages-upsert-group-image.json" if field == "participant" else "messages-upsert-text.json"
    )
    body["data"]["key"][field] = "5" * 10_000 + "@s.whatsapp.net"
    body["data"]["key"].pop(f"{field}Alt", None)
    body["data"]["key"]["id"] = f"HOSTILE{uuid.uuid4().hex[:10].upper()}"
    body["instance"] = connection_of(member_a.tenant).evolution_instance
    assert post(member_a.webhook_url(live), body).status_code == 200
    # a normal webhook after it: when it is stored, the hostile one was handled before it
    after = evolution("messages-upsert-text.json")
    after["data"]["key"]["id"] = f"AFTER{uuid.uuid4().hex[:10].upper()}"
    after["instance"] = connection_of(member_a.tenant).evolution_instance
    assert post(member_a.webhook_url(live), after).status_code == 200
    deadline = time.monotonic() + 30
    while not Message.objects.filter(wa_message_id=after["data"]["key"]["id"]).exists():
        assert time.monotonic() < deadline, "the webhook after it was never stored"
        time.sleep(0.1)
    time.sleep(0.5)
    if field == "remoteJid":
        assert not Message.objects.filter(wa_message_id=body["data"]["key"]["id"]).exists()
    assert not Conversation.objects.filter(remote_jid__startswith="5555555555").exists()
    assert not Message.objects.filter(author_jid__startswith="5555555555").exists()
    assert "not stored yet" not in _log_since(live, watched)


def _rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_a_100_mb_embedded_download_streams_in_constant_memory(live, watched, tried, settings):
    tried()
    size = 100 * 1024 * 1024
    key = f"t/{uuid.uuid4()}/hostile/big-download"

    class Zeros:  # 100 MB written without holding it
        left = size

        def read(self, n=-1):
            n = min(self.left, 1024 * 1024 if n < 0 else n)
            self.left -= n
            return bytes(n)

    storage = media_storage()
    storage.save(key, Zeros(), "application/pdf")
    try:
        url = upload_tokens.download_url(key=key, expires_in=120, content_type="application/pdf")
        path = url.split("/uploads/local/")[1]
        pid = live.web.popen.pid
        before, peak, received = _rss_bytes(pid), 0, 0
        with httpx.stream("GET", f"{live.url}/uploads/local/{path}", timeout=60) as answer:
            assert answer.status_code == 200
            assert answer.headers["content-length"] == str(size)
            for chunk in answer.iter_bytes(1024 * 1024):
                received += len(chunk)
                if received % (8 * 1024 * 1024) < len(chunk):
                    peak = max(peak, _rss_bytes(pid))
        assert received == size
        assert peak - before < 40 * 1024 * 1024, f"the web process grew by {(peak - before) >> 20} MiB"
        assert "must consume asynchronous iterators" not in _log_since(live, watched)
        assert "consume" not in _log_since(live, watched)
    finally:
        storage.delete(key)
