"""Per-call cost of turning arguments into request parts (convert, validate, serialize).

    python -m bench.arguments                    # ~10 s; prints a table
    python -m bench.arguments --quick            # a few thousand calls, for a smoke check
    python -m bench.arguments --compare DIR      # before/after: DIR holds another dynclient
                                                 # (e.g. git archive <commit> dynclient specs | tar -x -C DIR)

Measures ``PreparedOperation.parts()`` (everything dynclient does to arguments before httpx
builds the request: the strict JSON conversion, one validation, serialization) and
``Client.build_request()`` (the same plus httpx's ``Request``) for the common calls: a
path id, a few query arguments, a customer body. In the same run, a reference row times
``json.dumps`` of the same body, so the figures can be read as ratios on any machine.
Medians of blocks of 200 calls. ``--compare`` runs this checkout and the one in DIR in
alternating child processes (rounds interleaved, so load on a shared machine hits both) and
reports the median of each and their ratio.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (python bench/arguments.py)
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if os.environ.get("DYNCLIENT_BENCH_PATH"):  # --compare: measure the dynclient found there
    sys.path.insert(0, os.environ["DYNCLIENT_BENCH_PATH"])

import dynclient
from bench import payloads

CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "customers_get (path id)": ("customers_get", {"id": payloads.CUSTOMER_ID}),
    "customers_list (4 query args)": (
        "customers_list",
        {"limit": 100, "page": 2, "sorting": ["-created_at"], "organization_id": payloads.ORG_ID},
    ),
    "customers_create (body)": ("customers_create", {"body": payloads.create_body()}),
    "customers_update (id + body)": (
        "customers_update",
        {"id": payloads.CUSTOMER_ID, "body": {"name": "Ada Lovelace", "metadata": {"plan": "pro", "seats": 3}}},
    ),
}


def _median_us(fn: Callable[[], Any], blocks: int, block: int = 200) -> float:
    for _ in range(block):  # warm caches (compiled validators, interned strings)
        fn()
    samples = []
    gc.collect()
    gc.disable()  # a collection landing in one contender's blocks is noise, not its cost
    try:
        for _ in range(blocks):
            start = time.perf_counter()
            for _ in range(block):
                fn()
            samples.append((time.perf_counter() - start) / block * 1e6)
    finally:
        gc.enable()
    return statistics.median(samples)


def run(blocks: int) -> list[tuple[str, float, float, float]]:
    client: Any = dynclient.Client(access_token="bench-token-0123456789")  # any operation, its private runtime
    body = payloads.create_body()
    reference = _median_us(lambda: json.dumps(body, separators=(",", ":")).encode(), blocks)
    rows = []
    for label, (op, arguments) in CASES.items():
        prep = client._runtime.prepared(op)
        parts = _median_us(functools.partial(prep.parts, arguments), blocks)
        built = _median_us(functools.partial(client.build_request, op, **arguments), blocks)
        rows.append((label, parts, built, parts / reference))
    rows.append(("reference: json.dumps(create body)", reference, float("nan"), 1.0))
    client.close()
    return rows


def compare(other: str, rounds: int) -> None:
    """Alternate child runs of this checkout and of ``other``; print medians and ratios."""
    root = Path(__file__).resolve().parent.parent
    figures: dict[str, dict[str, list[float]]] = {"before": {}, "after": {}}
    for _ in range(rounds):
        for label, path in (("before", other), ("after", "")):
            env = {**os.environ, "DYNCLIENT_BENCH_PATH": path}
            out = subprocess.run(
                [sys.executable, "-m", "bench.arguments", "--json", "--blocks", "15"],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            for row_label, parts_us in json.loads(out).items():
                figures[label].setdefault(row_label, []).append(parts_us)
    print(f"| arguments of | before parts() us | after parts() us | after / before | ({rounds} rounds) |")
    print("|---|---:|---:|---:|---|")
    for row_label in figures["after"]:
        before = statistics.median(figures["before"][row_label])
        after = statistics.median(figures["after"][row_label])
        print(f"| {row_label} | {before:.1f} | {after:.1f} | {after / before:.2f}x | |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few iterations (a smoke check)")
    parser.add_argument("--blocks", type=int, default=60, help="blocks of 200 calls per figure (default: 60)")
    parser.add_argument("--json", action="store_true", help="print {row: parts() us} as JSON")
    parser.add_argument("--compare", metavar="DIR", help="before/after against the dynclient in DIR")
    parser.add_argument("--rounds", type=int, default=8, help="alternating rounds for --compare (default: 8)")
    args = parser.parse_args(argv)
    if args.compare:
        compare(args.compare, args.rounds)
        return 0
    rows = run(5 if args.quick else args.blocks)
    if args.json:
        print(json.dumps({label: parts for label, parts, _built, _ratio in rows}))
        return 0
    print("| arguments of | parts() us | build_request() us | parts() / json.dumps |")
    print("|---|---:|---:|---:|")
    for label, parts, built, ratio in rows:
        shown = "" if built != built else f"{built:.1f}"
        print(f"| {label} | {parts:.1f} | {shown} | {ratio:.1f}x |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
