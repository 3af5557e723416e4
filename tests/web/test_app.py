"""The web chat's server side: the app shell at /, session login/logout, the upload policy the
composer checks files against, and fetching a failed incoming file again."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client

from chatmedia.chat.models import Attachment
from chatmedia.whatsapp import tasks


@pytest.fixture
def browser(db):
    cache.clear()  # wrong passwords are counted per address in the cache
    yield Client(enforce_csrf_checks=True)
    cache.clear()


def _csrf(client: Client) -> str:
    response = client.get("/")
    return response.cookies["csrftoken"].value


def test_the_shell_sets_a_csrf_cookie_and_a_strict_csp(browser, settings, tmp_path):
    settings.FRONTEND_DIST_DIR = tmp_path
    (tmp_path / "index.html").write_text('<div id="root"></div>')
    response = browser.get("/")
    assert response.status_code == 200 and b'id="root"' in response.content
    assert "csrftoken" in response.cookies
    policy = response["Content-Security-Policy"]
    for directive in ("script-src 'self'", "object-src 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_without_a_build_the_shell_says_how_to_build_it(browser, settings, tmp_path):
    settings.FRONTEND_DIST_DIR = tmp_path / "missing"
    response = browser.get("/")
    assert response.status_code == 503 and b"make run" in response.content


def test_login_with_csrf_then_the_api_knows_me_then_logout(browser, world_a):
    world_a.user.set_password("s3nha-forte-demais")
    world_a.user.save()
    assert browser.get("/api/me/").status_code in (401, 403)
    token = _csrf(browser)
    credentials = {"username": world_a.user.username, "password": "s3nha-forte-demais"}
    no_csrf = browser.post("/api/session/", credentials, content_type="application/json")
    assert no_csrf.status_code == 403
    response = browser.post(
        "/api/session/", credentials, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert response.status_code == 204
    me = browser.get("/api/me/").json()
    assert me["username"] == world_a.user.username and me["tenant"]["id"] == str(world_a.tenant.id)
    token = browser.cookies["csrftoken"].value  # rotated at login
    assert browser.delete("/api/session/", HTTP_X_CSRFTOKEN=token).status_code == 204
    assert browser.get("/api/me/").status_code in (401, 403)


def test_a_wrong_password_is_a_clear_400_and_guessing_is_throttled(browser, world_a, settings):
    token = _csrf(browser)
    wrong = {"username": world_a.user.username, "password": "nope"}
    answers = [
        browser.post("/api/session/", wrong, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        for _ in range(11)
    ]
    assert answers[0].status_code == 400 and answers[0].json()["error"]["code"] == "invalid_login"
    assert [a.status_code for a in answers[1:10]] == [400] * 9
    assert answers[-1].status_code == 429 and answers[-1].json()["error"]["code"] == "throttled"
    # Even the right password waits now (that is the point), and the window is named.
    world_a.user.set_password("s3nha-forte-demais")
    world_a.user.save()
    right = {"username": world_a.user.username, "password": "s3nha-forte-demais"}
    late = browser.post("/api/session/", right, content_type="application/json", HTTP_X_CSRFTOKEN=token)
    assert late.status_code == 429 and late["Retry-After"] == str(settings.LOGIN_FAILURES_WINDOW_SECONDS)


def test_logging_in_many_times_is_never_throttled(browser, world_a):
    world_a.user.set_password("s3nha-forte-demais")
    world_a.user.save()
    right = {"username": world_a.user.username, "password": "s3nha-forte-demais"}
    for _ in range(15):
        token = _csrf(browser)
        answer = browser.post("/api/session/", right, content_type="application/json", HTTP_X_CSRFTOKEN=token)
        assert answer.status_code == 204


def test_the_upload_policy_matches_what_the_server_enforces(world_a, settings):
    policy = world_a.client().get("/api/uploads/policy/").json()
    limit = min(settings.UPLOAD_MAX_BYTES["document"], settings.MEDIA_MAX_OBJECT_BYTES)
    assert policy["max_bytes"]["document"] == limit
    assert "application/pdf" in policy["allowed_types"]["document"]
    assert "image/svg+xml" not in policy["allowed_types"]["image"]
    assert policy["voice_container_types"]["video/webm"] == "audio/webm"
    assert policy["text_max_chars"] == settings.MESSAGE_TEXT_MAX_CHARS


def test_a_failed_incoming_file_can_be_fetched_again_unless_it_was_refused(
    world_a, monkeypatch, transactional_db
):
    queued = []
    monkeypatch.setattr(tasks.fetch_incoming_media, "delay", lambda pk: queued.append(pk))
    attachment = world_a.attachment
    attachment.source = {"kind": "whatsapp"}
    attachment.status, attachment.error_code, attachment.error_message = "failed", "cdn_unavailable", "x"
    attachment.save()
    client = world_a.client()
    response = client.post(f"/api/attachments/{attachment.id}/retry/")
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert queued == [str(attachment.id)]
    attachment.refresh_from_db()
    assert attachment.status == "pending" and attachment.error_code == ""
    Attachment.objects.filter(pk=attachment.pk).update(status="failed", error_code="too_large")
    response = client.post(f"/api/attachments/{attachment.id}/retry/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "not_retryable"
