"""The ``dynclient`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._document import load_document
from ._errors import DynclientError
from ._extract import dump_spec, extract

__all__ = ["main"]


def _cmd_spec_extract(args: argparse.Namespace) -> int:
    doc = load_document(args.source)
    sys.stdout.write(dump_spec(extract(doc, args.tag)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dynclient", description="A client built at run time from an OpenAPI spec.")
    sub = parser.add_subparsers(dest="command", required=True)
    spec = sub.add_parser("spec", help="work with spec documents")
    spec_sub = spec.add_subparsers(dest="spec_command", required=True)
    ex = spec_sub.add_parser("extract", help="cut a spec down to the operations with some tags")
    ex.add_argument("source", help="spec file (JSON or YAML)")
    ex.add_argument("--tag", action="append", required=True, help="tag to keep (repeatable)")
    ex.set_defaults(func=_cmd_spec_extract)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except DynclientError as exc:
        print(f"dynclient: {exc}", file=sys.stderr)
        return 2
