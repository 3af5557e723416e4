"""The media-kind registry is the one place a kind is defined: model choices, the policy, settings
defaults (each overridable from the environment), signed-URL variants, the upload policy API and
the analyzers all follow it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

from chatmedia.chat.models import Attachment, Rendition
from chatmedia.media import kinds
from chatmedia.media.policy import CATEGORIES, CATEGORY_LABELS, MediaPolicy
from chatmedia.media.processing import inspection
from chatmedia.media.serving import signing
from chatmedia.media.uploads import direct


def test_model_choices_and_the_policy_are_the_registrys():
    assert tuple(Attachment.Category.values) == kinds.NAMES == CATEGORIES
    assert Attachment.Category.IMAGE == "image" and Attachment.Category.DOCUMENT == "document"
    assert tuple(Rendition.Variant.values) == kinds.RENDITIONS
    assert Rendition.Variant.PLAYBACK == "playback"
    assert ("original", *kinds.RENDITIONS) == signing.VARIANTS
    assert {kind.name: kind.label for kind in kinds.KINDS} == CATEGORY_LABELS


def test_every_kind_has_an_analyzer_and_renditions_it_may_have():
    for kind in kinds.KINDS:
        assert kind.analyzer in inspection.ANALYZERS, kind.name
        assert kind.renditions and set(kind.renditions) <= set(kinds.RENDITIONS), kind.name
        assert kind.allowed_types and all("/" in t for t in kind.allowed_types), kind.name
    # No script-carrying type is allowed anywhere.
    assert not {"image/svg+xml", "text/html"} & {t for k in kinds.KINDS for t in k.allowed_types}


def test_a_file_nobody_labelled_gets_its_familys_kind_or_is_a_document():
    policy = MediaPolicy.from_settings()
    assert policy.category_for("image/jpeg") == "image"
    assert policy.category_for("audio/ogg") == "audio"
    assert policy.category_for("video/mp4") == "video"
    assert policy.category_for("application/pdf") == "document"
    assert policy.category_for("image/x-icon") == "document"  # an image type no image kind allows


def test_settings_defaults_come_from_the_registry():
    for kind in kinds.KINDS:
        assert settings.MEDIA_ALLOWED_TYPES[kind.name] == list(kind.allowed_types)
        assert settings.MEDIA_CACHE_SECONDS[kind.name] == kind.cache_seconds
        if kind.upload_max_bytes is None:
            assert kind.name not in settings.UPLOAD_MAX_BYTES
    assert set(settings.MEDIA_MAX_BYTES) == set(kinds.NAMES)
    assert set(settings.UPLOAD_MAX_BYTES) == set(kinds.UPLOADABLE)


def test_each_default_is_overridden_from_the_environment():
    env = {
        **os.environ,
        "MEDIA_MAX_BYTES_DOCUMENT": "52428800",
        "MEDIA_ALLOWED_TYPES_STICKER": "image/webp",
        "MEDIA_CACHE_SECONDS_IMAGE": "86400",
        "UPLOAD_MAX_BYTES_VIDEO": "8388608",
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.MEDIA_MAX_BYTES['document'], s.MEDIA_ALLOWED_TYPES['sticker'], "
        "s.MEDIA_CACHE_SECONDS['image'], s.UPLOAD_MAX_BYTES['video'], s.MEDIA_MAX_BYTES['image']]))"
    )
    env.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    answer = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    last = answer.stdout.strip().splitlines()[-1]
    assert json.loads(last) == [52428800, ["image/webp"], 86400, 8388608, kinds.of("image").max_bytes]


def test_the_upload_policy_offers_exactly_the_uploadable_kinds(world_a):
    policy = world_a.client().get("/api/uploads/policy/").json()
    assert tuple(policy["max_bytes"]) == kinds.UPLOADABLE == direct.UPLOADABLE
    assert tuple(policy["allowed_types"]) == kinds.UPLOADABLE
    assert "sticker" not in policy["max_bytes"]
