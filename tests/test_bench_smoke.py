"""The benchmark still works: ``python -m bench.run --smoke`` completes and reports every row.

No timing is asserted (speed is measured by the full run, not by tests). The run
starts its own server on 127.0.0.1 and stops it; it takes ~10 s on 2 cores.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_run_reports_every_section_and_row(tmp_path: Path) -> None:
    raw = tmp_path / "figures.json"
    results = ROOT / "bench" / "RESULTS.md"
    before = results.read_text(encoding="utf-8") if results.is_file() else None
    proc = subprocess.run(
        [sys.executable, "-m", "bench.run", "--smoke", "--json", str(raw)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = proc.stdout
    for heading in (
        "### 1. Cold start",
        "### 2a. Per-call cost, sync",
        "### 2b. Per-call cost, async",
        "### 3. Validation throughput",
        "### 4. Spec load and stub rendering",
        "### Targets",
        "### 5. Webhooks: verify + parse + validate one delivery",
        "### 6. Pagination: every item of a 40-page listing",
    ):
        assert heading in out, heading
    lines = out.splitlines()

    def rows(first_cell: str) -> list[str]:
        return [line for line in lines if line.startswith(f"| {first_cell} |")]

    for contender in ("dynclient", "polar-sdk", "raw httpx"):
        assert rows(contender), contender  # cold-start row
    for op in ("customers_list", "customers_get", "customers_get_state", "customers_create"):
        found = rows(op)
        assert len(found) == 2, op  # sync and async
        for row in found:
            cells = [c.strip() for c in row.strip("|").split("|")]
            assert len(cells) == 7 and "n/a" not in cells[1:5], row  # four contenders measured
    for payload in ("customers page (100 items)", "single customer", "customer state"):
        cells = [c.strip() for c in rows(payload)[0].strip("|").split("|")]
        assert len(cells) == 4 and all(c.replace(",", "").replace(".", "").isdigit() for c in cells[1:]), cells
    assert rows("bundled spec (30 ops): load_spec") and rows("full spec (127 paths): load_spec")
    assert any(line.startswith("| stub rendering (bundled spec) |") for line in lines)
    targets = [line for line in lines if line.startswith("| sync customers_") or line.startswith("| cold")]
    assert len(targets) >= 7
    hooks = [line for line in lines if line.startswith("| customer.")]
    assert len(hooks) == 3 and all(len(row.strip("|").split("|")) == 5 for row in hooks)
    assert "| fails | n/a |" in hooks[0] and "x |" in hooks[1] and "x |" in hooks[2]  # the SDK's failure, then ratios
    paging = [line for line in lines if line.startswith(("| sync |", "| async |"))]
    assert len(paging) == 2 and all(
        len(row.strip("|").split("|")) == 6 for row in paging
    )  # 3 contenders, ratio, target
    figures = json.loads(raw.read_text(encoding="utf-8"))
    assert set(figures["pagination"]) == {"sync", "async"}
    assert set(figures["calls"]) == {"sync", "async"}
    assert set(figures["cold"]) == {"dynclient", "sdk", "httpx"}
    assert all(row["dynclient"] > 0 for row in figures["webhooks"].values())
    assert all(v["wall_ms"] > 0 and v["rss_mib"] > 0 for v in figures["cold"].values())
    after = results.read_text(encoding="utf-8") if results.is_file() else None
    assert after == before  # a smoke run never rewrites the recorded results
