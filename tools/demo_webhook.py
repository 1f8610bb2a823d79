"""The demo's webhook part: one signed ``customer.state_changed`` event, verified and parsed.

    python -m tools.demo_webhook

Signs a customer state with one active subscription (valid against the bundled spec) the way
Polar's server does (Standard Webhooks), then verifies, decodes and validates it with
``dynclient.Webhooks`` and prints a few lines. ``run()`` returns 0 on success; the integrator
wires it into ``tools/demo.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``tools`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import dynclient
from bench.payloads import customer_state

#: what an endpoint secret looks like in Polar's dashboard (the demo's own, of course)
DEMO_SECRET = "polar_whs_demo-endpoint-secret"


def run(out: Callable[[str], object] = print) -> int:
    hooks = dynclient.Webhooks(DEMO_SECRET)
    payload = {"type": "customer.state_changed", "timestamp": "2026-11-25T08:51:00Z", "data": customer_state(1)}
    body, headers = hooks.sign(payload)  # what Polar would POST to the endpoint
    out("webhook customer.state_changed")
    out(f"  > POST /webhooks/polar  ({len(body):,} bytes; webhook-id {headers['webhook-id']})")
    out(f"  > webhook-signature: {headers['webhook-signature'][:20]}...")
    try:
        event = hooks.parse(body, headers)  # verify + decode + validate against the spec
    except dynclient.DynclientError as exc:
        out(f"  ! {type(exc).__name__}: {exc}")
        return 1
    if isinstance(event, dynclient.UnknownWebhookEvent) or event.type != "customer.state_changed":
        out(f"  ! parsed as {event!r}")
        return 1
    state = event.data
    plans = ", ".join(f"{s['status']} {s['amount'] / 100:.2f} {s['currency']}" for s in state["active_subscriptions"])
    sent = f"{event.timestamp:%H:%M:%S} UTC"
    out(f"  = verified and valid: {event.type} for {state['email']} ({state['type']}), sent {sent}")
    out(f"  = active subscriptions: {len(state['active_subscriptions'])} ({plans})")
    out(f"  = granted benefits: {len(state['granted_benefits'])}, active meters: {len(state['active_meters'])}")
    try:
        hooks.parse(body.replace(b"active", b"paused", 1), headers)
    except dynclient.WebhookVerificationError:
        out("  = the same body with one word changed: refused (no matching signature)")
    else:
        out("  ! a tampered body was accepted")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(run())
