"""The web chat's TypeScript types (frontend/src/api/types.ts) name exactly the fields the API's
OpenAPI schema has: a renamed or dropped field fails here, not in a browser."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from tools.live_system import ROOT

TYPES = ROOT / "frontend" / "src" / "api" / "types.ts"
# TypeScript interface -> schema component
SHAPES = {
    "Attachment": "Attachment",
    "Message": "Message",
    "Conversation": "Conversation",
    "LastMessage": "LastMessage",
}


def _interface_fields(source: str, name: str) -> set[str]:
    body = re.search(rf"export interface {name} \{{(.*?)\n\}}", source, re.S)
    assert body, f"interface {name} not in {TYPES}"
    return set(re.findall(r"^\s{2}(\w+)\??:", body.group(1), re.M))


@pytest.mark.parametrize("interface", sorted(SHAPES))
def test_typescript_types_match_the_openapi_schema(interface, db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    component = schema["components"]["schemas"][SHAPES[interface]]
    assert _interface_fields(TYPES.read_text(), interface) == set(component["properties"])
