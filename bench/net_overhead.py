"""Per-call cost of dynclient's network layer, as ratios to raw httpx in one interleaved run.

    python bench/net_overhead.py            # 3000 calls per contender (about a minute)
    python bench/net_overhead.py --calls 300

What it answers: does the bounded, streamed body read (``max_response_bytes``), the
origin check, the lifecycle checks and the deadline bookkeeping make the common call
slower? It times, against the benchmark server (``bench/server.py``, its own process):

* ``customers_list`` (a 100-customer page, ~60 KB) and ``customers_get``,
* through dynclient with response validation off (so the numbers are the transport
  path, not the schema engine) and raw httpx doing the same request and ``json.loads``,
* the same dynclient with the attempt as it was before bounded reads (httpx buffering the
  body itself): the A/B of the streamed, bounded read in one run,
* with a ``deadline`` set, and (sync list) with strict validation for scale,
* sync and async.

Contenders take turns in blocks of 20 calls, rotating, so drift on a shared machine hits
all of them alike. Reported: medians in microseconds, and the ratio dynclient / raw httpx.
Compare ratios between commits, never absolute numbers between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.server import ServerProcess

BLOCK = 20


def _interleave(fns: dict[str, Callable[[], Any]], calls: int) -> dict[str, float]:
    times: dict[str, list[float]] = {n: [] for n in fns}
    names = list(fns)
    for n in names:  # warm up
        for _ in range(50):
            fns[n]()
    rounds = max(1, calls // BLOCK)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for n in order:
            fn = fns[n]
            for _ in range(BLOCK):
                t0 = time.perf_counter()
                fn()
                times[n].append(time.perf_counter() - t0)
    return {n: statistics.median(v) * 1e6 for n, v in times.items()}


async def _ainterleave(fns: dict[str, Callable[[], Awaitable[Any]]], calls: int) -> dict[str, float]:
    times: dict[str, list[float]] = {n: [] for n in fns}
    names = list(fns)
    for n in names:
        for _ in range(50):
            await fns[n]()
    rounds = max(1, calls // BLOCK)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for n in order:
            fn = fns[n]
            for _ in range(BLOCK):
                t0 = time.perf_counter()
                await fn()
                times[n].append(time.perf_counter() - t0)
    return {n: statistics.median(v) * 1e6 for n, v in times.items()}


def _buffered_clients() -> tuple[type[Any], type[Any]]:
    """The clients with the attempt as it was before bounded reads: httpx reads the whole body
    (``send()`` without ``stream=True``), for an A/B of that one change in the same run."""
    from dynclient import _client  # the runtime classes: what is overridden here is private

    class BufferedClient(_client.Client):
        def _attempt(self, name: str, request: Any, state: Any, base: Any) -> Any:
            return self._http.send(request)

    class BufferedAsyncClient(_client.AsyncClient):
        async def _attempt(self, name: str, request: Any, state: Any) -> Any:
            return await self._http.send(request)

    return BufferedClient, BufferedAsyncClient


def _report(title: str, res: dict[str, float]) -> None:
    base = res["raw httpx"]
    print(f"\n{title}")
    for name, us in res.items():
        print(f"  {name:<34} {us:9.1f} us   x{us / base:5.2f} of raw httpx")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=3000)
    args = parser.parse_args(argv)

    import httpx

    import dynclient

    cid = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
    with ServerProcess() as server:
        url = server.url
        buffered_cls, abuffered_cls = _buffered_clients()
        dyn = dynclient.Client(base_url=url, access_token="bench-token", validate_responses="off")
        old = buffered_cls(base_url=url, access_token="bench-token", validate_responses="off")
        timed = dyn.with_options(deadline=30.0)
        strict = dyn.with_options(validate_responses="strict")
        raw = httpx.Client(base_url=url, headers={"Authorization": "Bearer bench-token"})
        res = _interleave(
            {
                "raw httpx": lambda: json.loads(raw.get("/v1/customers/", params={"limit": 100}).content),
                "dynclient (validation off)": lambda: dyn.call("customers_list", limit=100),
                "  same, httpx buffered read (before)": lambda: old.call("customers_list", limit=100),
                "  same, deadline=30": lambda: timed.call("customers_list", limit=100),
                "dynclient (strict validation)": lambda: strict.call("customers_list", limit=100),
            },
            args.calls,
        )
        _report("sync customers_list (100 customers)", res)
        res = _interleave(
            {
                "raw httpx": lambda: json.loads(raw.get(f"/v1/customers/{cid}").content),
                "dynclient (validation off)": lambda: dyn.call("customers_get", id=cid),
                "  same, httpx buffered read (before)": lambda: old.call("customers_get", id=cid),
            },
            args.calls,
        )
        _report("sync customers_get", res)
        dyn.close()
        old.close()
        raw.close()

        async def run_async() -> None:
            adyn = dynclient.AsyncClient(base_url=url, access_token="bench-token", validate_responses="off")
            aold = abuffered_cls(base_url=url, access_token="bench-token", validate_responses="off")
            atimed = adyn.with_options(deadline=30.0)
            araw = httpx.AsyncClient(base_url=url, headers={"Authorization": "Bearer bench-token"})

            async def raw_list() -> Any:
                return json.loads((await araw.get("/v1/customers/", params={"limit": 100})).content)

            res = await _ainterleave(
                {
                    "raw httpx": raw_list,
                    "dynclient (validation off)": lambda: adyn.call("customers_list", limit=100),
                    "  same, httpx buffered read (before)": lambda: aold.call("customers_list", limit=100),
                    "  same, deadline=30": lambda: atimed.call("customers_list", limit=100),
                },
                args.calls,
            )
            _report("async customers_list (100 customers)", res)
            await adyn.aclose()
            await aold.aclose()
            await araw.aclose()

        asyncio.run(run_async())


if __name__ == "__main__":
    main()
