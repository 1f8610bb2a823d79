"""What ``validate_responses="compatible"`` costs when the server drifts (issue 11).

    python -m bench.drift            # about 20 s
    python -m bench.drift --smoke    # a few seconds, same rows

Measured in one interleaved run (rounds in rotating order, the median per row), as ratios to
the strict verdict on a valid 100-customer page:

- the verdict alone: ``is_valid`` on a valid page (strict), ``_drift.judge`` on a page whose
  100 items (or one item) carry a country code the spec does not list, once that drift is known
  (the steady state after the first warning), the first time (located and explained), and the
  python-jsonschema reference explanation it replaces;
- a whole answer through the client (JSON parse, verdict, warn-once bookkeeping; no HTTP):
  strict on a valid page, compatible on a valid page, compatible on each drifted page.
"""

from __future__ import annotations

import argparse
import copy
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import httpx

from bench import payloads


def _per_call(fn: Callable[[], Any], budget: float) -> float:
    """Microseconds per call over a batch sized to fit ``budget`` seconds."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(budget / once))
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n * 1e6


def _interleaved(rows: dict[str, Callable[[], Any]], rounds: int, budget: float) -> dict[str, float]:
    names = list(rows)
    seen: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            seen[name].append(_per_call(rows[name], budget))
    return {n: statistics.median(v) for n, v in seen.items()}


def measure(smoke: bool) -> dict[str, float]:
    import dynclient
    from dynclient._drift import judge, reference
    from dynclient._operation import runtime_for

    spec = dynclient.load_spec()
    op = spec["customers_list"]
    declared = op.response_for(200)
    assert declared is not None and declared.schema is not None
    compiled = runtime_for(spec).engine.for_pointer(declared.schema.pointer)
    valid = payloads.customers_page()
    every = copy.deepcopy(valid)
    for item in every["items"]:
        item["billing_address"]["country"] = "XK"
    one = copy.deepcopy(valid)
    one["items"][57]["billing_address"]["country"] = "XK"
    assert compiled.is_valid(valid) and not compiled.is_valid(every) and not compiled.is_valid(one)
    known = set(judge(compiled, every).seen)

    # the runtime clients, for their private _prepared/_finish (what each answer costs, without I/O)
    clients: dict[str, Any] = {
        mode: dynclient.Client(access_token="bench", validate_responses=mode) for mode in ("strict", "compatible")
    }
    prep = clients["strict"]._prepared("customers_list")
    request = httpx.Request("GET", "https://bench.invalid/v1/customers/")

    def answer(value: Any) -> httpx.Response:
        return httpx.Response(200, json=value, request=request)

    answers = {"valid": answer(valid), "every": answer(every), "one": answer(one)}
    for name in ("every", "one"):  # the first warning, out of the way: what follows is the steady state
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clients["compatible"]._finish(prep, answers[name], 1)

    budget = 0.02 if smoke else 0.15
    rounds = 3 if smoke else 9
    rows: dict[str, Callable[[], Any]] = {
        "verdict: strict is_valid, valid page": lambda: compiled.is_valid(valid),
        "verdict: judge, every item drifted, known": lambda: judge(compiled, every, known=known),
        "verdict: judge, one item drifted, known": lambda: judge(compiled, one, known=known),
        "answer: strict, valid page": lambda: clients["strict"]._finish(prep, answers["valid"], 1),
        "answer: compatible, valid page": lambda: clients["compatible"]._finish(prep, answers["valid"], 1),
        "answer: compatible, every item drifted": lambda: clients["compatible"]._finish(prep, answers["every"], 1),
        "answer: compatible, one item drifted": lambda: clients["compatible"]._finish(prep, answers["one"], 1),
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the steady state must not warn again
        out = _interleaved(rows, rounds, budget)
    slow: dict[str, Callable[[], Any]] = {
        "verdict: judge, every item drifted, first time": lambda: judge(compiled, every),
        "verdict: judge, one item drifted, first time": lambda: judge(compiled, one),
        "verdict: python-jsonschema reference, one item drifted": lambda: reference(compiled, one),
    }
    out.update(_interleaved(slow, 1 if smoke else 3, budget * 4))
    for client in clients.values():
        client.close()
    return out


def report(figures: dict[str, float]) -> str:
    base = figures["verdict: strict is_valid, valid page"]
    answer = figures["answer: strict, valid page"]
    lines = ["| row | µs per call | vs strict verdict | vs strict answer |", "|---|---:|---:|---:|"]
    for name, us in figures.items():
        vs_answer = f"{us / answer:.2f}x" if name.startswith("answer") else ""
        lines.append(f"| {name} | {us:,.0f} | {us / base:.2f}x | {vs_answer} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.drift", description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a short run (CI): same rows, less precision")
    args = parser.parse_args(argv)
    print(report(measure(args.smoke)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
