"""Pagination benchmark: walking a 40-page listing (100 customers a page), dynclient against a
raw httpx loop over the same pages.

    python -m bench.pagination            # full run, rewrites the pagination block of bench/RESULTS.md
    python -m bench.pagination --smoke    # a few iterations, prints only

``client.paginate("customers_list", limit=100)`` yields every item of every page: each page is
sent, validated against the spec and checked for a repeat of an earlier page (the guarantee that
a server repeating a page raises ``PaginationError`` instead of looping forever). The baseline is
what a caller would write with httpx alone: GET each page, ``.json()``, take the items, stop at
``max_page``. Both run against ``bench/server.py`` on 127.0.0.1, interleaved (contenders take
turns walk by walk, garbage collection off during each walk); figures are medians in ms per walk
of the 40 pages. ``python -m bench.run`` runs this section too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import payloads
from bench._blocks import write_marked

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HEADING = (
    f"### 6. Pagination: every item of a {payloads.PAGES}-page listing, "
    f"{payloads.PAGE_SIZE} customers a page (ms per walk)"
)
CONTENDERS = ("dynclient paginate", "dynclient paginate (validation off)", "raw httpx loop")
#: the target: dynclient's walk costs at most this much of the raw httpx loop's
TARGET = 1.3
TOKEN = "bench-token"


def _walks(smoke: bool) -> int:
    return 2 if smoke else 60


def _raw_items(page: Any) -> list[Any]:
    items = page["items"]
    assert isinstance(items, list)
    return items


def _sync(url: str, walks: int) -> dict[str, float]:
    import httpx

    import dynclient

    dyn = dynclient.Client(base_url=url, access_token=TOKEN)
    off = dyn.with_options(validate_responses="off")
    raw = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})

    def raw_walk() -> int:
        count, page = 0, 1
        while True:
            response = raw.get("/v1/customers/", params={"limit": 100, "page": page})
            response.raise_for_status()
            body = response.json()
            count += len(_raw_items(body))
            if page >= body["pagination"]["max_page"]:
                return count
            page += 1

    fns: dict[str, Callable[[], int]] = {
        "dynclient paginate": lambda: sum(1 for _ in dyn.paginate("customers_list", limit=100)),
        "dynclient paginate (validation off)": lambda: sum(1 for _ in off.paginate("customers_list", limit=100)),
        "raw httpx loop": raw_walk,
    }
    try:
        return _interleave(fns, walks)
    finally:
        dyn.close()
        raw.close()


async def _async(url: str, walks: int) -> dict[str, float]:
    import httpx

    import dynclient

    dyn = dynclient.AsyncClient(base_url=url, access_token=TOKEN)
    off = dyn.with_options(validate_responses="off")
    raw = httpx.AsyncClient(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"})

    async def count(client: dynclient.AsyncClient) -> int:
        return sum([1 async for _ in client.paginate("customers_list", limit=100)])

    async def raw_walk() -> int:
        total, page = 0, 1
        while True:
            response = await raw.get("/v1/customers/", params={"limit": 100, "page": page})
            response.raise_for_status()
            body = response.json()
            total += len(_raw_items(body))
            if page >= body["pagination"]["max_page"]:
                return total
            page += 1

    fns: dict[str, Callable[[], Awaitable[int]]] = {
        "dynclient paginate": lambda: count(dyn),
        "dynclient paginate (validation off)": lambda: count(off),
        "raw httpx loop": raw_walk,
    }
    try:
        return await _ainterleave(fns, walks)
    finally:
        await dyn.aclose()
        await raw.aclose()


EXPECTED = payloads.PAGES * payloads.PAGE_SIZE


def _interleave(fns: dict[str, Callable[[], int]], walks: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():  # warm-up, and every contender saw every item
        assert fn() == EXPECTED
    names = list(fns)
    for r in range(walks):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            with _no_gc():
                started = time.perf_counter()
                fns[name]()
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(v) for name, v in samples.items()}


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Garbage collection off during one walk, a full collection before it: a collection that
    lands in one contender's walk is noise, not its cost (``bench/arguments.py`` does the same)."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def _ainterleave(fns: dict[str, Callable[[], Awaitable[int]]], walks: int) -> dict[str, float]:
    samples: dict[str, list[float]] = {name: [] for name in fns}
    for fn in fns.values():
        assert await fn() == EXPECTED
    names = list(fns)
    for r in range(walks):
        for name in names[r % len(names) :] + names[: r % len(names)]:
            with _no_gc():
                started = time.perf_counter()
                await fns[name]()
                samples[name].append((time.perf_counter() - started) * 1000)
    return {name: statistics.median(v) for name, v in samples.items()}


def measure(smoke: bool, url: str | None = None) -> dict[str, dict[str, float]]:
    """``{"sync": {contender: ms}, "async": {...}}`` (a server of its own unless ``url`` is given)."""
    if url is None:
        from bench.server import ServerProcess

        with ServerProcess() as server:
            return measure(smoke, server.url)
    walks = _walks(smoke)
    return {"sync": _sync(url, walks), "async": asyncio.run(_async(url, walks))}


def render(figures: dict[str, dict[str, float]], smoke: bool = False) -> str:
    import os
    from datetime import UTC, datetime

    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        HEADING,
        "",
        f"Run: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC; mode {'SMOKE (numbers meaningless)' if smoke else 'full'}; "
        f"{_walks(smoke)} interleaved walks per contender; load average at the end {load}.",
        "",
        "| client | " + " | ".join(CONTENDERS) + " | dynclient / raw httpx | target |",
        "|---|" + "---:|" * (len(CONTENDERS) + 1) + ":---:|",
    ]
    for mode, row in figures.items():
        ratio = row["dynclient paginate"] / row["raw httpx loop"]
        met = "met" if ratio <= TARGET else "NOT met"
        cells = " | ".join(f"{row[c]:,.1f}" for c in CONTENDERS)
        lines.append(f"| {mode} | {cells} | {ratio:.2f}x | <= {TARGET}x: {met} |")
    return "\n".join(lines) + "\n"


def write_block(section: str, path: Path = RESULTS) -> None:
    """Rewrite the pagination block of RESULTS.md (appended the first time)."""
    write_marked(path, "pagination", "Pagination", section)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pagination", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few iterations (CI)")
    args = parser.parse_args(argv)
    section = render(measure(args.smoke), args.smoke)
    print(section)
    if not args.smoke:
        write_block(section)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
