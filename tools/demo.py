"""The main job: all eleven core operations through dynclient, with state carried from step to step.

    python -m tools.demo                                # the in-process fake: nothing but pip needed
    python -m tools.demo --prism [--dynamic] [--seed S] # Stoplight Prism on 127.0.0.1 (npm needed)

By default every answer comes from ``dynclient.testing.FakeAPI``: a stateful fake of the API
built from the bundled spec, in this process (no server, no network). The demo creates a
customer and a team, lists, exports, reads and updates them by id and by external id, reads
their state, deletes them, and checks at each step that what it reads back is what it set
(the name you set is the name you read back; a deleted customer is a 404). It prints what
was sent and what came back. Exit status 1 if an operation or a check failed.

``--prism`` keeps the earlier run against Stoplight Prism (pinned in package.json), serving a
Prism-compatible copy of the bundled spec derived in code (tools/prism.py). Prism is stateless:
each answer is an example from the spec, unrelated to the previous step.
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
from dynclient.testing import Call, FakeAPI

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


# -- the in-process fake: state carried from step to step ---------------------------------------

ADA = {
    "email": "ada@example.com",
    "name": "Ada Lovelace",
    "external_id": "usr_1337",
    "billing_address": {"country": "GB", "city": "London"},
    "metadata": {"plan": "pro", "seats": 3},
}
TEAM = {"type": "team", "name": "Analytical Engines Ltd", "email": "office@engines.example", "external_id": "team_1"}


def _sent(call: Call) -> list[str]:
    request = call.request
    target = request.url.raw_path.decode("ascii")
    lines = [f"  > {request.method} {target}"]
    if request.content:
        body = request.content.decode("utf-8", "replace")
        lines.append(f"    {body if len(body) <= 160 else body[:157] + '...'}")
    return lines


def _answered(call: Call) -> str:
    phrase = call.response.reason_phrase or ""
    where = {"fake": "the fake, from its state", "injected": "an injected answer", "protocol": "the fake's router"}
    return f"  < {call.status} {phrase} (answered by {where[call.source]})"


class _Steps:
    """Runs the steps, prints each exchange from ``fake.calls``, keeps the score."""

    def __init__(self, fake: FakeAPI, client: dynclient.Client, out: Callable[[str], None]) -> None:
        self.fake, self.client, self.out = fake, client, out
        self.failures = self.checks = 0
        self.used: set[str] = set()

    def call(self, name: str, expect: type[dynclient.APIError] | None = None, **arguments: Any) -> Any:
        before = len(self.fake.calls)
        result: Any = None
        try:
            result = self.client.invoke(name, **arguments)
            summary = summarize(result)
            if expect is not None:
                self.failures += 1
                summary += f"  FAILED: expected {expect.__name__}"
        except dynclient.DynclientError as exc:
            ok = expect is not None and isinstance(exc, expect)
            summary = f"{type(exc).__name__}: {getattr(exc, 'body', None) or str(exc).splitlines()[0]}"
            summary += " (as expected)" if ok else "  FAILED"
            self.failures += 0 if ok else 1
        self.used.add(name)
        self.out(name)
        for call in self.fake.calls[before:]:
            for line in [*_sent(call), _answered(call)]:
                self.out(line)
        self.out(f"  = {summary}")
        return result

    def check(self, what: str, ok: bool) -> None:
        self.checks += 1
        self.failures += 0 if ok else 1
        self.out(f"  {'ok' if ok else 'FAILED'}: {what}")


def run_fake(out: Callable[[str], None] = print) -> int:
    """All eleven operations against the in-process fake; returns the number of failures."""
    fake = FakeAPI()
    spec = fake.spec
    out(
        f"In-process fake of {spec.title} {spec.version} (dynclient.testing.FakeAPI, built from "
        f"{dynclient.bundled_spec_path().name}): it keeps state, validates every request and checks "
        "every answer against the spec before it leaves; nothing leaves this process."
    )
    with fake.client(validate_responses="strict") as client:
        s = _Steps(fake, client, out)
        ada = s.call("customers_create", body=ADA) or {}
        team = s.call("customers_create", body=TEAM) or {}
        listed = s.call("customers_list", limit=5, sorting=["email"]) or {"items": []}
        s.check(
            "the list holds the two customers just created",
            [c["id"] for c in listed["items"]] == [ada.get("id"), team.get("id")],
        )
        exported = s.call("customers_export") or ""
        s.check("the export has one row per customer", len(exported.splitlines()) == 3)
        got = s.call("customers_get", id=ada.get("id"))
        s.check("get by id returns the customer as created", got == ada)
        s.call("customers_update", id=ada.get("id"), body={"name": "Ada King", "locale": "en-GB"})
        external = s.call("customers_get_external", external_id="usr_1337") or {}
        s.check(
            f"the name set is the name read back by external id: {external.get('name')!r}",
            external.get("name") == "Ada King",
        )
        s.call("customers_update_external", external_id="usr_1337", body={"metadata": {"plan": "team"}})
        state = s.call("customers_get_state", id=ada.get("id")) or {}
        s.check(
            f"the state of the customer created: name {state.get('name')!r}, metadata {state.get('metadata')}, "
            f"{len(state.get('active_subscriptions', []))} active subscription(s)",
            state.get("name") == "Ada King" and state.get("metadata") == {"plan": "team"},
        )
        same = s.call("customers_get_state_external", external_id="usr_1337")
        s.check("the state by external id is the same", same == state)
        s.call("customers_delete", id=ada.get("id"), anonymize=True)
        s.call("customers_get", expect=client.errors.ResourceNotFound, id=ada.get("id"))
        s.check("after delete, the customer is a 404", fake.calls[-1].status == 404)
        s.call("customers_delete_external", external_id="team_1")
        s.call("customers_get_state_external", expect=client.errors.ResourceNotFound, external_id="team_1")
        s.check("after delete by external id, its state is a 404", fake.calls[-1].status == 404)
    missing = sorted({name for name, _ in CALLS} - s.used)
    if missing:
        s.failures += 1
        out(f"FAILED: operations not called: {missing}")
    out(
        f"Fake: {len(s.used)}/{len(CALLS)} operations called, {len(fake.calls)} exchanges, "
        f"{s.checks} checks of carried state, {s.failures} failure(s)."
    )
    return s.failures


# -- webhooks ----------------------------------------------------------------------------------------
def run_webhooks(out: Callable[[str], None] = print) -> int:
    """The webhooks part of the demo: one signed ``customer.state_changed`` event, verified and
    parsed (tools/demo_webhook.py); returns its number of failures."""
    from tools.demo_webhook import run as run_webhook_demo

    return run_webhook_demo(out)


# -- Stoplight Prism (--prism) ----------------------------------------------------------------------


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
    parser.add_argument("--prism", action="store_true", help="run against Stoplight Prism (needs npm) instead")
    parser.add_argument("--dynamic", action="store_true", help="with --prism: Prism's dynamic mode (generated data)")
    parser.add_argument(
        "--seed", default="dynclient-demo", help="with --prism --dynamic: its seed (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    if not args.prism:
        if args.dynamic:
            parser.error("--dynamic needs --prism")
        failures = run_fake()
        hook_failures = run_webhooks()
        verdict = "ok" if not failures + hook_failures else "FAILED"
        print(f"Demo {verdict}: the eleven operations and one webhook event, {failures + hook_failures} failure(s).")
        return 1 if failures + hook_failures else 0
    from tools.prism import PrismError, running

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
