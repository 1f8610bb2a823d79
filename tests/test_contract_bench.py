"""The drift benchmark still runs: ``python -m bench.drift --smoke`` reports every row.

No timing is asserted (speed is measured by the full run and recorded in docs/live-api.md).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_drift_bench_smoke_run_reports_every_row() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "bench.drift", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| verdict") or line.startswith("| answer")]
    assert len(rows) == 10, proc.stdout
    for line in rows:
        micros = line.split("|")[2].strip().replace(",", "")
        assert float(micros) > 0, line
