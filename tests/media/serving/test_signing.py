"""Signed media URLs and the HTTP semantics of serving: pure functions, no I/O."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlsplit

import pytest

from chatmedia.media.serving import delivery, signing
from chatmedia.media.serving.signing import Verdict

TENANT, OBJECT = str(uuid.uuid4()), str(uuid.uuid4())


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def test_expiry_is_rounded_up_to_the_step(settings):
    settings.MEDIA_URL_TTL_SECONDS, settings.MEDIA_URL_STEP_SECONDS = 6 * 3600, 3600
    for now in (1_800_000_000, 1_800_000_001, 1_800_003_599.5):
        exp = signing.expiry(now)
        assert exp % 3600 == 0
        assert now + 6 * 3600 <= exp < now + 7 * 3600


def test_urls_are_stable_within_a_step_and_change_after(settings):
    settings.MEDIA_URL_TTL_SECONDS, settings.MEDIA_URL_STEP_SECONDS = 600, 3600
    first = signing.signed_url(TENANT, OBJECT, "thumb", now=1_800_000_100)
    assert signing.signed_url(TENANT, OBJECT, "thumb", now=1_800_002_000) == first
    assert signing.signed_url(TENANT, OBJECT, "thumb", now=1_800_004_000) != first
    assert first.startswith(f"/media/{OBJECT}/thumb?tenant={TENANT}&exp=")


def test_verify_valid_expired_invalid():
    url = signing.signed_url(TENANT, OBJECT, "preview", now=1_800_000_000)
    q = _query(url)
    exp = int(q["exp"])
    assert signing.verify(TENANT, OBJECT, "preview", q["exp"], q["sig"], now=exp - 1) is Verdict.VALID
    assert signing.verify(TENANT, OBJECT, "preview", q["exp"], q["sig"], now=exp) is Verdict.EXPIRED
    for tenant, obj, variant, exp_text, sig in [
        (TENANT, OBJECT, "original", q["exp"], q["sig"]),
        (TENANT.upper(), OBJECT, "preview", q["exp"], q["sig"]),  # only canonical ids were signed
        (TENANT, OBJECT, "preview", "0" + q["exp"], q["sig"]),
        (TENANT, OBJECT, "preview", "+" + q["exp"], q["sig"]),
        (TENANT, OBJECT, "preview", "", q["sig"]),
        (TENANT, OBJECT, "preview", "\u00b2", q["sig"]),  # "²".isdigit(), but no int
        (TENANT, OBJECT, "preview", q["exp"], q["sig"][:-1]),
        (TENANT, OBJECT, "preview", q["exp"], "é" + q["sig"][1:]),
        (TENANT, OBJECT, "preview", q["exp"], "\u202e\ud800"),
    ]:
        assert signing.verify(tenant, obj, variant, exp_text, sig, now=0) is Verdict.INVALID


def test_a_link_verified_once_is_still_checked_for_expiry_and_keys(settings):
    url = signing.signed_url(TENANT, OBJECT, "thumb", now=1_800_000_000)
    q = _query(url)
    exp = int(q["exp"])
    assert signing.verify(TENANT, OBJECT, "thumb", q["exp"], q["sig"], now=exp - 1) is Verdict.VALID
    assert (TENANT, OBJECT, "thumb", q["exp"], q["sig"]) in signing._verified
    assert signing.verify(TENANT, OBJECT, "thumb", q["exp"], q["sig"], now=exp) is Verdict.EXPIRED
    wrong = q["sig"][:-1] + ("A" if q["sig"][-1] != "A" else "B")
    assert signing.verify(TENANT, OBJECT, "thumb", q["exp"], wrong, now=0) is Verdict.INVALID
    assert (TENANT, OBJECT, "thumb", q["exp"], wrong) not in signing._verified  # only right MACs kept
    settings.SECRET_KEY = "another key, after a rotation that dropped the old one"
    assert signing.verify(TENANT, OBJECT, "thumb", q["exp"], q["sig"], now=0) is Verdict.INVALID


def test_the_verified_links_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(signing, "VERIFIED_KEPT", 3)
    for _ in range(10):
        other = str(uuid.uuid4())
        q = _query(signing.signed_url(TENANT, other, "thumb", now=1_800_000_000))
        assert signing.verify(TENANT, other, "thumb", q["exp"], q["sig"], now=0) is Verdict.VALID
        assert len(signing._verified) <= 3


def test_avatar_urls_have_their_own_variant():
    url = signing.signed_url(TENANT, OBJECT, signing.AVATAR, v="123")
    q = _query(url)
    assert url.startswith(f"/media/avatar/{OBJECT}?") and q["v"] == "123"
    assert signing.verify(TENANT, OBJECT, signing.AVATAR, q["exp"], q["sig"]) is Verdict.VALID
    assert signing.verify(TENANT, OBJECT, "thumb", q["exp"], q["sig"]) is Verdict.INVALID
    with pytest.raises(ValueError, match="unknown variant"):
        signing.path_of(OBJECT, "huge")


@pytest.mark.parametrize(
    ("header", "size", "expected"),
    [
        (None, 10, None),
        ("bytes=0-0", 10, (0, 0)),
        ("bytes=2-5", 10, (2, 5)),
        ("bytes=-3", 10, (7, 9)),
        ("bytes=-30", 10, (0, 9)),
        ("bytes=4-", 10, (4, 9)),
        ("bytes=4-100", 10, (4, 9)),
        ("bytes=10-", 10, False),
        ("bytes=-0", 10, False),
        ("bytes=0-", 0, False),
        ("bytes=5-2", 10, None),  # invalid: ignored
        ("bytes=0-1,4-5", 10, None),  # several: the whole body
        ("items=0-1", 10, None),
        ("bytes=-", 10, None),
        ("bytes=a-b", 10, None),
    ],
)
def test_byte_range(header, size, expected):
    assert delivery.byte_range(header, size) == expected


def test_plan_304_before_range_and_if_range():
    etag = delivery.etag_of("ab" * 32)
    assert delivery.plan(10, etag, "bytes=0-1", None, etag).status == 304
    assert delivery.plan(10, etag, "bytes=0-1", etag, None) == delivery.Plan(206, 0, 1)
    assert delivery.plan(10, etag, "bytes=0-1", '"old"', None) == delivery.Plan(200, 0, 9)
    assert delivery.plan(0, etag, None, None, None).length == 0
