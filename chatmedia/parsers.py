"""The API's JSON parser: DRF's, with JSON nested deeper than the interpreter recurses answered
400 like any other malformed body (DRF's own lets the RecursionError through: a 500)."""

from __future__ import annotations

from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
