"""Benchmark of Office previews (`media.processing.office`): a 20-page DOCX and a 5-sheet XLSX, both
written by LibreOffice, get their preview by our path — `inspection.inspect`, what the worker runs:
the type from the bytes, then in the isolated process LibreOffice (soffice.bin with a fresh copy of
the clean profile, its own network namespace and session, the type's own import filter) writes the
PDF, and the PDF path draws the first page, counts pages and sheets and reads the text — against
`soffice --headless --convert-to pdf` alone (Debian's command line with a profile of its own, warm),
in the same run. Goal: ours ÷ soffice ≤ 1.3. Also the peak memory (VmHWM, sampled every 10 ms) of
LibreOffice in each.

Each is run `--runs` times, alternating, after one untimed warm-up of each (our profile template and
the forkserver; the command line's first start); medians are compared.

Usage: .venv/bin/python bench/office.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatmedia.settings")


class PeakMemory:
    """The largest VmHWM (peak resident set) of processes whose command line or parent's holds
    `marker`, sampled until stopped."""

    def __init__(self, marker: str, *, name: bytes = b"soffice.bin") -> None:
        self.marker, self.name, self.peak = marker.encode(), name, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    command = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if self.name not in command or self.marker not in command:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak = max(self.peak, int(line.split()[1]) * 1024)
                except OSError:
                    continue


def main() -> None:
    import django

    django.setup()
    from chatmedia.media.policy import MediaPolicy
    from chatmedia.media.processing import isolation
    from chatmedia.media.processing.inspection import inspect
    from tests.media import office_corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    policy = MediaPolicy.from_settings()
    if policy.office is None:
        sys.exit("bench/office.py needs LibreOffice (make bench-office installs it)")
    print(f"LibreOffice: {policy.office.binary}, network namespace: {policy.office.network_namespace}")
    with tempfile.TemporaryDirectory(prefix="bench-office-") as scratch:
        root = Path(scratch)
        files = office_corpus.make(root / "corpus", ("report.docx", "budget.xlsx"))
        isolation.warm_up()
        cli_profile = root / "cli-profile"
        counter = iter(range(10_000))

        def ours(path: Path) -> tuple[float, int, dict]:
            out = root / f"ours-{next(counter)}"
            out.mkdir()
            with PeakMemory(str(out)) as memory:
                started = time.perf_counter()
                result = inspect(str(path), policy, str(out), category="document", file_name=path.name)
                elapsed = time.perf_counter() - started
            assert "preview_error" not in result.metadata and "preview" in result.renditions, result.metadata
            return elapsed, memory.peak, result.metadata

        def theirs(path: Path) -> tuple[float, int]:
            out = root / f"cli-{next(counter)}"
            with PeakMemory(str(cli_profile)) as memory:
                started = time.perf_counter()
                office_corpus.soffice(root, "--convert-to", "pdf", "--outdir", str(out), str(path),
                                      profile=cli_profile)  # fmt: skip
                elapsed = time.perf_counter() - started
            assert (out / f"{path.stem}.pdf").exists()
            return elapsed, memory.peak

        ratios = []
        for name in ("report.docx", "budget.xlsx"):
            path = files[name]
            ours(path), theirs(path)  # warm-up: our profile template, the forkserver; the CLI's first start
            mine, cli = [], []
            for _ in range(args.runs):
                mine.append(ours(path))
                cli.append(theirs(path))
            our_time = statistics.median(run[0] for run in mine)
            cli_time = statistics.median(run[0] for run in cli)
            metadata = mine[-1][2]
            counts = ", ".join(f"{key} {metadata[key]}" for key in ("pages", "sheets") if key in metadata)
            ratio = our_time / cli_time
            ratios.append(ratio)
            print(
                f"{name}: {path.stat().st_size / 1024:.0f} KiB, {counts}; "
                f"ours {our_time:.2f} s (preview, counts, text), soffice --convert-to pdf {cli_time:.2f} s, "
                f"ratio {ratio:.2f} (goal <= 1.3); LibreOffice peak RSS: "
                f"ours {max(run[1] for run in mine) / 2**20:.0f} MiB, "
                f"CLI {max(run[1] for run in cli) / 2**20:.0f} MiB"
            )
        print(f"worst ratio {max(ratios):.2f} (goal <= 1.3)")


if __name__ == "__main__":
    main()
