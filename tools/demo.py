"""The main job: all eleven core operations through dynclient against a real local HTTP server.

    python -m tools.demo [--dynamic] [--seed SEED]

Starts Stoplight Prism (pinned in package.json) on a free 127.0.0.1 port, serving a
Prism-compatible copy of the bundled spec derived in code (tools/prism.py); runs each
operation through ``dynclient.Client`` with strict response validation against the real
bundled spec; prints the request line, the status and a short summary per operation; stops
the server. Exit status 1 if any operation failed.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

import httpx

import dynclient
from tools.prism import PrismError, running

CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
ORG_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
#: Prism checks that a bearer token is present, not what it is
DEMO_TOKEN = "demo-token"

#: (operation, arguments): what a caller would write; the operations themselves come from the spec
CALLS: list[tuple[str, dict[str, Any]]] = [
    (
        "customers_list",
        {"organization_id": ORG_ID, "limit": 5, "sorting": ["-created_at", "email"], "metadata": {"plan": "pro"}},
    ),
    (
        "customers_create",
        {
            "body": {
                "email": "ada@example.com",
                "name": "Ada Lovelace",
                "external_id": "usr_1337",
                "billing_address": {"country": "GB", "city": "London"},
                "metadata": {"plan": "pro", "seats": 3},
            }
        },
    ),
    ("customers_export", {"organization_id": [ORG_ID, str(uuid.UUID(int=0x1DBFC5170BBF43019BA8555CA42B9738))]}),
    ("customers_get", {"id": CUSTOMER_ID}),
    ("customers_update", {"id": CUSTOMER_ID, "body": {"name": "Ada King", "locale": "en-GB"}}),
    ("customers_delete", {"id": CUSTOMER_ID, "anonymize": True}),
    ("customers_get_external", {"external_id": "usr_1337"}),
    ("customers_update_external", {"external_id": "usr_1337", "body": {"metadata": {"plan": "team"}}}),
    ("customers_delete_external", {"external_id": "usr_1337"}),
    ("customers_get_state", {"id": CUSTOMER_ID}),
    ("customers_get_state_external", {"external_id": "usr_1337"}),
]


def summarize(result: Any) -> str:
    """A one-line description of an operation's result."""
    if result is None:
        return "no content"
    if isinstance(result, str):
        lines = result.splitlines()
        head = lines[0][:60] if lines else ""
        return f"text, {len(lines)} line(s): {head!r}"
    if isinstance(result, dict):
        if isinstance(result.get("items"), list):
            pag = result.get("pagination") or {}
            first = result["items"][0] if result["items"] else {}
            who = f"; first: {first.get('email')!r}" if isinstance(first, dict) and first else ""
            return (
                f"{len(result['items'])} item(s), total_count={pag.get('total_count')}, "
                f"max_page={pag.get('max_page')}{who}"
            )
        parts = [f"{k}={result[k]!r}" for k in ("type", "id", "email", "name") if k in result]
        extra = [
            f"{k}: {len(result[k])}"
            for k in ("active_subscriptions", "granted_benefits", "active_meters")
            if isinstance(result.get(k), list)
        ]
        return ", ".join(parts + extra) or f"object with {len(result)} field(s)"
    return repr(result)[:80]


def run(base_url: str, out: Callable[[str], None] = print) -> int:
    """Call every operation; returns the number of failures."""
    exchanges: list[tuple[httpx.Request, httpx.Response]] = []

    def keep(_op: str, request: httpx.Request, response: httpx.Response) -> None:
        exchanges.append((request, response))

    failures = 0
    with dynclient.Client(
        base_url=base_url, access_token=DEMO_TOKEN, validate_responses="strict", after_response=[keep], timeout=20.0
    ) as client:
        for name, arguments in CALLS:
            before = len(exchanges)
            try:
                result = client.invoke(name, **arguments)
                status, summary = "", summarize(result)
            except dynclient.DynclientError as exc:
                failures += 1
                result, status, summary = None, "FAILED", f"{type(exc).__name__}: {str(exc).splitlines()[0]}"
            if len(exchanges) > before:
                request, response = exchanges[-1]
                target = request.url.raw_path.decode("ascii")
                line = f"{request.method} {target} {response.http_version}"
                status = f"{response.status_code} {response.reason_phrase}" + (f" {status}" if status else "")
            else:
                line = "(not sent)"
            out(f"{name}\n  > {line}\n  < {status}\n  = {summary}")
    return failures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--dynamic", action="store_true", help="Prism's dynamic mode (generated data)")
    parser.add_argument("--seed", default="dynclient-demo", help="seed for --dynamic (default: %(default)s)")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        with running(dynamic=args.dynamic, seed=args.seed) as (server, changes):
            mode = "dynamic" if args.dynamic else "static"
            print(
                f"Prism {mode} mock on {server.base_url} (pid {server.pid}); "
                f"compat copy of {dynclient.bundled_spec_path().name}: "
                f"{len(changes)} change(s) of kinds {sorted({c.kind for c in changes})}"
            )
            failures = run(server.base_url)
    except PrismError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    print(
        f"Prism stopped. {len(CALLS) - failures}/{len(CALLS)} operations succeeded "
        f"in {time.monotonic() - started:.1f}s."
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
