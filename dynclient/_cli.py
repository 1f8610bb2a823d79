"""The ``dynclient`` command line (also ``python -m dynclient``).

Every command reads the spec (the bundled one unless ``--spec`` says otherwise); nothing
here knows an operation by name. The access token comes only from the environment
(``POLAR_ACCESS_TOKEN``) or a hidden prompt (``--prompt-token``), never from a flag that
would land in shell history.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import os
import sys
import textwrap
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from ._describe import describe_text, text_table
from ._document import load_document
from ._errors import (
    APIError,
    ApiVersionError,
    ApiVersionWarning,
    ConfigurationError,
    DynclientError,
    DynclientWarning,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseTooLargeError,
    ResponseValidationError,
    SpecError,
    TransportError,
    WebhookPayloadError,
    WebhookVerificationError,
)
from ._extract import dump_spec, extract, extract_choice
from ._ir import ApiSpec, Operation
from ._operation import VALIDATE_MODES
from ._schema.pointer import pointer_join
from ._schema.values import WordError, member_schema, words_value
from ._secrets import clip, scrub
from ._spec import bundled_spec_dir, load_spec

__all__ = [
    "EXIT_API",
    "EXIT_API_VERSION",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_REQUEST",
    "EXIT_RESPONSE",
    "EXIT_SPEC",
    "EXIT_TRANSPORT",
    "EXIT_USAGE",
    "EXIT_WEBHOOK",
    "build_parser",
    "main",
    "parse_params",
]

EXIT_OK = 0
EXIT_FAILED = 1  # a check asked for failed (spec diff --fail-on, spec check, stubs --check), other errors
EXIT_USAGE = 2
EXIT_SPEC = 3
EXIT_REQUEST = 4
EXIT_API = 5
EXIT_RESPONSE = 6
EXIT_TRANSPORT = 7
EXIT_API_VERSION = 8
EXIT_WEBHOOK = 9

TOKEN_ENV = "POLAR_ACCESS_TOKEN"
WEBHOOK_SECRET_ENV = "POLAR_WEBHOOK_SECRET"
BUNDLED = "@bundled"

#: what each exit code means (``dynclient --help`` lists them all; a command lists its own)
EXIT_MEANINGS = {
    EXIT_OK: "success",
    EXIT_FAILED: "a requested check failed (spec diff --fail-on, spec check, stubs --check)",
    EXIT_USAGE: "usage or environment error (bad option or value, unknown operation, missing optional package)",
    EXIT_SPEC: "the spec cannot be loaded or used (SpecError)",
    EXIT_REQUEST: "the call's arguments do not match the spec; nothing was sent",
    EXIT_API: "the API answered with an error status",
    EXIT_RESPONSE: "the API's answer (or a webhook's payload) does not match the spec (or is over max_response_bytes)",
    EXIT_TRANSPORT: "the request did not complete (connection, timeout, --deadline)",
    EXIT_API_VERSION: "the API refused the API version sent (run `dynclient spec update`, or pass --api-version)",
    EXIT_WEBHOOK: "the webhook cannot be trusted: signature, timestamp or body (webhook verify)",
}
_TOKEN_NOTE = f"The access token is read from ${TOKEN_ENV}, or asked for with --prompt-token."
_SECRET_NOTE = f"The webhook secret is read from ${WEBHOOK_SECRET_ENV}, or asked for with --prompt-secret."
_WARNINGS_NOTE = """\
Warnings (additive drift in an answer, an answer in another API version) go to stderr
and leave the exit code as it is."""


def _epilog(codes: Sequence[int], *notes: str) -> str:
    """The exit codes ``codes`` (and ``notes``), for the end of a command's help."""
    lines = ["exit codes:", *(f"  {code}  {EXIT_MEANINGS[code]}" for code in codes)]
    return "\n".join(lines) + "".join(f"\n\n{note}" for note in notes) + "\n"


EPILOG = _epilog(sorted(EXIT_MEANINGS), _WARNINGS_NOTE, f"{_TOKEN_NOTE}\n{_SECRET_NOTE}")
_SPEC_CODES = (EXIT_OK, EXIT_USAGE, EXIT_SPEC)
_CHECK_CODES = (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_SPEC)
_CALL_CODES = (EXIT_OK, EXIT_USAGE, EXIT_SPEC, EXIT_REQUEST, EXIT_API, EXIT_RESPONSE, EXIT_TRANSPORT, EXIT_API_VERSION)


class UsageError(Exception):
    """A command-line mistake: exit code 2."""


# -- values ------------------------------------------------------------------------------
def parse_params(spec: ApiSpec, op: Operation, items: Sequence[str]) -> dict[str, Any]:
    """``--param`` words as keyword arguments, each value parsed per its parameter's schema.

    ``k=v`` (repeat for a list), ``k.sub=v`` (a deepObject entry), ``k:=JSON`` (a literal value).
    """
    doc = spec.document
    params = {p.name: p for p in op.parameters}
    plain: dict[str, list[str]] = {}
    deep: dict[str, dict[str, list[str]]] = {}
    literal: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--param {item!r}: expected NAME=VALUE")
        if key.endswith(":"):
            name = key[:-1]
            if name not in params:
                raise UsageError(_unknown_param(op, name))
            try:
                literal[name] = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise UsageError(f"--param {name}:= needs JSON: {exc.msg}") from None
            continue
        if key in params:
            plain.setdefault(key, []).append(raw)
            continue
        head, dot, sub = key.partition(".")
        if dot and head in params and params[head].style == "deepObject":
            deep.setdefault(head, {}).setdefault(sub, []).append(raw)
            continue
        raise UsageError(_unknown_param(op, key))
    out: dict[str, Any] = {}
    for name, raws in plain.items():
        out[name] = _words(doc, params[name].schema.raw, raws, f"--param {name}")
    for name, entries in deep.items():
        schema = params[name].schema.raw
        out[name] = {
            sub: _words(doc, member_schema(doc, schema, sub), raws, f"--param {name}.{sub}")
            for sub, raws in entries.items()
        }
    out.update(literal)
    return out


def _words(doc: Mapping[str, Any], schema: Any, raws: list[str], what: str) -> Any:
    try:
        return words_value(doc, schema, raws)
    except WordError as exc:
        raise UsageError(f"{what}: {exc}") from None


def _unknown_param(op: Operation, name: str) -> str:
    known = ", ".join(p.name for p in op.parameters) or "none"
    return f"{op.name} has no parameter {name!r} (parameters: {known})"


# -- helpers -----------------------------------------------------------------------------
def _load(args: argparse.Namespace) -> ApiSpec:
    tags = args.tag or None
    source = None if args.spec in (None, BUNDLED) else args.spec
    return load_spec(source, tags=tags)


def _operation(spec: ApiSpec, name: str) -> Operation:
    if name in spec:
        return spec[name]
    for op in spec.operations:
        if op.operation_id == name or ".".join((*op.group, op.method_name)) == name:
            return op
    import difflib

    hint = difflib.get_close_matches(name, spec.names, n=1)
    raise UsageError(f"unknown operation {name!r}" + (f"; did you mean {hint[0]!r}?" if hint else ""))


def _out(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# -- commands ----------------------------------------------------------------------------
def _cmd_ops(args: argparse.Namespace) -> int:
    spec = _load(args)
    if args.json:
        _out(
            json.dumps(
                [
                    {
                        "name": op.name,
                        "method": op.http_method,
                        "path": op.path,
                        "summary": op.summary,
                        "operation_id": op.operation_id,
                    }
                    for op in spec
                ],
                indent=2,
            )
        )
        return EXIT_OK
    rows = [[op.name, op.http_method, op.path, op.summary] for op in spec]
    sys.stdout.write(text_table(rows, ["NAME", "METHOD", "PATH", "SUMMARY"]))
    return EXIT_OK


def _cmd_describe(args: argparse.Namespace) -> int:
    spec = _load(args)
    _out(describe_text(spec, _operation(spec, args.operation)))
    return EXIT_OK


def _read_body(text: str) -> Any:
    if text.startswith("@"):
        target = text[1:]
        try:
            text = sys.stdin.read() if target == "-" else Path(target).read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--body {text}: {exc.strerror}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--body is not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None


def _as_csv(result: Any) -> str:
    items = result.get("items") if isinstance(result, Mapping) and isinstance(result.get("items"), list) else result
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list) or not all(isinstance(i, Mapping) for i in items):
        raise UsageError("--output csv needs an object or a list of objects as the result")
    columns = list(dict.fromkeys(k for item in items for k in item))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for item in items:
        writer.writerow(
            [
                "" if item.get(c) is None else json.dumps(item[c]) if isinstance(item.get(c), (dict, list)) else item[c]
                for c in columns
            ]
        )
    return buffer.getvalue()


def _cmd_call(args: argparse.Namespace) -> int:
    from ._client import Client

    spec = _load(args)
    op = _operation(spec, args.operation)
    arguments = parse_params(spec, op, args.param or [])
    if args.body is not None:
        if op.request_body is None:
            raise UsageError(f"{op.name} takes no request body")
        arguments["body"] = _read_body(args.body)
    token: str | None = None
    if args.prompt_token:
        import getpass

        token = getpass.getpass("Access token: ") or None
    options: dict[str, Any] = {"validate_responses": args.validate_responses}
    if args.timeout is not None:
        options["timeout"] = args.timeout
    options["api_version"] = False if args.api_version.lower() == "none" else args.api_version
    if args.deadline is not None:
        options["deadline"] = args.deadline
    try:
        client = Client(
            spec, server=args.server, base_url=args.base_url, access_token=token, token_env=TOKEN_ENV, **options
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    with client, warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DynclientWarning)
        try:
            raw = client.with_raw_response.call(op.name, **arguments)
        finally:
            _print_warnings(caught)
    result = raw.parsed
    if result is None:  # stdout stays empty (a script can test it); what happened goes to stderr
        print(f"dynclient: {op.name}: done, HTTP {raw.status_code}{_reason(raw.status_code)}", file=sys.stderr)
    elif isinstance(result, str):
        _out(result)
    elif args.output == "csv":
        sys.stdout.write(_as_csv(result))
    else:
        _out(json.dumps(result, indent=2, ensure_ascii=False))
    return EXIT_OK


def _reason(status: int) -> str:
    """``No Content`` for 204 (empty for a status Python does not name)."""
    import http

    try:
        return f" ({http.HTTPStatus(status).phrase})"
    except ValueError:
        return ""


_WARNING_LABELS: tuple[tuple[type[Warning], str], ...] = (
    (ResponseDriftWarning, "drift"),
    (ApiVersionWarning, "api version"),
    (DynclientWarning, "warning"),
)


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Our warnings on stderr, one short line each; anyone else's as Python shows them."""
    for w in caught:
        label = next((name for cls, name in _WARNING_LABELS if issubclass(w.category, cls)), None)
        if label is None:
            warnings.showwarning(w.message, w.category, w.filename, w.lineno)
            continue
        text = str(w.message).split(" (reported once per client", 1)[0]
        print(f"dynclient: {label}: {text}", file=sys.stderr)


def _stub_root() -> Path:
    """The directory holding the ``dynclient`` package (the checkout's root in development)."""
    return Path(__file__).resolve().parent.parent


def _cmd_stubs(args: argparse.Namespace) -> int:
    from ._stubs import render_stubs, write_stubs

    if not args.out and not args.check:
        raise UsageError(
            "stubs: --out DIR is required: the directory to write dynclient/__init__.pyi and "
            "dynclient/schemas.pyi into (e.g. --out typings, then point mypy or pyright at it; "
            "--out . in a checkout re-renders the shipped stubs)"
        )
    spec = _load(args)
    out = Path(args.out) if args.out else _stub_root()
    if args.check:
        rendered = render_stubs(spec)
        stale = [
            rel
            for rel, text in rendered.items()
            if not (out / rel).is_file() or (out / rel).read_text(encoding="utf-8") != text
        ]
        for rel in stale:
            print(f"dynclient: stale stub {out / rel}", file=sys.stderr)
        if stale:
            return EXIT_FAILED
        _out(f"stubs up to date: {', '.join(str(out / rel) for rel in rendered)}")
        return EXIT_OK
    for path in write_stubs(spec, out):
        _out(f"wrote {path}")
    return EXIT_OK


def _cmd_spec_extract(args: argparse.Namespace) -> int:
    doc = load_document(args.source)
    cut = extract(doc, args.tag, webhook_prefixes=args.webhook_prefix or (), webhooks=args.webhook or ())
    sys.stdout.write(dump_spec(cut))
    return 0


def _load_side(source: str, tags: list[str] | None, webhook_prefixes: list[str] | None = None) -> ApiSpec:
    return load_spec(None if source == BUNDLED else source, tags=tags, webhook_prefixes=webhook_prefixes)


def _gate(diff: Any, fail_on: str) -> int:
    if fail_on == "breaking" and diff.breaking:
        return EXIT_FAILED
    if fail_on == "any" and diff.changes:
        return EXIT_FAILED
    return EXIT_OK


def _cmd_spec_diff(args: argparse.Namespace) -> int:
    from ._diff import diff_specs

    tags = args.tag or None
    prefixes = args.webhook_prefix or None
    diff = diff_specs(_load_side(args.old, tags, prefixes), _load_side(args.new, tags, prefixes))
    if args.json:
        _out(json.dumps(diff.as_dict(), indent=2, ensure_ascii=False))
    else:
        sys.stdout.write(diff.to_text(max_operations=args.max_operations))
    return _gate(diff, args.fail_on)


def _cmd_spec_check(args: argparse.Namespace) -> int:
    document = load_document(args.file)
    try:
        from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
    except ImportError:
        raise UsageError(
            "spec check needs the openapi-spec-validator package, an optional dependency: "
            "pip install 'dynclient[check]'"
        ) from None
    version = str(document.data.get("openapi", ""))
    validator_cls = OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator
    problems = 0
    for error in validator_cls(document.data).iter_errors():
        problems += 1
        path = pointer_join("", *getattr(error, "path", ())) or "/"
        message = str(getattr(error, "message", error)).splitlines()[0]
        print(f"{args.file}: {path}: {message}", file=sys.stderr)
        if problems >= args.max_errors:
            print(f"{args.file}: stopping after {problems} problems", file=sys.stderr)
            break
    if problems:
        return EXIT_FAILED
    spec = load_spec(document.data, tags=args.tag or None)
    _out(
        f"{args.file}: valid OpenAPI {version} ({spec.title} {spec.version}); "
        f"{len(spec)} operations usable by dynclient; sha256 {document.fingerprint}"
    )
    return EXIT_OK


def _cmd_spec_update(args: argparse.Namespace) -> int:
    from ._diff import diff_specs

    spec_dir = Path(args.spec_dir) if args.spec_dir else bundled_spec_dir()
    existing = sorted(spec_dir.glob("*.openapi.json"))
    if len(existing) > 1:
        raise SpecError(f"{spec_dir} holds several specs ({', '.join(p.name for p in existing)}); keep one")
    # the current cut's choice (its x-dynclient-extract) unless the options say otherwise
    kept = extract_choice(load_document(existing[0]).data) if existing else extract_choice({})
    tags = args.tag or kept["tags"] or ["customers"]
    chose_webhooks = bool(args.webhook_prefix or args.webhook)
    prefixes = (args.webhook_prefix or []) if chose_webhooks else kept["webhook_prefixes"]
    names = (args.webhook or []) if chose_webhooks else kept["webhooks"]
    document = load_document(args.source)
    cut = extract(document, tags, webhook_prefixes=prefixes, webhooks=names)
    text = dump_spec(cut)
    new = dataclasses.replace(load_spec(cut), origin=str(args.source))
    target = existing[0] if existing else spec_dir / f"{tags[0]}.openapi.json"
    if existing:
        old = load_spec(existing[0])
        diff = diff_specs(old, new)
        sys.stdout.write(diff.to_text(max_operations=args.max_operations))
        code = _gate(diff, args.fail_on)
        if code != EXIT_OK:
            print(f"dynclient: not updating {target}: --fail-on {args.fail_on} matched", file=sys.stderr)
            return code
        if existing[0].read_text(encoding="utf-8") == text:
            _out(f"{target} is up to date")
            if args.dry_run:
                return EXIT_OK
    else:
        _out(f"no spec in {spec_dir} yet: {len(new)} operations will be added")
    if args.dry_run:
        _out(f"dry run: would write {target} and re-render the stubs")
        return EXIT_OK
    spec_dir.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    _out(f"wrote {target} ({len(new)} operations, info.version {new.version}, sha256 {new.fingerprint[:12]})")
    if args.no_stubs:
        return EXIT_OK
    from ._stubs import write_stubs

    for path in write_stubs(load_spec(target), Path(args.stubs_dir) if args.stubs_dir else _stub_root()):
        _out(f"wrote {path}")
    return EXIT_OK


# -- webhooks ----------------------------------------------------------------------------
def _webhook_secret(args: argparse.Namespace) -> str:
    """From the environment, or a hidden prompt: never a flag (it would land in shell history)."""
    secret = os.environ.get(WEBHOOK_SECRET_ENV)
    if not secret and args.prompt_secret:
        import getpass

        try:
            secret = getpass.getpass("Webhook secret: ")
        except EOFError:  # no terminal, and stdin (the body) is spent
            secret = ""
    if not secret:
        raise UsageError(f"no webhook secret: set ${WEBHOOK_SECRET_ENV} or pass --prompt-secret")
    return secret


def _webhooks(args: argparse.Namespace) -> Any:
    from ._webhooks import Webhooks

    spec = None if args.spec in (None, BUNDLED) else load_spec(args.spec)
    try:
        return Webhooks(_webhook_secret(args), spec=spec, tolerance=args.tolerance, validate=args.validate)
    except ValueError as exc:  # ConfigurationError: a bad option, never the secret's value
        raise UsageError(str(exc)) from None


def _delivery_headers(args: argparse.Namespace) -> dict[str, str]:
    headers: dict[str, str] = {}
    if args.headers_json:
        try:
            loaded = json.loads(Path(args.headers_json).read_text(encoding="utf-8"))
        except OSError as exc:
            raise UsageError(f"--headers-json {args.headers_json}: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise UsageError(f"--headers-json is not JSON: {exc.msg}") from None
        if not isinstance(loaded, Mapping) or not all(isinstance(v, str) for v in loaded.values()):
            raise UsageError("--headers-json must hold an object of header names to string values")
        headers.update({str(k).lower(): v for k, v in loaded.items()})
    for name, value in (("webhook-id", args.id), ("webhook-timestamp", args.timestamp)):
        if value is not None:
            headers[name] = value
    if args.signature:
        headers["webhook-signature"] = " ".join(args.signature)
    return headers


def _cmd_webhook_verify(args: argparse.Namespace) -> int:
    headers = _delivery_headers(args)
    body = sys.stdin.buffer.read()  # first: a prompt for the secret reads the terminal afterwards
    event = _webhooks(args).parse(body, headers)
    _out(
        json.dumps(
            {
                "type": event.type,
                "id": event.id,
                "timestamp": event.timestamp.isoformat(),
                "known": event.known,
                "payload": event.payload,
            },
            indent=2,
            ensure_ascii=False,
        )
    )
    return EXIT_OK


def _cmd_webhook_sign(args: argparse.Namespace) -> int:
    raw = sys.stdin.buffer.read()  # first: a prompt for the secret reads the terminal afterwards
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError("the payload on stdin is not UTF-8 text") from None
    stamp = None
    if args.timestamp is not None:
        if not args.timestamp.isdigit():
            raise UsageError(f"--timestamp {args.timestamp!r} is not Unix seconds")
        stamp = int(args.timestamp)
    _body, headers = _webhooks(args).sign(raw, id=args.id, timestamp=stamp)  # the body is ``raw`` as it came
    _out(json.dumps({"headers": headers, "body": text}, indent=2, ensure_ascii=False))
    return EXIT_OK


def _webhook_parsers(sub: Any, fmt: type[argparse.HelpFormatter]) -> None:
    hook = sub.add_parser(
        "webhook",
        help="verify or sign a webhook delivery (Standard Webhooks)",
        epilog=_epilog((EXIT_OK, EXIT_USAGE, EXIT_SPEC, EXIT_RESPONSE, EXIT_WEBHOOK), _SECRET_NOTE),
        formatter_class=fmt,
        description=_wrap(
            f"Verify and parse a webhook delivery against the spec's webhooks, or sign a payload for "
            f"tests. The secret comes from ${WEBHOOK_SECRET_ENV} or a hidden prompt (--prompt-secret), "
            "never from a flag."
        ),
    )
    hook_sub = hook.add_subparsers(dest="webhook_command", required=True, metavar="SUBCOMMAND", parser_class=_Parser)
    verify = hook_sub.add_parser(
        "verify",
        help="verify, parse and validate a delivery (body on stdin); print the event as JSON",
        epilog=_epilog((EXIT_OK, EXIT_USAGE, EXIT_SPEC, EXIT_RESPONSE, EXIT_WEBHOOK), _SECRET_NOTE),
        formatter_class=fmt,
        description=_wrap(
            "Read the raw body on stdin, check its signature and timestamp against the headers "
            "(--id, --timestamp, --signature, or --headers-json FILE), validate the payload against "
            "its event's schema and print the event as JSON. An event type the spec does not know "
            "is printed with known: false. Drift is warned about on stderr (exit 0)."
        ),
    )
    verify.add_argument("--id", metavar="ID", help="the webhook-id header")
    verify.add_argument("--timestamp", metavar="SECONDS", help="the webhook-timestamp header")
    verify.add_argument(
        "--signature", action="append", metavar="V1SIG", help="the webhook-signature header (repeatable)"
    )
    verify.add_argument("--headers-json", metavar="FILE", help="a JSON object of the delivery's headers")
    verify.add_argument(
        "--validate",
        choices=("strict", "compatible", "warn", "off"),
        default="compatible",
        help="check the payload against the spec (default: compatible)",
    )
    sign = hook_sub.add_parser(
        "sign",
        help="sign a payload (stdin) for tests; print its headers and body as JSON",
        epilog=_epilog(_SPEC_CODES, _SECRET_NOTE),
        formatter_class=fmt,
        description=_wrap(
            "Read a payload on stdin and print {headers, body} as JSON: the Standard Webhooks headers a "
            "sender would post with exactly that body. The payload is not validated."
        ),
    )
    sign.add_argument("--id", metavar="ID", help="the webhook-id (default: a fresh msg_...)")
    sign.add_argument("--timestamp", metavar="SECONDS", help="Unix seconds (default: now)")
    sign.set_defaults(func=_cmd_webhook_sign, validate="off")
    verify.set_defaults(func=_cmd_webhook_verify)
    for parser in (verify, sign):
        parser.add_argument(
            "--prompt-secret",
            action="store_true",
            help=f"ask for the webhook secret (hidden input) instead of reading ${WEBHOOK_SECRET_ENV}",
        )
        parser.add_argument(
            "--tolerance", type=float, default=300, metavar="SECONDS", help="timestamp tolerance (default: 300)"
        )
        parser.add_argument("--spec", metavar="FILE|URL", default=None, help="the spec (default: the bundled one)")


# -- parser ------------------------------------------------------------------------------
class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=78)


def _spec_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--spec",
        metavar="FILE|URL",
        default=None,
        help="the spec to use (JSON or YAML file, or an http(s) URL); default: the bundled spec",
    )
    parser.add_argument("--tag", action="append", metavar="TAG", help="keep only operations with this tag (repeatable)")


def _webhook_choice(parser: argparse.ArgumentParser, default: str = "") -> None:
    parser.add_argument(
        "--webhook-prefix",
        action="append",
        metavar="PREFIX",
        help=f"keep the webhooks whose name starts with PREFIX, e.g. customer. (repeatable){default}",
    )
    parser.add_argument("--webhook", action="append", metavar="NAME", help=f"keep this webhook (repeatable){default}")


def build_parser() -> argparse.ArgumentParser:
    fmt = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog="dynclient",
        description=_wrap("A client built at run time from an OpenAPI spec."),
        epilog=EPILOG,
        formatter_class=fmt,
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    ops = sub.add_parser(
        "ops",
        help="list the operations (name, method, path, summary)",
        epilog=_epilog(_SPEC_CODES),
        formatter_class=fmt,
        description=_wrap("List the spec's operations."),
    )
    _spec_options(ops)
    ops.add_argument("--json", action="store_true", help="print JSON instead of a table")
    ops.set_defaults(func=_cmd_ops)

    desc = sub.add_parser(
        "describe",
        help="show one operation: parameters, body, responses, scopes",
        epilog=_epilog(_SPEC_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Describe one operation: its parameters (location, type, required, "
            "default), its body outline, its responses and the scopes it needs."
        ),
    )
    desc.add_argument("operation", metavar="OP", help="operation name (or operationId)")
    _spec_options(desc)
    desc.set_defaults(func=_cmd_describe)

    call = sub.add_parser(
        "call",
        help="call one operation and print its result",
        epilog=_epilog(_CALL_CODES, _WARNINGS_NOTE, _TOKEN_NOTE),
        formatter_class=fmt,
        description=_wrap(
            "Call one operation. The JSON result goes to stdout (text results such as CSV as they "
            "come); errors go to stderr with the exit codes below. Values are parsed per the "
            "parameter's schema: --param limit=5 is an integer, repeating --param sorting=a "
            "--param sorting=b makes a list, --param metadata.plan=pro fills a deepObject, and "
            "--param name:=JSON passes a JSON value as is."
        ),
    )
    call.add_argument("operation", metavar="OP", help="operation name (or operationId)")
    call.add_argument(
        "-p",
        "--param",
        action="append",
        metavar="NAME=VALUE",
        help="a parameter (repeatable; NAME.KEY=VALUE for deepObject, NAME:=JSON for JSON)",
    )
    call.add_argument("--body", metavar="JSON|@FILE", help="the request body: JSON text, @file, or @- for stdin")
    call.add_argument("--server", metavar="ID", help="server by id or description (e.g. sandbox); default: the first")
    call.add_argument("--base-url", metavar="URL", help="send to this base URL instead of the spec's server")
    call.add_argument(
        "--prompt-token",
        action="store_true",
        help=f"ask for the access token (hidden input) instead of reading ${TOKEN_ENV}",
    )
    call.add_argument(
        "--output",
        choices=("json", "csv"),
        default="json",
        help="how to print an object or a list of objects (a page's items) (default: json)",
    )
    call.add_argument(
        "--validate-responses",
        choices=VALIDATE_MODES,
        default="compatible",
        help="check the response against the spec: compatible (default) lets additive drift through with "
        "a warning (a new enum value, an unknown kind, an extra field) and fails on anything else; strict "
        "fails on drift too; warn only warns; off does not check",
    )
    call.add_argument(
        "--api-version",
        default="spec",
        metavar="VERSION",
        help="the API version to send: spec (default: the spec's dated info.version), a version such as "
        "2026-10, or none",
    )
    call.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="per-phase bound: connecting, each read, each write and the wait for a pooled connection "
        "may each take this long (not the whole call: see --deadline) (default: 10 s to connect, 30 s otherwise)",
    )
    call.add_argument(
        "--deadline",
        type=float,
        metavar="SECONDS",
        help="overall bound of the call: connecting, sending, receiving and every retry and wait between "
        "attempts end within it, or the call fails (exit 7) (default: none)",
    )
    _spec_options(call)
    call.set_defaults(func=_cmd_call)

    stubs = sub.add_parser(
        "stubs",
        help="render the typed stubs (.pyi) for a spec",
        epilog=_epilog(_CHECK_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Render dynclient/__init__.pyi and dynclient/schemas.pyi for a spec into --out DIR, "
            "or check that the stubs there are current."
        ),
    )
    _spec_options(stubs)
    stubs.add_argument(
        "--out",
        metavar="DIR",
        help="write DIR/dynclient/__init__.pyi and DIR/dynclient/schemas.pyi (required, except with --check)",
    )
    stubs.add_argument(
        "--check",
        action="store_true",
        help="only check the stubs in --out (default: the installed package's) are current (exit 1 if not)",
    )
    stubs.set_defaults(func=_cmd_stubs)

    spec = sub.add_parser(
        "spec",
        help="work with spec documents: extract, diff, update, check",
        epilog=_epilog(_CHECK_CODES),
        formatter_class=fmt,
        description=_wrap("Work with spec documents."),
    )
    spec_sub = spec.add_subparsers(dest="spec_command", required=True, metavar="SUBCOMMAND", parser_class=_Parser)
    ex = spec_sub.add_parser(
        "extract",
        help="cut a spec down to the operations with some tags",
        epilog=_epilog(_SPEC_CODES),
        formatter_class=fmt,
        description=_wrap("Print SOURCE cut down to the operations with one of the tags (and the webhooks chosen)."),
    )
    ex.add_argument("source", help="spec file (JSON or YAML)")
    ex.add_argument("--tag", action="append", required=True, help="tag to keep (repeatable)")
    _webhook_choice(ex)
    ex.set_defaults(func=_cmd_spec_extract)

    df = spec_sub.add_parser(
        "diff",
        help="compare two specs; each change breaking or not",
        epilog=_epilog(_CHECK_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Compare OLD and NEW as a client sees them: operations, parameters, request bodies, "
            f"responses, security scopes. OLD or NEW may be {BUNDLED} for the bundled spec."
        ),
    )
    df.add_argument("old", metavar="OLD", help=f"old spec: file, URL or {BUNDLED}")
    df.add_argument("new", metavar="NEW", help=f"new spec: file, URL or {BUNDLED}")
    df.add_argument("--tag", action="append", metavar="TAG", help="compare only operations with this tag")
    df.add_argument(
        "--webhook-prefix",
        action="append",
        metavar="PREFIX",
        help="compare only the webhooks whose name starts with PREFIX (default: all, or none with --tag)",
    )
    df.add_argument("--json", action="store_true", help="print JSON for machines")
    df.add_argument(
        "--fail-on",
        choices=("breaking", "any", "never"),
        default="never",
        help="exit 1 when there are breaking changes (or any change) (default: never)",
    )
    df.add_argument(
        "--max-operations",
        type=int,
        default=6,
        metavar="N",
        help="operations listed per change in the text output (default: 6)",
    )
    df.set_defaults(func=_cmd_spec_diff)

    up = spec_sub.add_parser(
        "update",
        help="re-cut the bundled spec from a new source, show the diff, re-render the stubs",
        epilog=_epilog(_CHECK_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Re-cut SOURCE to the tag(s), show the diff against the current bundled spec, write the "
            "spec into the specs directory and re-render the stubs, in one command."
        ),
    )
    up.add_argument("source", metavar="SOURCE", help="the provider's full spec: file or URL")
    up.add_argument(
        "--tag",
        action="append",
        metavar="TAG",
        help="tag to keep (repeatable; default: the current cut's, else customers)",
    )
    _webhook_choice(up, " (default: the current cut's choice)")
    up.add_argument("--spec-dir", metavar="DIR", help="where the bundled spec lives (default: the package's)")
    up.add_argument("--stubs-dir", metavar="DIR", help="directory holding the dynclient package, for the stubs")
    up.add_argument("--no-stubs", action="store_true", help="do not re-render the stubs")
    up.add_argument("--dry-run", action="store_true", help="show the diff, write nothing")
    up.add_argument(
        "--fail-on",
        choices=("breaking", "any", "never"),
        default="never",
        help="refuse to update (exit 1) when the diff has breaking changes (or any)",
    )
    up.add_argument("--max-operations", type=int, default=6, metavar="N", help=argparse.SUPPRESS)
    up.set_defaults(func=_cmd_spec_update)

    ck = spec_sub.add_parser(
        "check",
        help="full structural check with openapi-spec-validator (pip install 'dynclient[check]')",
        epilog=_epilog(_CHECK_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Check FILE against the OpenAPI schema (openapi-spec-validator, an optional dependency: "
            "pip install 'dynclient[check]'), then load it as dynclient would."
        ),
    )
    ck.add_argument("file", metavar="FILE", help="spec file (JSON or YAML) or URL")
    ck.add_argument("--tag", action="append", metavar="TAG", help="load only operations with this tag")
    ck.add_argument("--max-errors", type=int, default=50, metavar="N", help="stop after N problems (default: 50)")
    ck.set_defaults(func=_cmd_spec_check)
    _webhook_parsers(sub, fmt)

    fake = sub.add_parser(
        "fake",
        help="a stateful fake of the API, built from the spec (for tests, curl, other languages)",
        epilog=_epilog(_SPEC_CODES),
        formatter_class=fmt,
        description=_wrap("A stateful fake of the spec's API (dynclient.testing.FakeAPI); see docs/testing.md."),
    )
    fake_sub = fake.add_subparsers(dest="fake_command", required=True, metavar="SUBCOMMAND", parser_class=_Parser)
    serve = fake_sub.add_parser(
        "serve",
        help="serve the fake over HTTP on 127.0.0.1 until interrupted",
        epilog=_epilog(_SPEC_CODES),
        formatter_class=fmt,
        description=_wrap(
            "Serve the fake on http://127.0.0.1:PORT (the loopback interface only) until Ctrl-C or SIGTERM. "
            "The first line on stdout names the URL; one line per request goes to stderr."
        ),
    )
    _spec_options(serve)
    serve.add_argument("--port", type=int, default=8010, metavar="N", help="port (0: a free one) (default: 8010)")
    serve.add_argument("--seed", default="0", help="seed for generated values (default: 0)")
    serve.add_argument(
        "--api-version",
        action="append",
        metavar="V",
        help="an accepted API version (repeatable; the first is the default)",
    )
    serve.add_argument("--unique", action="append", metavar="FIELD", help="one more unique property (repeatable)")
    serve.add_argument("--quiet", action="store_true", help="no line per request on stderr")
    serve.set_defaults(func=_cmd_fake_serve)
    return parser


def _cmd_fake_serve(args: argparse.Namespace) -> int:
    from ._fake.cli import serve

    return serve(_load(args), args)


_ERRORS: tuple[tuple[type[BaseException], int], ...] = (
    (UsageError, EXIT_USAGE),
    (ConfigurationError, EXIT_USAGE),  # a bad option or secret: the caller's mistake
    (SpecError, EXIT_SPEC),
    (RequestValidationError, EXIT_REQUEST),
    (ApiVersionError, EXIT_API_VERSION),
    (APIError, EXIT_API),
    (ResponseValidationError, EXIT_RESPONSE),
    (ResponseTooLargeError, EXIT_RESPONSE),
    (TransportError, EXIT_TRANSPORT),
    (WebhookVerificationError, EXIT_WEBHOOK),
    (WebhookPayloadError, EXIT_RESPONSE),
    (DynclientError, EXIT_FAILED),
)


def _report(exc: BaseException) -> None:
    print(f"dynclient: {scrub(str(exc))}", file=sys.stderr)
    if isinstance(exc, APIError) and exc.text:
        print(clip(exc.text, 4000), file=sys.stderr)  # scrubbed, then cut


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return int(func(args))
    except KeyboardInterrupt:
        print("dynclient: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        for cls, code in _ERRORS:
            if isinstance(exc, cls):
                _report(exc)
                return code
        raise
