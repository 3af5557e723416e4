"""Incoming media streams: downloading, decrypting, checking and storing a 50 MiB file stays within a
small, fixed memory budget (measured in a fresh process by tests/whatsapp/memory_probe.py)."""

from __future__ import annotations

import os

from django.conf import settings

from tests.memory import MEMORY_BOUND_MIB, run_probe


def test_50_mib_incoming_media_with_bounded_memory(tmp_path, capsys):
    env = {**os.environ, "MEDIA_ROOT": str(tmp_path / "media")}  # S3 variables pass through on the real stack
    result = run_probe(
        "tests.whatsapp.memory_probe",
        "50",
        str(tmp_path),
        env=env,
        label="50 MiB incoming media",
        capsys=capsys,
    )
    assert result["backend"] == ("s3" if settings.S3_BUCKET else "local")
    assert result["written"] == 50 * 1024 * 1024 and result["sha256_ok"]
    assert result["fetch_decrypt_peak_growth_mib"] < MEMORY_BOUND_MIB
    assert result["save_peak_growth_mib"] < MEMORY_BOUND_MIB
