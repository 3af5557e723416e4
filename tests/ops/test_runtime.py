"""The web process's start-up objects are frozen out of the garbage collector (chatmedia.ops.runtime)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import gc, json, time
import chatmedia.asgi
frozen = gc.get_freeze_count()
garbage = []
for _ in range(2000):  # what requests allocate: collected as before
    a, b = [], []
    a.append(b); b.append(a)
    garbage.append(a)
garbage.clear()
started = time.perf_counter()
collected = gc.collect()
full_ms = (time.perf_counter() - started) * 1000
print(json.dumps({"frozen": frozen, "collected": collected, "full_ms": full_ms}))
"""


def test_a_full_collection_no_longer_walks_what_start_up_built(tmp_path):
    """Without the freeze a full collection walks every module and Django object; measured as a pause
    of 80-100 ms of every request in flight under load (bench/README.md)."""
    env = {**os.environ, "CHATMEDIA_VAR_DIR": str(tmp_path), "EMBEDDED_WORKER": "0"}
    command = [sys.executable, "-c", PROBE]
    out = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["frozen"] > 100_000, result  # Django, Channels, Celery and our modules
    assert result["collected"] >= 3900, result  # the 2000 cycles made later are still collected
