"""Peak resident memory of this process over a block of code (Linux).

Writing 5 to /proc/self/clear_refs resets the kernel's high-water mark (VmHWM), so the peak of
just this block is measured, not the peak of the whole test run.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

# Peak growth allowed for one large (50 MiB) transfer: far below the size, so a file held whole fails.
MEMORY_BOUND_MIB = 24

_STATUS = Path("/proc/self/status")


def _status_kib(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakRSS:
    def __enter__(self) -> PeakRSS:
        gc.collect()
        Path("/proc/self/clear_refs").write_text("5")
        self.baseline_kib = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc) -> None:
        self.peak_kib = _status_kib("VmHWM")

    @property
    def growth_mib(self) -> float:
        return (self.peak_kib - self.baseline_kib) / 1024


def run_probe(module: str, *args: str, env: dict[str, str], label: str, capsys) -> dict:
    """Run a memory probe module in a fresh process (a long test run's heap would hide or inflate
    the growth of one operation) and return the JSON it prints last; the result is shown in the log."""
    probe = subprocess.run(
        [sys.executable, "-m", module, *args],
        env=env, cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True, timeout=300,
        check=False,
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-3000:]
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    with capsys.disabled():
        print(f"\n[memory] {label}: {result}")
    return result
