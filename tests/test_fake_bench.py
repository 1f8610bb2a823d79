"""The fake's benchmark still works: ``python -m bench.fake --smoke`` completes and reports every
row. No timing is asserted (speed is measured by the full run, recorded in bench/RESULTS.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def test_fake_bench_smoke_reports_every_row() -> None:
    results = ROOT / "bench" / "RESULTS.md"
    before = results.read_text(encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.fake", "--smoke"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for row in (
        "| customers_get via the fake (Client) |",
        "| customers_get via MockTransport (Client) |",
        "| customers_get, fake alone (FakeAPI.handle) |",
        "| customers_list, 10 items, via the fake (Client) |",
        "| customers_get via the fake (AsyncClient) |",
        "| FakeAPI() on the loaded bundled spec (a fresh-per-test fixture) |",
        "| bundled spec loaded anew + FakeAPI() + first call (cold) |",
        "| FakeAPI() on Polar's whole spec (loaded: 127 paths) |",
    ):
        assert row in out, row
    assert "Target: >= 2,000 validated `customers_get` per second" in out
    assert results.read_text(encoding="utf-8") == before  # a smoke run never rewrites the recorded results
    recorded = before.split("<!-- fake:begin -->", 1)[1].split("<!-- fake:end -->", 1)[0]
    assert "| customers_get via the fake (Client) |" in recorded and "SMOKE" not in recorded
