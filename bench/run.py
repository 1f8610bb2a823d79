"""dynclient benchmark: cold start, per-call cost, validation throughput, spec load time.

    python -m bench.run            # full run (a few minutes), rewrites the table in bench/RESULTS.md
    python -m bench.run --smoke    # a few iterations of everything, prints the table only

Everything is measured in one run, interleaved (contenders take turns in rotating
order, block by block), against a local server on 127.0.0.1 started in its own
process (``bench/server.py``). Reported figures are medians.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import functools
import gc
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script (python bench/run.py): make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import pagination, payloads
from bench.server import ServerProcess

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
FULL_SPEC = Path(
    os.environ.get("DYNCLIENT_FULL_SPEC", ROOT.parent / "shared" / "polar-openapi" / "polar-2026-10.openapi.json")
)
BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"

OPS = ("customers_list", "customers_get", "customers_get_state", "customers_create")
CALLERS = ("dynclient", "dynclient (validation off)", "polar-sdk", "raw httpx")
COLD = ("dynclient", "sdk", "httpx")
COLD_LABEL = {"dynclient": "dynclient", "sdk": "polar-sdk", "httpx": "raw httpx"}


@dataclass
class Settings:
    smoke: bool
    cold_runs: int
    calls: int
    block: int
    warmup: int
    budget: float  # seconds per validation measurement
    load_runs: int

    @classmethod
    def make(cls, smoke: bool) -> Settings:
        if smoke:
            return cls(smoke, cold_runs=1, calls=6, block=3, warmup=2, budget=0.01, load_runs=1)
        return cls(smoke, cold_runs=15, calls=2000, block=20, warmup=50, budget=0.4, load_runs=5)


@dataclass
class Results:
    cold: dict[str, dict[str, float]] = field(default_factory=dict)  # contender -> wall_ms, rss_mib
    calls: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)  # mode -> op -> caller -> us
    validation: dict[str, dict[str, float]] = field(default_factory=dict)  # payload -> engine -> us
    load: dict[str, float | None] = field(default_factory=dict)  # what -> ms (None: pending)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)  # event -> contender -> us (bench.webhooks)
    pagination: dict[str, dict[str, float]] = field(default_factory=dict)  # mode -> contender -> ms (bench.pagination)
    notes: list[str] = field(default_factory=list)


def _sdk_available() -> bool:
    try:
        import polar.v2026_10  # noqa: F401
    except ImportError:
        return False
    return True


# -- 1. cold start --------------------------------------------------------------------------
def _one_cold(which: str, url: str) -> tuple[float, float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "bench.coldstart", which, url, payloads.CUSTOMER_ID],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        timeout=120,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0 or "PEAK_RSS_KIB" not in proc.stdout:
        raise RuntimeError(f"cold start of {which} failed with exit code {proc.returncode}")
    rss_kib = int(proc.stdout.split("PEAK_RSS_KIB", 1)[1].split()[0])
    return wall * 1000, rss_kib / 1024  # ms, MiB


def cold_start(url: str, s: Settings, contenders: tuple[str, ...]) -> dict[str, dict[str, float]]:
    walls: dict[str, list[float]] = {c: [] for c in contenders}
    rss: dict[str, list[float]] = {c: [] for c in contenders}
    for c in contenders:  # one untimed run each: page cache and .pyc files warm for everyone
        _one_cold(c, url)
    for r in range(s.cold_runs):
        for c in _rotate(contenders, r):
            w, m = _one_cold(c, url)
            walls[c].append(w)
            rss[c].append(m)
    return {c: {"wall_ms": statistics.median(walls[c]), "rss_mib": statistics.median(rss[c])} for c in contenders}


# -- 2. per-call cost -------------------------------------------------------------------------
def _rotate(items: tuple[str, ...], r: int) -> tuple[str, ...]:
    k = r % len(items)
    return items[k:] + items[:k]


def _interleave(fns: dict[str, Callable[[], Any]], s: Settings) -> dict[str, float]:
    names = tuple(fns)
    samples: dict[str, list[int]] = {n: [] for n in names}
    for n in names:
        for _ in range(s.warmup):
            fns[n]()
    clock = time.perf_counter_ns
    for r in range(max(1, s.calls // s.block)):
        for n in _rotate(names, r):
            fn, out = fns[n], samples[n]
            for _ in range(s.block):
                t0 = clock()
                fn()
                out.append(clock() - t0)
    return {n: statistics.median(v) / 1000 for n, v in samples.items()}


async def _ainterleave(fns: dict[str, Callable[[], Awaitable[Any]]], s: Settings) -> dict[str, float]:
    names = tuple(fns)
    samples: dict[str, list[int]] = {n: [] for n in names}
    for n in names:
        for _ in range(s.warmup):
            await fns[n]()
    clock = time.perf_counter_ns
    for r in range(max(1, s.calls // s.block)):
        for n in _rotate(names, r):
            fn, out = fns[n], samples[n]
            for _ in range(s.block):
                t0 = clock()
                await fn()
                out.append(clock() - t0)
    return {n: statistics.median(v) / 1000 for n, v in samples.items()}


def _json(response: Any) -> Any:
    response.raise_for_status()
    return response.json()


def _contenders(dyn: Any, off: Any, raw: Callable[..., Any], polar: Any) -> dict[str, dict[str, Callable[[], Any]]]:
    """The calls each contender makes per operation: the same table for sync and async
    (for the async clients each callable returns an awaitable)."""
    cid, body = payloads.CUSTOMER_ID, payloads.create_body()
    table: dict[str, dict[str, Callable[[], Any]]] = {
        "customers_list": {
            "dynclient": lambda: dyn.customers.list(limit=100),
            "dynclient (validation off)": lambda: off.customers.list(limit=100),
            "raw httpx": lambda: raw("GET", "/v1/customers/", params={"limit": 100}),
        },
        "customers_get": {
            "dynclient": lambda: dyn.customers.get(id=cid),
            "dynclient (validation off)": lambda: off.customers.get(id=cid),
            "raw httpx": lambda: raw("GET", f"/v1/customers/{cid}"),
        },
        "customers_get_state": {
            "dynclient": lambda: dyn.customers.get_state(id=cid),
            "dynclient (validation off)": lambda: off.customers.get_state(id=cid),
            "raw httpx": lambda: raw("GET", f"/v1/customers/{cid}/state"),
        },
        "customers_create": {
            "dynclient": lambda: dyn.customers.create(body=body),
            "dynclient (validation off)": lambda: off.customers.create(body=body),
            "raw httpx": lambda: raw("POST", "/v1/customers/", json=body),
        },
    }
    if polar is not None:
        table["customers_list"]["polar-sdk"] = lambda: polar.customers.list(limit=100)
        table["customers_get"]["polar-sdk"] = lambda: polar.customers.get(cid)
        table["customers_get_state"]["polar-sdk"] = lambda: polar.customers.get_state(cid)
        table["customers_create"]["polar-sdk"] = lambda: polar.customers.create(**body)
    return table


def sync_calls(url: str, s: Settings, sdk: bool) -> dict[str, dict[str, float]]:
    import httpx

    import dynclient

    dyn = dynclient.Client(base_url=url, access_token="bench-token")
    off = dyn.with_options(validate_responses="off")
    raw = httpx.Client(base_url=url, headers={"Authorization": "Bearer bench-token"})
    polar: Any = None
    if sdk:
        from polar.v2026_10 import Polar

        polar = Polar("bench-token", base_url=url)
    table = _contenders(dyn, off, lambda method, path, **kw: _json(raw.request(method, path, **kw)), polar)
    _check_results({op: {n: f() for n, f in fns.items()} for op, fns in table.items()})
    out = {op: _interleave(_ordered(fns), s) for op, fns in table.items()}
    dyn.close()
    raw.close()
    if polar is not None:
        polar._client.__exit__()
    return out


async def async_calls(url: str, s: Settings, sdk: bool) -> dict[str, dict[str, float]]:
    import httpx

    import dynclient

    dyn = dynclient.AsyncClient(base_url=url, access_token="bench-token")
    off = dyn.with_options(validate_responses="off")
    raw = httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer bench-token"})

    async def raw_json(coro: Awaitable[Any]) -> Any:
        return _json(await coro)

    polar: Any = None
    if sdk:
        from polar.v2026_10 import PolarAsync

        polar = PolarAsync("bench-token", base_url=url)
    table = _contenders(dyn, off, lambda method, path, **kw: raw_json(raw.request(method, path, **kw)), polar)
    _check_results({op: {n: await f() for n, f in fns.items()} for op, fns in table.items()})
    out = {op: await _ainterleave(_ordered(fns), s) for op, fns in table.items()}
    await dyn.aclose()
    await raw.aclose()
    if polar is not None:
        await polar._client.__aexit__()
    return out


def _ordered(fns: dict[str, Any]) -> dict[str, Any]:
    return {n: fns[n] for n in CALLERS if n in fns}


def _check_results(results: dict[str, dict[str, Any]]) -> None:
    """Every contender got the payload, parsed: same customer id / page size."""
    for op, per in results.items():
        for name, value in per.items():
            if op == "customers_list":
                items = value["items"] if isinstance(value, dict) else value.items
                assert len(items) == payloads.PAGE_SIZE, (op, name)
            else:
                got = value["id"] if isinstance(value, dict) else value.id
                assert got == payloads.CUSTOMER_ID, (op, name, got)


# -- 3. validation throughput -----------------------------------------------------------------
def _time_per_call(fn: Callable[[], Any], budget: float) -> float:
    """Median microseconds per call over 5 batches sized to fit ``budget`` seconds."""
    fn()
    t0 = time.perf_counter()
    fn()
    once = max(time.perf_counter() - t0, 1e-7)
    n = max(1, int(budget / 5 / once))
    per: list[float] = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        per.append((time.perf_counter() - t0) / n)
    return statistics.median(per) * 1e6


def validation(s: Settings) -> dict[str, dict[str, float]]:
    import dynclient
    from dynclient._operation import runtime_for

    spec = dynclient.load_spec()
    samples = {
        "customers page (100 items)": ("customers_list", payloads.customers_page()),
        "single customer": ("customers_get", payloads.customer()),
        "customer state": ("customers_get_state", payloads.customer_state()),
    }
    out: dict[str, dict[str, float]] = {}
    engines = ("rs", "python")
    for label, (op, value) in samples.items():
        response = spec[op].response_for(200)
        assert response is not None and response.schema is not None
        row: dict[str, float] = {}
        for r, engine in enumerate(engines):
            compiled = runtime_for(spec, engine).engine.for_pointer(response.schema.pointer)  # type: ignore[arg-type]
            assert compiled.is_valid(value), (label, engine)
            row[engine] = _time_per_call(functools.partial(compiled.is_valid, value), s.budget * (1 + r))
        row["rs, formats not checked"] = _time_per_call(_rs_formats_off(spec, response.schema.pointer, value), s.budget)
        out[label] = row
    return out


def _rs_formats_off(spec: Any, pointer: str, value: Any) -> Callable[[], Any]:
    """For reference only: the same schema in jsonschema-rs with no format assertion at all
    (the document as the rs engine sees it, minus the patterns that stand for formats)."""
    import jsonschema_rs

    from dynclient import _validation
    from dynclient._schema.pointer import pointer_to_fragment
    from dynclient._validation import SPEC_URI

    doc = spec.document
    rewrite = getattr(_validation, "exclusive_one_of_as_any_of", None)  # absent in older dynclient versions
    registry = jsonschema_rs.Registry([(SPEC_URI, rewrite(doc, doc) if rewrite else doc)])
    schema = {"$ref": SPEC_URI + pointer_to_fragment(pointer)}
    v = jsonschema_rs.validator_for(schema, registry=registry, validate_formats=False)
    assert v.is_valid(value)
    return lambda: v.is_valid(value)


# -- 4. spec load and stub rendering ------------------------------------------------------------
def load_times(s: Settings) -> tuple[dict[str, float | None], list[str]]:
    import dynclient
    from dynclient._build import build_spec
    from dynclient._document import load_document

    notes: list[str] = []
    out: dict[str, float | None] = {}

    def median_ms(fn: Callable[[], Any], runs: int) -> float:
        times = []
        for _ in range(runs):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            times.append((time.perf_counter() - t0) * 1000)
        return statistics.median(times)

    bundled = dynclient.bundled_spec_path()
    out["bundled spec (30 ops): load_spec"] = median_ms(lambda: build_spec(load_document(bundled)), s.load_runs)
    if FULL_SPEC.is_file():
        out["full spec (127 paths): load_spec"] = median_ms(lambda: dynclient.load_spec(FULL_SPEC), s.load_runs)
        full = dynclient.load_spec(FULL_SPEC)
        out["full spec: Client construction"] = median_ms(
            lambda: dynclient.Client(full, access_token="t").close(), s.load_runs
        )
    else:
        out["full spec (127 paths): load_spec"] = None
        notes.append(f"full spec not found at {FULL_SPEC} (set DYNCLIENT_FULL_SPEC)")
        full = None
    try:
        from dynclient._stubs import render_stubs  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        out["stub rendering (bundled spec)"] = None
        notes.append("stub rendering: dynclient._stubs is not there yet (pending)")
    else:
        small = dynclient.load_spec()
        try:
            out["stub rendering (bundled spec)"] = median_ms(lambda: render_stubs(small), s.load_runs)
            if full is not None:
                out["stub rendering (full spec)"] = median_ms(lambda: render_stubs(full), max(1, s.load_runs // 2))
        except Exception as exc:  # another helper's module, possibly mid-work: report, do not fail the run
            out.setdefault("stub rendering (bundled spec)", None)
            notes.append(f"stub rendering failed ({type(exc).__name__}: {exc}); row pending")
    return out, notes


# -- report ---------------------------------------------------------------------------------------
def _fmt(v: float | None, digits: int = 1) -> str:
    return "pending" if v is None else f"{v:,.{digits}f}"


def _ratio(a: float | None, b: float | None) -> str:
    return "n/a" if not a or not b else f"{a / b:.2f}x"


def targets(res: Results) -> list[tuple[str, str, bool | None]]:
    rows: list[tuple[str, str, bool | None]] = []
    for mode in ("sync", "async"):
        calls = res.calls.get(mode, {})
        for op, limit in (("customers_list", 1.25), ("customers_get", 1.10)):
            per = calls.get(op, {})
            d, h, p = per.get("dynclient"), per.get("raw httpx"), per.get("polar-sdk")
            if d and h:
                rows.append((f"{mode} {op}: dynclient <= {limit:.2f}x raw httpx", f"{d / h:.3f}x", d / h <= limit))
            if d and p:
                rows.append((f"{mode} {op}: >= 2x faster than polar-sdk", f"{p / d:.2f}x faster", p / d >= 2))
    cold = res.cold
    if "dynclient" in cold and "sdk" in cold:
        r = cold["dynclient"]["wall_ms"] / cold["sdk"]["wall_ms"]
        rows.append(("cold start <= 0.5x polar-sdk's", f"{r:.3f}x", r <= 0.5))
        m_d, m_s = cold["dynclient"]["rss_mib"], cold["sdk"]["rss_mib"]
        rows.append(("cold-start peak RSS below polar-sdk's", f"{m_d:.1f} vs {m_s:.1f} MiB", m_d < m_s))
    if "dynclient" in cold and "httpx" in cold:
        gap = cold["dynclient"]["wall_ms"] - cold["httpx"]["wall_ms"]
        rows.append(("cold start within 100 ms of raw httpx's", f"+{gap:.0f} ms", gap <= 100))
    return rows


def _load() -> str:
    try:
        return " / ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def _versions() -> str:
    names = ("httpx", "jsonschema-rs", "jsonschema", "polar-sdk", "adaptix")
    found = []
    for n in names:
        try:
            found.append(f"{n} {metadata.version(n)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(found)


def render(res: Results, s: Settings) -> str:
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Run: {now}; {os.cpu_count()} cores ({platform.machine()}), Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}; load average at the end {_load()}; {_versions()}.",
        f"Mode: {'SMOKE (a few iterations, numbers meaningless)' if s.smoke else 'full'}; "
        f"cold start: {s.cold_runs} interleaved runs per contender; per call: {s.calls} calls per contender "
        f"and operation, interleaved in blocks of {s.block}, after {s.warmup} warm-up calls. All figures are medians.",
        "",
        "### 1. Cold start (fresh process: import + client from the bundled spec + first customers_get)",
        "",
        "| contender | wall time (ms) | peak RSS (MiB) | vs polar-sdk | vs raw httpx |",
        "|---|---:|---:|---:|---:|",
    ]
    sdk_wall = res.cold.get("sdk", {}).get("wall_ms")
    httpx_wall = res.cold.get("httpx", {}).get("wall_ms")
    for c, v in res.cold.items():
        gap = f"{v['wall_ms'] - httpx_wall:+.0f} ms" if httpx_wall else "n/a"
        lines.append(
            f"| {COLD_LABEL[c]} | {_fmt(v['wall_ms'])} | {_fmt(v['rss_mib'])} | {_ratio(v['wall_ms'], sdk_wall)} | {gap} |"
        )
    for mode in ("sync", "async"):
        calls = res.calls.get(mode)
        if not calls:
            continue
        lines += [
            "",
            f"### 2{'a' if mode == 'sync' else 'b'}. Per-call cost, {mode} (µs per call, keep-alive)",
            "",
            "| operation | " + " | ".join(CALLERS) + " | dynclient / raw httpx | polar-sdk / dynclient |",
            "|---|" + "---:|" * (len(CALLERS) + 2),
        ]
        for op in OPS:
            per = calls.get(op, {})
            cells = [_fmt(per.get(n)) if n in per else "n/a" for n in CALLERS]
            d, h, p = per.get("dynclient"), per.get("raw httpx"), per.get("polar-sdk")
            lines.append(f"| {op} | " + " | ".join(cells) + f" | {_ratio(d, h)} | {_ratio(p, d)} |")
    if res.validation:
        engines = list(next(iter(res.validation.values())))
        lines += [
            "",
            "### 3. Validation throughput (µs per `is_valid`, formats asserted)",
            "",
            "| payload | " + " | ".join(f"engine `{e}`" if "," not in e else e for e in engines) + " |",
            "|---|" + "---:|" * len(engines),
        ]
        for label, row in res.validation.items():
            lines.append(f"| {label} | " + " | ".join(_fmt(row[e]) for e in engines) + " |")
        lines.append("")
        lines.append("(`rs, formats not checked` is jsonschema-rs without format assertions: a reference, not a mode.)")
    if res.load:
        lines += ["", "### 4. Spec load and stub rendering (ms)", "", "| what | ms |", "|---|---:|"]
        lines += [f"| {what} | {_fmt(v)} |" for what, v in res.load.items()]
    lines += ["", "### Targets", "", "| target | measured | met |", "|---|---:|:---:|"]
    for what, measured, ok in targets(res):
        lines.append(f"| {what} | {measured} | {'yes' if ok else 'NO'} |")
    for note in res.notes:
        lines.append(f"\nNote: {note}")
    return "\n".join(lines) + "\n"


def write_results(table: str, path: Path) -> None:
    block = f"{BEGIN}\n{table}{END}"
    if path.is_file():
        text = path.read_text(encoding="utf-8")
        if BEGIN in text and END in text:
            head, _, rest = text.partition(BEGIN)
            _, _, tail = rest.partition(END)
            path.write_text(head + block + tail, encoding="utf-8")
            return
    path.write_text(f"# Benchmark results\n\n{block}\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few iterations of everything (CI)")
    parser.add_argument("--output", type=Path, help=f"rewrite the results block here (full run default: {RESULTS})")
    parser.add_argument("--no-output", action="store_true", help="print only")
    parser.add_argument("--json", type=Path, help="also dump the raw figures as JSON")
    parser.add_argument(
        "--only",
        action="append",
        choices=("cold", "sync", "async", "validation", "load", "webhooks", "pagination"),
        help="run only these sections (repeatable)",
    )
    args = parser.parse_args(argv)
    s = Settings.make(args.smoke)
    only = set(args.only or ("cold", "sync", "async", "validation", "load", "webhooks", "pagination"))
    payloads.check_payloads()
    sdk = _sdk_available()
    res = Results()
    if not sdk:
        res.notes.append("polar-sdk is not installed (pip install -e .[bench]): its columns are n/a")
    started = time.perf_counter()
    with ServerProcess() as server:
        if "cold" in only:
            res.cold = cold_start(server.url, s, COLD if sdk else ("dynclient", "httpx"))
            print(f"cold start done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if "sync" in only:
            res.calls["sync"] = sync_calls(server.url, s, sdk)
            print(f"sync calls done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if "async" in only:
            res.calls["async"] = asyncio.run(async_calls(server.url, s, sdk))
            print(f"async calls done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
        if "pagination" in only:
            res.pagination = pagination.measure(s.smoke, server.url)
            print(f"pagination done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    if "validation" in only:
        res.validation = validation(s)
    if "load" in only:
        res.load, notes = load_times(s)
        res.notes += notes
    if "webhooks" in only:
        from bench import webhooks

        res.webhooks = webhooks.measure(s)
    table = render(res, s)
    print(table)
    if res.webhooks:  # its own block in RESULTS.md (bench.webhooks can rewrite it alone)
        section = webhooks.render(res.webhooks, s)
        print(section)
    if res.pagination:  # its own block too (bench.pagination)
        paging = pagination.render(res.pagination, s.smoke)
        print(paging)
    if args.json:
        args.json.write_text(json.dumps(res.__dict__, indent=2), encoding="utf-8")
    output = args.output or (None if s.smoke or args.no_output or args.only else RESULTS)
    if output is not None:
        write_results(table, output)
        if res.webhooks:
            webhooks.write_block(section, output)
        if res.pagination:
            pagination.write_block(paging, output)
        print(f"wrote {output}", file=sys.stderr)
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
