"""Webhook benchmark: verify + parse + validate one delivery, dynclient against polar-sdk 1.0.2.

    python -m bench.webhooks            # full run, rewrites the webhooks block of bench/RESULTS.md
    python -m bench.webhooks --smoke    # a few iterations, prints only

The same signed bytes go to both contenders, interleaved in blocks (``bench.run._interleave``);
figures are medians in µs per delivery. ``python -m bench.run`` runs this section too.

Two facts about polar-sdk 1.0.2 shape the rows: it cannot load a customer state with an active
subscription (the README's SDK findings), and its payload classes require an ``api_version``
field the spec's payload schemas do not declare. So the spec's own event (two active
subscriptions) is timed for dynclient with the SDK's failure recorded, and the comparison runs
on events the SDK can load: no subscription, plus ``api_version`` (an extra field, which
dynclient accepts: the payload schemas are open).
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make ``bench`` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import payloads
from bench._blocks import write_marked

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
SECRET = "polar_whs_bench-endpoint-secret"
HEADING = "### 5. Webhooks: verify + parse + validate one delivery (µs per delivery)"
CONTENDERS = ("dynclient", "dynclient (validate off)", "polar-sdk")
STAMP = "2026-11-25T08:51:00Z"


def events() -> dict[str, dict[str, Any]]:
    return {
        "customer.state_changed, 2 active subscriptions (the spec's shape)": {
            "type": "customer.state_changed",
            "timestamp": STAMP,
            "data": payloads.customer_state(subscriptions=2),
        },
        "customer.state_changed, no subscription, + api_version (the SDK's shape)": {
            "type": "customer.state_changed",
            "timestamp": STAMP,
            "api_version": "2026-10",
            "data": payloads.customer_state(),
        },
        "customer.created, + api_version (the SDK's shape)": {
            "type": "customer.created",
            "timestamp": STAMP,
            "api_version": "2026-10",
            "data": payloads.customer(),
        },
    }


def _sdk() -> Callable[[bytes, dict[str, str], str], Any] | None:
    try:
        from polar.v2026_10.webhooks import validate_event
    except ImportError:
        return None
    return validate_event


def measure(settings: Any) -> dict[str, dict[str, Any]]:
    """label -> {contender: µs, "sdk_error": why polar-sdk cannot parse it, or None}."""
    import dynclient
    from bench.run import _interleave

    strict = dynclient.Webhooks(SECRET)
    off = dynclient.Webhooks(SECRET, validate="off")
    sdk = _sdk()
    out: dict[str, dict[str, Any]] = {}
    for label, payload in events().items():
        body, headers = strict.sign(payload)
        event = strict.parse(body, headers)
        assert event.known and event.payload == payload, label
        fns: dict[str, Callable[[], Any]] = {
            "dynclient": functools.partial(strict.parse, body, headers),
            "dynclient (validate off)": functools.partial(off.parse, body, headers),
        }
        row: dict[str, Any] = {"sdk_error": None if sdk else "polar-sdk is not installed"}
        if sdk is not None:
            try:
                loaded = sdk(body, headers, SECRET)
                assert loaded.type == payload["type"], label
                fns["polar-sdk"] = functools.partial(sdk, body, headers, SECRET)
            except Exception as exc:
                cause = exc.__cause__
                row["sdk_error"] = f"{type(exc).__name__}: {exc}" + (
                    f" ({str(cause).splitlines()[0][:120]})" if cause else ""
                )
        row.update(_interleave(fns, settings))
        out[label] = row
    return out


def render(figures: dict[str, dict[str, Any]], settings: Any = None) -> str:
    import datetime as dt

    from bench.run import _load, _versions

    mode = "SMOKE (numbers meaningless)" if settings is not None and settings.smoke else "full"
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        HEADING,
        "",
        f"Run: {when}; mode {mode}; load average at the end {_load()}; {_versions()}.",
        "",
        "| event | " + " | ".join(CONTENDERS) + " | polar-sdk / dynclient |",
        "|---|" + "---:|" * (len(CONTENDERS) + 1),
    ]
    failures: list[str] = []
    for label, row in figures.items():
        cells = [f"{row[c]:,.1f}" if c in row else "fails" for c in CONTENDERS]
        d, p = row.get("dynclient"), row.get("polar-sdk")
        ratio = f"{p / d:.2f}x" if d and p else "n/a"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {ratio} |")
        if row.get("sdk_error"):
            failures.append(f"- {label}: polar-sdk 1.0.2 `validate_event` raises {row['sdk_error']}")
    lines += [
        "",
        "`dynclient` is `Webhooks.parse` (Standard Webhooks signature, JSON decoding, validation of the "
        "payload against its event's schema with jsonschema-rs, `compatible` mode); `validate off` skips the "
        "schema check; polar-sdk is `polar.v2026_10.webhooks.validate_event` (signature, JSON, deserialization "
        "into its dataclasses). Same bytes, same headers, interleaved.",
        *failures,
    ]
    return "\n".join(lines) + "\n"


def write_block(section: str, path: Path = RESULTS) -> None:
    """Rewrite the webhooks block of RESULTS.md (appended the first time)."""
    write_marked(path, "webhooks", "Webhooks", section)


def main(argv: list[str] | None = None) -> int:
    from bench.run import Settings

    parser = argparse.ArgumentParser(prog="python -m bench.webhooks", description=__doc__.split("\n")[0])
    parser.add_argument("--smoke", action="store_true", help="a few iterations (CI)")
    args = parser.parse_args(argv)
    settings = Settings.make(args.smoke)
    section = render(measure(settings), settings)
    print(section)
    if not args.smoke:
        write_block(section)
        print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
