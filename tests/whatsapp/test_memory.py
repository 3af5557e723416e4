"""Incoming media streams: downloading, decrypting, checking and storing a 50 MiB file stays within a
small, fixed memory budget (measured in a fresh process by tests/whatsapp/memory_probe.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from django.conf import settings

# Far below the file size: anything near it means the file was held whole.
MEMORY_BOUND_MIB = 24


def test_50_mib_incoming_media_with_bounded_memory(tmp_path, capsys):
    env = {**os.environ, "MEDIA_ROOT": str(tmp_path / "media")}  # S3 variables pass through on the real stack
    probe = subprocess.run(
        [sys.executable, "-m", "tests.whatsapp.memory_probe", "50", str(tmp_path)],
        env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\n[memory] 50 MiB incoming media: {result}")
    assert result["backend"] == ("s3" if settings.S3_BUCKET else "local")
    assert result["written"] == 50 * 1024 * 1024 and result["sha256_ok"]
    assert result["fetch_decrypt_peak_growth_mib"] < MEMORY_BOUND_MIB
    assert result["save_peak_growth_mib"] < MEMORY_BOUND_MIB
