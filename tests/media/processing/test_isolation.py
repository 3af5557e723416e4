"""The isolated process: whatever the function does, the caller gets an answer."""

from __future__ import annotations

import os
import time

from chatmedia.media.processing.isolation import run_isolated

LIMITS = {"timeout": 5.0, "memory_bytes": 256 * 1024 * 1024}


def _crash() -> None:
    os.abort()  # what a decoder segfault looks like from outside


def _hang() -> None:
    while True:
        pass


def _grab_memory() -> bytes:
    return bytes(512 * 1024 * 1024)


def _fail() -> None:
    raise KeyError("a decoder bug")


def test_result_comes_back():
    assert run_isolated(divmod, 7, 2, **LIMITS).result == (3, 1)


def test_crash_is_reported_not_raised():
    outcome = run_isolated(_crash, **LIMITS)
    assert (outcome.failure, outcome.result) == ("crashed", None)
    assert outcome.detail == "exit code -6"


def test_hang_is_killed_at_the_deadline():
    started = time.monotonic()
    outcome = run_isolated(_hang, timeout=0.5, memory_bytes=LIMITS["memory_bytes"])
    assert outcome.failure == "timeout"
    assert time.monotonic() - started < 3


def test_memory_budget_is_enforced():
    assert run_isolated(_grab_memory, **LIMITS).failure == "memory"


def test_unexpected_exception_is_reported():
    outcome = run_isolated(_fail, **LIMITS)
    assert outcome.failure == "error" and outcome.detail == "KeyError: 'a decoder bug'"
