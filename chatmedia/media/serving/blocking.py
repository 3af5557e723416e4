"""The thread pool of the media app: where its blocking work (database, Redis, storage) runs.

The event loop never blocks: `run(fn, …)` runs a call in one of MEDIA_SERVING_THREADS long-lived
threads, each with its own persistent database connection (`run_db` checks it first, as Django's
request cycle would). `next_chunk` advances a storage iterator there. `shutdown()` closes the
threads' database connections and stops them (tests; the pool restarts on demand).
"""

from __future__ import annotations

import asyncio
import functools
import threading
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

_pool: ThreadPoolExecutor | None = None
_pool_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(settings.MEDIA_SERVING_THREADS, thread_name_prefix="media-serving")
        return _pool


def shutdown() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is None:
        return
    threads = len(pool._threads)
    if threads:
        # One job per thread: each waits at the barrier until all run, so no thread takes two.
        barrier = threading.Barrier(threads)

        def close_connections() -> None:
            connections.close_all()
            barrier.wait(timeout=10)

        for _ in range(threads):
            pool.submit(close_connections)
    pool.shutdown(wait=True)


async def run(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(_executor(), functools.partial(fn, *args))


async def run_db(fn, *args):
    return await run(_with_db, fn, *args)


def submit_db(fn, *args) -> Future:
    """`run_db` for callers that do not wait, or that several requests wait for: the pool's own
    future (await it with `asyncio.wrap_future`)."""
    return _executor().submit(_with_db, fn, *args)


def _with_db(fn, *args):
    close_old_connections()  # drop a connection that broke or aged out (the threads live long)
    return fn(*args)


async def next_chunk(chunks) -> bytes | None:
    """The next chunk of a storage iterator, read in the pool. Not passed back as the future's
    result: asyncio's wrapper around a thread's future sits in a reference cycle, so a result can
    live until the cyclic GC runs — many 256 KiB chunks of a fast stream."""
    box: list[bytes] = []
    await run(_fill, box, chunks)
    return box.pop() if box else None


def _fill(box: list, chunks) -> None:
    chunk = next(chunks, None)
    if chunk is not None:
        box.append(chunk)
