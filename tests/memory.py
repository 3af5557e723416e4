"""Peak resident memory of this process over a block of code (Linux).

Writing 5 to /proc/self/clear_refs resets the kernel's high-water mark (VmHWM), so the peak of
just this block is measured, not the peak of the whole test run.
"""

from __future__ import annotations

import gc
from pathlib import Path

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
