"""In-process cost of one cached `/media/` hit: `media_app` called directly on a signed thumb URL
(no server, no socket), 50 000 times after 2 000 to warm up; `--profile` adds a cProfile of it.
The P1 numbers of bench/serving.py include the HTTP server; this is our own part of each request.

Usage: .venv/bin/python bench/hot_hit.py [--calls 50000] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import cProfile
import os
import pstats
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    var_dir = tempfile.mkdtemp(prefix="chatmedia-bench-")
    atexit.register(shutil.rmtree, var_dir, True)  # registered first, so run after the metrics' own
    os.environ.update({"CHATMEDIA_VAR_DIR": var_dir, "EMBEDDED_WORKER": "0", "LOG_LEVEL": "WARNING"})
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    import django

    django.setup()
    from django.contrib.auth import get_user_model

    from chatmedia.media.serving import signing
    from chatmedia.media.serving.app import media_app
    from tests.conftest import make_world
    from tests.media.serving_client import attachment

    world = make_world(f"hot-{uuid.uuid4().hex[:6]}", get_user_model())
    photo = attachment(world, os.urandom(1000), renditions={"thumb": (os.urandom(30 * 1024), "image/webp")})
    path, query = signing.signed_url(world.tenant.id, photo.id, "thumb").split("?")
    scope = {
        "type": "http",
        "method": "GET",
        "path": path,
        "query_string": query.encode(),
        "headers": [(b"host", b"chat.example.com"), (b"user-agent", b"bench")],
        "client": ("127.0.0.1", 1),
    }
    statuses = []

    async def receive():
        return {"type": "http.request"}

    async def send(message):
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def hits(n: int) -> None:
        for _ in range(n):
            await media_app(scope, receive, send)

    asyncio.run(hits(2_000))
    assert set(statuses) == {200}, set(statuses)
    started = time.perf_counter()
    asyncio.run(hits(args.calls))
    each = (time.perf_counter() - started) / args.calls
    print(f"cached 30 KB thumb, signed URL: {each * 1e6:.1f} µs per hit")
    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(asyncio.run, hits(args.calls))
        pstats.Stats(profile).sort_stats("tottime").print_stats(15)


if __name__ == "__main__":
    main()
