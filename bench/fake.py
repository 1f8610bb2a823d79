"""Benchmark of the in-process fake (dynclient.testing.FakeAPI): validated calls per second,
and what constructing a fake costs.

    python -m bench.fake            # full run (~30 s), rewrites the fake section of bench/RESULTS.md
    python -m bench.fake --smoke    # a few iterations of everything, prints the table only

Per-call rows are medians over calls interleaved in blocks (contenders take turns), in one
run: the fake through a strict ``Client`` (request validated by the client and by the fake,
answer validated by the fake and by the client), the same through ``AsyncClient``, and as a
reference the same client over ``httpx.MockTransport`` answering a canned, hand-written
customer (what a test without the fake would do). ``fake alone`` is ``FakeAPI.handle`` on a
prebuilt request (no client). Construction: ``FakeAPI()`` for an already loaded spec (the
cost a fresh-per-test fixture pays), for a spec loaded anew (plus the first call, which
compiles the validators it needs), and for Polar's whole spec.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # python bench/fake.py
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx

import dynclient
from bench.run import Settings, _ainterleave, _interleave
from dynclient.testing import FakeAPI

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
FULL_SPEC = Path(
    os.environ.get("DYNCLIENT_FULL_SPEC", ROOT.parent / "shared" / "polar-openapi" / "polar-2026-10.openapi.json")
)
BEGIN, END = "<!-- fake:begin -->", "<!-- fake:end -->"
TARGET_PER_SECOND = 2000.0


def _settings(calls: int, block: int, warmup: int) -> Settings:
    """bench.run's interleaving settings (only calls, block and warmup matter here)."""
    return Settings(smoke=False, cold_runs=0, calls=calls, block=block, warmup=warmup, budget=0.0, load_runs=0)


def per_call(calls: int, block: int, warmup: int) -> dict[str, float]:
    """Microseconds per call (median)."""
    fake = FakeAPI()
    fake.calls = _Bounded()  # a long run must not keep every exchange
    made = fake.seed_resource("customers", {"email": "ada@example.com", "name": "Ada Lovelace", "external_id": "u1"})
    for i in range(9):
        fake.seed_resource("customers", {"email": f"user{i}@example.com", "name": f"User {i}"})
    canned = json.dumps(made).encode()
    mock = httpx.MockTransport(
        lambda request: httpx.Response(200, content=canned, headers={"content-type": "application/json"})
    )
    strict = fake.client(validate_responses="strict")
    mocked = dynclient.Client(http_client=httpx.Client(transport=mock), access_token="t", validate_responses="strict")
    request = httpx.Request("GET", f"{fake.base_url}/v1/customers/{made['id']}")
    fns: dict[str, Callable[[], Any]] = {
        "customers_get via the fake (Client)": lambda: strict.customers.get(id=made["id"]),
        "customers_get via MockTransport (Client)": lambda: mocked.customers.get(id=made["id"]),
        "customers_get, fake alone (FakeAPI.handle)": lambda: fake.handle(request),
        "customers_list, 10 items, via the fake (Client)": strict.customers.list,
    }
    s = _settings(calls, block, warmup)
    out = _interleave(fns, s)
    aclient = fake.async_client(validate_responses="strict")

    async def run_async() -> dict[str, float]:
        async def get() -> Any:
            return await aclient.customers.get(id=made["id"])

        return await _ainterleave({"customers_get via the fake (AsyncClient)": get}, s)

    out.update(asyncio.run(run_async()))
    strict.close()
    mocked.close()
    return out


class _Bounded(list):  # type: ignore[type-arg]
    """``calls`` that keeps the last 100 exchanges only."""

    def append(self, item: Any) -> None:
        super().append(item)
        if len(self) > 200:
            del self[:100]


def construction(runs: int) -> dict[str, float]:
    """Milliseconds (median) to construct a fake."""
    loaded = dynclient.load_spec()
    doc = json.loads(dynclient.bundled_spec_path().read_text(encoding="utf-8"))
    out: dict[str, list[float]] = {}

    def timed(label: str, fn: Callable[[], Any]) -> None:
        gc.collect()
        t0 = time.perf_counter()
        fn()
        out.setdefault(label, []).append((time.perf_counter() - t0) * 1000)

    def cold_first_call() -> None:
        fake = FakeAPI(dynclient.load_spec(doc))
        with fake.client() as client:
            client.customers.create(body={"email": "ada@example.com"})

    full = dynclient.load_spec(FULL_SPEC) if FULL_SPEC.is_file() else None
    for _ in range(runs):
        timed("FakeAPI() on the loaded bundled spec (a fresh-per-test fixture)", lambda: FakeAPI(loaded))
        timed("bundled spec loaded anew + FakeAPI() + first call (cold)", cold_first_call)
        if full is not None:
            timed("FakeAPI() on Polar's whole spec (loaded: 127 paths)", lambda: FakeAPI(full))
    return {k: statistics.median(v) for k, v in out.items()}


def render(calls: dict[str, float], built: dict[str, float], smoke: bool) -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    lines = [
        f"Run: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} cores ({platform.machine()}), "
        f"Python {platform.python_version()}; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
        + ("; SMOKE RUN (figures meaningless)" if smoke else ""),
        "",
        "### Fake: validated calls through the in-process fake",
        "",
        "| path | µs per call | calls per second |",
        "|---|---:|---:|",
    ]
    for name, us in calls.items():
        lines.append(f"| {name} | {us:,.1f} | {1e6 / us:,.0f} |")
    fake_get = calls["customers_get via the fake (Client)"]
    mock_get = calls["customers_get via MockTransport (Client)"]
    lines += [
        "",
        f"Fake / MockTransport for the same strict `customers_get`: {fake_get / mock_get:.2f}x "
        f"(the fake validates the request and its answer, keeps state and records the call).",
        "",
        "### Fake: construction",
        "",
        "| what | ms |",
        "|---|---:|",
    ]
    for name, ms in built.items():
        lines.append(f"| {name} | {ms:,.1f} |")
    rate = 1e6 / fake_get
    met = "met" if rate >= TARGET_PER_SECOND else "NOT met"
    lines += [
        "",
        f"Target: >= {TARGET_PER_SECOND:,.0f} validated `customers_get` per second on 2 cores: {rate:,.0f}/s, {met}.",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fake", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few iterations of everything (CI)")
    parser.add_argument("--no-output", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.smoke:
        calls, built = per_call(6, 3, 2), construction(1)
    else:
        calls, built = per_call(3000, 20, 100), construction(7)
    table = render(calls, built, args.smoke)
    print(table)
    if not args.smoke and not args.no_output:
        text = RESULTS.read_text(encoding="utf-8")
        block = f"{BEGIN}\n{table}\n{END}"
        if BEGIN in text:
            text = text.split(BEGIN)[0] + block + text.split(END, 1)[1]
        else:
            text = text.rstrip("\n") + "\n\n## The in-process fake (`python -m bench.fake`)\n\n" + block + "\n"
        RESULTS.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
