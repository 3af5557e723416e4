"""Run one function in a separate process with a wall-clock limit and an address-space budget.

Decoders (libjpeg, libheif, FFmpeg, PDFium) are C code fed hostile input: a file can hang one, make
it allocate without bound, or crash it. Each job therefore runs in a child process, forked from a
forkserver that already imported the decoders (a fork costs milliseconds; a fresh interpreter would
cost a second). The child gets RLIMIT_AS = its size at start + `memory_bytes` and RLIMIT_CPU; the
parent kills it at the deadline. Whatever happens to the child, the caller gets an answer.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import resource
import threading
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

# Modules the forkserver imports once, so every child starts with the decoders loaded. `__main__`
# (celery's, uvicorn's or manage.py's entry script, all guarded by `if __name__ == "__main__"`) is
# imported there once too; otherwise every child would import it again before starting.
PRELOAD = ["__main__", "chatmedia.media.processing.inspection", "chatmedia.media.processing.conversion"]
# How long a child that sent its answer may take to exit before it is killed.
EXIT_GRACE_SECONDS = 5.0
_context = None
# What each failure means to a person (an attachment's `preview_error`, a conversion's refusal).
FAILURE_REASONS = {
    "timeout": "processing the file took longer than {timeout:g} s",
    "memory": "processing the file needed more memory than allowed",
    "crashed": "the file made the decoder crash",
    "error": "the file could not be processed",
}
_context_lock = threading.Lock()


@dataclass(frozen=True)
class Outcome:
    result: Any = None
    # None when the function returned; else "timeout", "memory", "crashed" or "error".
    failure: str | None = None
    detail: str = ""

    def reason(self, timeout: float) -> str:
        """Why the function gave no answer, for people (`timeout`: the limit it was run with)."""
        return FAILURE_REASONS[self.failure].format(timeout=timeout) if self.failure else ""


def _get_context():
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _own_address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _child(connection, function, args, memory_bytes: int, timeout: float) -> None:
    limit = _own_address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    cpu = math.ceil(timeout) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    try:
        result = function(*args)
    except MemoryError:
        connection.send(("memory", "", None))
    except Exception as exc:  # a decoder bug on hostile input must not take the worker with it
        connection.send(("error", f"{type(exc).__name__}: {exc}"[:300], None))
    else:
        connection.send((None, "", result))
    finally:
        connection.close()


def run_isolated(function, *args, timeout: float, memory_bytes: int) -> Outcome:
    context = _get_context()
    receiver, sender = context.Pipe(duplex=False)
    arguments = (sender, function, args, memory_bytes, timeout)
    process = context.Process(target=_child, args=arguments, daemon=True)
    process.start()
    sender.close()
    failure, detail, result = "timeout", f"after {timeout:g} s", None
    try:
        if receiver.poll(timeout):
            try:
                failure, detail, result = receiver.recv()
            except (EOFError, OSError):
                failure, detail, result = "crashed", "", None
    finally:
        receiver.close()
        if failure == "timeout":
            process.kill()
        process.join(EXIT_GRACE_SECONDS)  # a child that answered exits at once
        if process.is_alive():
            process.kill()
            process.join()
    if failure == "crashed":
        detail = f"exit code {process.exitcode}"
    if failure is not None:
        logger.warning("isolated %s: %s %s", getattr(function, "__name__", function), failure, detail)
    return Outcome(result=result, failure=failure, detail=detail)


def warm_up() -> None:
    """Start the forkserver (a second of imports) before the first job needs it."""
    from multiprocessing import forkserver

    _get_context()
    forkserver.ensure_running()
