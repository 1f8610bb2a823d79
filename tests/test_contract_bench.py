"""The drift benchmark still runs: ``python -m bench.drift --smoke`` reports every row.

No timing is asserted (speed is measured by the full run and recorded in docs/live-api.md).
"""

from __future__ import annotations

import pytest

from bench import drift


def test_drift_bench_smoke_run_reports_every_row(capsys: pytest.CaptureFixture[str]) -> None:
    assert drift.main(["--smoke"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith(("| verdict", "| answer"))]
    assert len(rows) == 10, out
    for line in rows:
        micros = line.split("|")[2].strip().replace(",", "")
        assert float(micros) > 0, line
