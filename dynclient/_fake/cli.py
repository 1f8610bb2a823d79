"""``dynclient fake serve``: the fake over HTTP on 127.0.0.1 until interrupted."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import Any

from .._ir import ApiSpec
from .api import FakeAPI

__all__ = ["serve"]


def serve(spec: ApiSpec, args: argparse.Namespace) -> int:
    fake = FakeAPI(
        spec,
        seed=args.seed,
        unique_fields=args.unique or (),
        api_versions=args.api_version,
    )
    log = None if args.quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    server = fake.serve(args.port, log=log)
    stopped = threading.Event()

    def stop(_signum: int, _frame: Any) -> None:
        stopped.set()

    previous = signal.signal(signal.SIGTERM, stop)
    resources = ", ".join(fake.resources) or "none"
    versions = ", ".join(fake.api_versions) or "not checked"
    print(
        f"dynclient fake: {spec.title} {spec.version} ({len(spec.operations)} operations; resources: {resources}; "
        f"versions: {versions}) on {server.url}",
        flush=True,
    )
    if log is not None:
        log(fake.describe())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
    print("dynclient fake: stopped", file=sys.stderr, flush=True)
    return 0
