"""Profile dynclient's per-call hot path against the benchmark server (pyinstrument).

    python -m bench.profile customers_list [--calls 500] [--off] [--async]

Prints pyinstrument's call tree for ``--calls`` calls after a warm-up. Install the
profiler with ``pip install -e .[bench]``.
"""

from __future__ import annotations

import argparse
import asyncio
from typing import TYPE_CHECKING, Any

from bench import payloads
from bench.server import ServerProcess

if TYPE_CHECKING:
    from dynclient._operation import ValidateMode


def _calls(client: Any, op: str) -> Any:
    cid, body = payloads.CUSTOMER_ID, payloads.create_body()
    return {
        "customers_list": lambda: client.customers.list(limit=100),
        "customers_get": lambda: client.customers.get(id=cid),
        "customers_get_state": lambda: client.customers.get_state(id=cid),
        "customers_create": lambda: client.customers.create(body=body),
    }[op]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n")[0])
    parser.add_argument(
        "operation", choices=("customers_list", "customers_get", "customers_get_state", "customers_create")
    )
    parser.add_argument("--calls", type=int, default=500)
    parser.add_argument("--off", action="store_true", help="response validation off")
    parser.add_argument("--async", dest="use_async", action="store_true", help="AsyncClient")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    import dynclient

    mode: ValidateMode = "off" if args.off else "strict"
    profiler = Profiler(interval=0.0001)
    with ServerProcess() as server:
        if args.use_async:

            async def run() -> None:
                async with dynclient.AsyncClient(base_url=server.url, access_token="t", validate_responses=mode) as c:
                    fn = _calls(c, args.operation)
                    for _ in range(50):
                        await fn()
                    profiler.start()
                    for _ in range(args.calls):
                        await fn()
                    profiler.stop()

            asyncio.run(run())
        else:
            with dynclient.Client(base_url=server.url, access_token="t", validate_responses=mode) as c:
                fn = _calls(c, args.operation)
                for _ in range(50):
                    fn()
                profiler.start()
                for _ in range(args.calls):
                    fn()
                profiler.stop()
    print(profiler.output_text(unicode=True, color=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
