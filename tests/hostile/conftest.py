"""The hostile-input suite: what an outside audit tried against the running system, kept as tests so
the next audit starts from here. Each test counts the inputs it tries (`tried`); the run ends with
one line per family (`hostile inputs tried: …`). Every family also checks that nothing it sent made
an ERROR line (`no_errors`): a refusal is a 4xx or a clean close, never a traceback."""

from __future__ import annotations

import logging
from collections import Counter

import pytest

from tests.integration.conftest import live, live_system, member_a  # noqa: F401 - the running system
from tests.whatsapp.conftest import post_webhook, queued  # noqa: F401 - the webhook families' fixtures

_TRIED: Counter[str] = Counter()


@pytest.fixture
def tried(request):
    """`tried(n=1)`: count n hostile inputs sent by this test, under its module's family."""
    family = request.module.__name__.rsplit(".", 1)[-1].removeprefix("test_")

    def count(n: int = 1) -> None:
        _TRIED[family] += n

    return count


@pytest.fixture
def no_errors(caplog):
    """Fails the test if anything it did logged at ERROR or above (a 500's traceback, a crash)."""
    caplog.set_level(logging.WARNING)
    yield
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [f"{r.name}: {r.getMessage()[:200]}" for r in errors]


def pytest_terminal_summary(terminalreporter):
    if _TRIED:
        families = ", ".join(f"{name} {count}" for name, count in sorted(_TRIED.items()))
        terminalreporter.write_line(f"hostile inputs tried: {sum(_TRIED.values())} ({families})")
