"""The wa-media vectors and Evolution payloads in fixtures/ (a copy of the shared set)."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
WA_MEDIA = FIXTURES / "wa-media"
EVOLUTION = FIXTURES / "evolution"
MANIFEST = json.loads((WA_MEDIA / "manifest.json").read_text())
VECTORS = {vector["id"]: vector for vector in MANIFEST["vectors"]}
POSITIVE = [v for v in MANIFEST["vectors"] if v["expect"]["ok"]]
NEGATIVE = [v for v in MANIFEST["vectors"] if not v["expect"]["ok"]]
EVOLUTION_FILES = sorted(p.name for p in EVOLUTION.glob("*.json"))


def raw(vector: dict, name: str) -> bytes:
    return base64.b64decode(vector[f"{name}_b64"])


def enc_bytes(vector: dict) -> bytes:
    return (WA_MEDIA / vector["enc_file"]).read_bytes()


def plain_bytes(vector: dict) -> bytes:
    return (WA_MEDIA / vector["plaintext_file"]).read_bytes()


def evolution(name: str) -> dict:
    return copy.deepcopy(json.loads((EVOLUTION / name).read_text()))


TRAFFIC = FIXTURES / "evolution-traffic"
TRAFFIC_FILES = sorted(p.name for p in TRAFFIC.glob("*.json"))


def traffic(name: str) -> dict:
    """A webhook body of fixtures/evolution-traffic (its README names the version and source)."""
    return copy.deepcopy(json.loads((TRAFFIC / name).read_text()))
