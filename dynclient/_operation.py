"""Per-operation work done once (parameter table, path template, validators) and per-call
work kept small: check arguments, one validation, string building; then decoding the answer.

This module is sans-IO: it turns arguments into request parts and an ``httpx.Response``
into a result or an exception. The sync and async clients share it whole.
"""

from __future__ import annotations

import difflib
import inspect
import json
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import quote

import httpx

from ._describe import operation_doc, operation_signature
from ._drift import DriftLedger, judge
from ._errors import (
    APIError,
    ApiVersionError,
    FieldError,
    RequestValidationError,
    ResponseValidationError,
    spec_error_class,
    status_error_class,
)
from ._ir import ApiSpec, Operation, Parameter, Response
from ._limits import too_deep, unparsable
from ._names import error_class_name
from ._schema.media import is_json
from ._schema.openapi import path_template
from ._serialize import (
    cookie_value_problem,
    form_body,
    header_value_problem,
    json_body,
    path_value,
    query_pairs,
    scalar,
    simple_value,
)
from ._validation import Compiled, Engine, SchemaEngine
from ._values import DEPTH_MESSAGE, Problem, to_json

__all__ = [
    "MAX_TARGET_LENGTH",
    "VALIDATE_MODES",
    "Contract",
    "Drift",
    "ErrorClasses",
    "PreparedOperation",
    "RequestParts",
    "SpecRuntime",
    "ValidateMode",
    "make_error_classes",
    "runtime_for",
]

ValidateMode = Literal["strict", "compatible", "warn", "off"]
#: The response-validation modes, the default first.
VALIDATE_MODES: tuple[ValidateMode, ...] = ("compatible", "strict", "warn", "off")
#: Characters the request target (path and query string, percent-encoded) may have: far above
#: what servers accept (8-16 KiB is usual) and below httpx's 64 KiB limit on a whole URL.
MAX_TARGET_LENGTH = 32 * 1024
# below this many raw characters, even a fully percent-encoded target (12 per character at
# most) stays under the limit: the per-call check is one sum
_URL_FAST_BOUND = MAX_TARGET_LENGTH // 12


@dataclass(frozen=True)
class RequestParts:
    """What one call sends: method, path (encoded), query pairs, headers, body bytes."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    content: bytes | None


@dataclass(frozen=True)
class Contract:
    """What decoding needs to know about the client that sent the request, made once per client.

    ``sent_version``: the API version the client sends (``None``: none); ``version_header``:
    the header that carries it (and the server's echo); ``spec_version``: the spec's
    ``info.version``; ``ledger``: the drift already reported, shared with ``with_options`` clones.
    """

    sent_version: str | None
    version_header: str
    spec_version: str
    ledger: DriftLedger


@dataclass(frozen=True)
class Drift:
    """Additive drift in an answer, new for this client: one error per place in the spec
    (``more[i]``: how many other places of the answer departed from the same one)."""

    operation: str
    errors: tuple[FieldError, ...]
    more: tuple[int, ...]


class ErrorClasses(SimpleNamespace):
    """``client.errors``: one ``APIError`` subclass per error-response schema title."""

    def __iter__(self) -> Any:
        return iter(vars(self).values())


def make_error_classes(spec: ApiSpec) -> ErrorClasses:
    """One class per error-response schema title, subclassing the status class of every
    status the title is declared under (``spec_error_class``)."""
    statuses: dict[str, dict[str, None]] = {}
    for op in spec.operations:
        for r in op.error_responses:
            if r.schema_title:
                statuses.setdefault(r.schema_title, {}).setdefault(r.status)
    classes: dict[str, type[APIError]] = {}
    for title in spec.error_titles:
        name = error_class_name(title)
        if name in classes:
            continue
        classes[name] = spec_error_class(name, title, tuple(statuses.get(title, ())))
    return ErrorClasses(**classes)


class PreparedOperation:
    """An operation with everything expensive precomputed; validators compile on first use."""

    def __init__(self, op: Operation, runtime: SpecRuntime) -> None:
        self.op = op
        self._runtime = runtime
        self._params: dict[str, Parameter] = {p.name: p for p in op.parameters}
        self.argument_names: tuple[str, ...] = tuple(self._params) + (("body",) if op.request_body is not None else ())
        self._required = frozenset(p.name for p in op.parameters if p.required) | (
            {"body"} if op.request_body is not None and op.request_body.required else set()
        )
        self._location: dict[str, str] = {p.name: p.location for p in op.parameters}
        if op.request_body is not None:
            self._location["body"] = "body"
        # OpenAPI: a query parameter may be sent empty (``?name=``) only with allowEmptyValue: true
        self._no_empty = frozenset(p.name for p in op.parameters if p.location == "query" and not p.allow_empty_value)
        # path template -> literal pieces and parameter names, split once
        self._path_pieces, self._path_tail = path_template(op.path)
        self._input: Compiled | None = None
        self._responses: dict[str, Compiled] = {}
        # per declared status: the engine's depth-bounded verdict (``_valid_and_bounded``)
        self._bounded: dict[str, Callable[[Any], bool] | None] = {}
        self._validated_once: set[str] = set()
        body = op.request_body
        self._body_json = body is not None and is_json(body.media_type)
        # an operation answering with something other than JSON (e.g. text/csv) must say so in
        # Accept, or a content-negotiating server answers 406; JSON-only ones keep the default
        media = list(dict.fromkeys(r.media_type for r in op.responses if r.media_type))
        self._accept = ", ".join(media) if any(not is_json(m) for m in media) else None

    # -- inputs --------------------------------------------------------------------------
    def _input_validator(self) -> Compiled:
        if self._input is None:
            engine = self._runtime.engine
            props: dict[str, Any] = {p.name: engine.ref(p.schema.pointer) for p in self.op.parameters}
            body = self.op.request_body
            if body is not None and body.schema is not None:
                props["body"] = engine.ref(body.schema.pointer)
            self._input = engine.compile({"type": "object", "properties": props}, key=f"{self.op.pointer}#input")
        return self._input

    def check(self, arguments: Mapping[str, Any]) -> dict[str, Any]:
        """Arguments converted to plain JSON (``_values``) with ``None`` dropped, validated;
        or RequestValidationError naming every bad field. What this returns is what is sent."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        problems: list[Problem] = []
        inexact: list[tuple[str | int, ...]] = []  # floats beyond 2**53: integers or not? see below
        for name, value in arguments.items():
            where = self._location.get(name)
            if where is None:
                hint = difflib.get_close_matches(name, self.argument_names, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                accepted = ", ".join(self.argument_names) or "none"
                message = f"unknown argument{suggestion}; {self.op.name} accepts: {accepted}"
                errors.append(FieldError.at(("argument", name), message, "unknown"))
                continue
            if value is None:
                continue
            marks = len(inexact)
            converted = to_json(value, problems, (name,), inexact)
            if problems:
                errors.extend(
                    self._field_error(name, path[1:], message, "depth" if message == DEPTH_MESSAGE else "json")
                    for path, message in problems
                )
                problems.clear()
                del inexact[marks:]  # the argument is refused as a whole
                continue
            values[name] = converted
        for name in sorted(self._required - values.keys()):
            prefix = ("body",) if name == "body" else (self._location[name], name)
            if any(e.path[: len(prefix)] == prefix for e in errors):
                continue  # given, but not convertible: already reported
            errors.append(self._field_error(name, (), "required argument is missing", "required"))
        for name, value in values.items():
            if self._location[name] == "path" and value == "":
                errors.append(self._field_error(name, (), "must not be empty (it would change the path)", "path"))
            elif value == "" and name in self._no_empty:
                errors.append(
                    self._field_error(name, (), "must not be empty (the spec does not set allowEmptyValue)", "empty")
                )
        if values:
            validator = self._input_validator()
            if not validator.is_valid(values):
                for fe in validator.errors(values):
                    head = fe.path[0] if fe.path else None
                    if not isinstance(head, str) or head not in self._location:
                        errors.append(FieldError.at(("argument",), fe.message, fe.keyword))
                    else:
                        errors.append(self._field_error(head, fe.path[1:], fe.message, fe.keyword))
            if inexact:
                errors.extend(self._inexact_integers(values, inexact))
        if errors:
            raise RequestValidationError(self.op.name, errors)
        return values

    def _inexact_integers(self, values: dict[str, Any], inexact: list[tuple[str | int, ...]]) -> list[FieldError]:
        """Errors for the integer-valued floats beyond 2**53 that the schema takes as integers.

        Such a float validates as an integer, but it is not the integer it looks like
        (``1e300``). Where the schema would also take a non-integer number there, it is a
        number and is sent as it is; where only an integer fits, it is refused. Asked by
        validating once more with a probe (0.5) in each such place and looking for a type error.
        """
        probe: Any = values
        for path in inexact:
            probe = _replaced(probe, path, 0.5)
        marked = {tuple(p) for p in inexact}
        out = []
        for fe in self._input_validator().errors(probe):
            if fe.keyword == "type" and fe.path in marked:
                name, *rest = fe.path
                out.append(
                    self._field_error(
                        str(name),
                        tuple(rest),
                        "a float beyond 2**53 where the spec wants an integer: it is not the integer it looks "
                        "like (pass an int)",
                        "type",
                    )
                )
        return out

    def _field_error(self, name: str, path: tuple[str | int, ...], message: str, keyword: str) -> FieldError:
        """A FieldError at ``path`` inside argument ``name`` (``query.limit``, ``body.items[2].id``)."""
        where = self._location[name]
        return FieldError.at(("body", *path) if where == "body" else (where, name, *path), message, keyword)

    def parts(self, arguments: Mapping[str, Any]) -> RequestParts:
        """Validate ``arguments`` and serialize them; nothing is sent from here.

        Header and cookie values are checked as serialized (no CR, LF, NUL or other
        character a header cannot carry; cookies RFC 6265 cookie-octets only), and the
        request target must stay under ``MAX_TARGET_LENGTH`` once encoded.
        """
        values = self.check(arguments)
        errors: list[FieldError] = []
        path = (
            "".join(literal + self._serialized(name, values[name], errors) for literal, name in self._path_pieces)
            + self._path_tail
        )
        query: list[tuple[str, str]] = []
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in values.items():
            if name == "body":
                continue
            p = self._params[name]
            if p.location == "query":
                try:
                    query.extend(query_pairs(name, p.style, value))
                except (TypeError, ValueError) as exc:  # nested values the style cannot carry
                    errors.append(self._style_error(name, exc))
            elif p.location == "header":
                text = self._serialized(name, value, errors)
                problem = header_value_problem(text)
                if problem is not None:
                    errors.append(self._field_error(name, (), problem, "header"))
                headers[name] = text
            elif p.location == "cookie":
                if isinstance(value, dict | list):
                    errors.append(
                        self._field_error(name, (), "a cookie carries one string, number or boolean", "cookie")
                    )
                    continue
                text = scalar(value)
                problem = cookie_value_problem(text)
                if problem is not None:
                    errors.append(self._field_error(name, (), problem, "cookie"))
                cookies.append(f"{name}={text}")
        if len(path) + sum(len(k) + len(v) + 2 for k, v in query) > _URL_FAST_BOUND:
            self._check_target_length(values, path, query, errors)
        content = None
        if "body" in values:
            if self._body_json:
                content = json_body(values["body"])  # plain JSON, depth-bounded: cannot fail
            else:
                try:
                    content = form_body(values["body"])
                except (TypeError, ValueError) as exc:
                    errors.append(self._field_error("body", (), f"cannot be form-encoded: {exc}", "style"))
            headers["Content-Type"] = self.op.request_body.media_type if self.op.request_body else "application/json"
        if errors:
            raise RequestValidationError(self.op.name, errors)
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        if self._accept is not None:
            headers["Accept"] = self._accept
        return RequestParts(self.op.http_method, path, query, headers, content)

    def _serialized(self, name: str, value: Any, errors: list[FieldError]) -> str:
        """``value`` of path or header parameter ``name`` in its style."""
        p = self._params[name]
        try:
            return path_value(value, p.explode) if p.location == "path" else simple_value(value, p.explode)
        except (TypeError, ValueError) as exc:  # nested values the style cannot carry
            errors.append(self._style_error(name, exc))
            return ""

    def _style_error(self, name: str, exc: Exception) -> FieldError:
        p = self._params[name]
        return self._field_error(name, (), f"cannot be serialized ({p.location}, {p.style}): {exc}", "style")

    def _check_target_length(
        self, values: Mapping[str, Any], path: str, query: list[tuple[str, str]], errors: list[FieldError]
    ) -> None:
        """An error when the encoded path and query exceed ``MAX_TARGET_LENGTH``, naming the
        argument that contributes most (an upper bound: every character percent-encoded)."""
        total = len(path) + sum(len(quote(k, safe="")) + len(quote(v, safe="")) + 2 for k, v in query)
        if total <= MAX_TARGET_LENGTH:
            return
        sizes: dict[str, int] = {}
        for name, value in values.items():
            p = self._params.get(name)
            if p is None or p.location not in ("query", "path"):
                continue
            if p.location == "path":
                sizes[name] = len(path_value(value, p.explode))
            else:
                pairs = query_pairs(name, p.style, value)
                sizes[name] = sum(len(quote(k, safe="")) + len(quote(v, safe="")) + 2 for k, v in pairs)
        culprit = max(sizes, key=lambda n: sizes[n])
        errors.append(
            self._field_error(
                culprit,
                (),
                f"makes the request's path and query {total:,} characters long once encoded "
                f"(the limit is {MAX_TARGET_LENGTH:,})",
                "length",
            )
        )

    # -- outputs -------------------------------------------------------------------------
    def _response_validator(self, response: Response) -> Compiled | None:
        if response.schema is None:
            return None
        hit = self._responses.get(response.status)
        if hit is None:
            hit = self._runtime.engine.for_pointer(response.schema.pointer)
            self._responses[response.status] = hit
        return hit

    def _valid_and_bounded(self, response: Response, value: Any) -> bool:
        """True when ``value`` is valid for ``response`` and nested within the data-depth limit,
        by the engine's depth-bounded verdict (``SchemaEngine.bounded``); False: not known, the
        caller measures and validates the usual way. The verdict is made on a schema's second
        validation: a process that validates it once pays the walk (~0.1 ms a page), not the
        one-time cost of the bounded copy (~13 ms for the bundled spec, ~150 ms for Polar's whole spec)."""
        if response.schema is None:
            return False
        status = response.status
        verdict = self._bounded.get(status)
        if verdict is None:
            if status in self._bounded:
                return False  # none for this schema
            if status not in self._validated_once:
                self._validated_once.add(status)
                return False
            verdict = self._bounded[status] = self._runtime.engine.bounded(response.schema.pointer)
            if verdict is None:
                return False
        try:
            return verdict(value)
        except (ValueError, TypeError):  # e.g. NaN, which json.loads reads: the usual way decides
            return False

    def _declared(self, status: int) -> Response | None:
        """The declared response for a non-error status: exact or ``2XX``/``3XX``; ``default``
        only for a 2xx of an operation that declares no 2xx at all (then it is the success)."""
        declared = self.op.response_for(status)
        if declared is None or declared.status != "default":
            return declared
        if status < 300 and not any(r.status[:1] == "2" for r in self.op.responses):
            return declared
        return None

    def decode(
        self, response: httpx.Response, mode: ValidateMode, attempts: int = 1, *, contract: Contract | None = None
    ) -> tuple[Any, ResponseValidationError | Drift | None]:
        """The result for a successful response, or raise the APIError for an error status.

        Returns ``(value, problem)``: ``problem`` is the validation error that modes ``"warn"``
        (and ``"compatible"``/``"strict"``, which raise it) report, or the new additive
        ``Drift`` that mode ``"compatible"`` reports once and lets through. A status the
        operation does not declare is never success: a 3xx raises (redirects are not
        followed), an undeclared 2xx is a validation problem.
        """
        status = response.status_code
        if status >= 400:
            raise self._api_error(response, self.op.response_for(status), attempts, contract)
        declared = self._declared(status)
        if declared is None and status >= 300:
            raise self._api_error(response, None, attempts, contract)
        media = declared.media_type if declared is not None else None
        if media is not None and not is_json(media):
            return response.text, None
        if declared is None and mode != "off":
            codes = ", ".join(r.status for r in self.op.responses)
            parsed = _parsed_or_none(response)
            return parsed, ResponseValidationError(
                self.op.name,
                response,
                [FieldError.at(("status",), f"HTTP {status} is not declared (declared: {codes})")],
                body=parsed,
                attempts=attempts,
            )
        if status == 204 or not response.content:
            problem = None
            if declared is not None and declared.schema is not None and mode != "off":
                problem = ResponseValidationError(
                    self.op.name,
                    response,
                    [FieldError.at(("body",), "empty body, but the spec declares content")],
                    text="",
                    attempts=attempts,
                )
            return None, problem
        try:
            value = json.loads(response.content)
        except (ValueError, RecursionError) as exc:
            raise ResponseValidationError(
                self.op.name,
                response,
                [FieldError.at(("body",), unparsable(exc))],
                attempts=attempts,
            ) from None
        if mode != "off" and declared is not None and self._valid_and_bounded(declared, value):
            return value, None  # the verdict and the depth limit in one walk, in Rust
        if (deep := too_deep(value, "body", parsed=True)) is not None:  # in every mode: a limit, not a verdict
            raise ResponseValidationError(self.op.name, response, [deep], attempts=attempts)
        if mode == "off" or declared is None:
            return value, None
        validator = self._response_validator(declared)
        if validator is None or validator.is_valid(value):
            return value, None
        if mode != "compatible":
            return value, ResponseValidationError(
                self.op.name, response, validator.errors(value, "body"), body=value, attempts=attempts
            )
        ledger = contract.ledger if contract is not None else DriftLedger()
        verdict = judge(validator, value, "body", known=ledger.known(self.op.name))
        if verdict.violations:
            return value, ResponseValidationError(
                self.op.name, response, verdict.violations, body=value, attempts=attempts
            )
        fresh: dict[str, FieldError] = {}
        count: dict[str, int] = {}
        for key, error in zip(verdict.keys, verdict.drift, strict=True):
            count[key] = count.get(key, 0) + 1
            if key not in fresh and ledger.claim(self.op.name, key):
                fresh[key] = error
        ledger.note(self.op.name, verdict.seen)
        if not fresh:
            return value, None
        return value, Drift(self.op.name, tuple(fresh.values()), tuple(count[k] - 1 for k in fresh))

    def _api_error(
        self, response: httpx.Response, declared: Response | None, attempts: int, contract: Contract | None = None
    ) -> APIError:
        """The error for an error status (or an undeclared 3xx), its class chosen by the status
        and by the body: the spec's class for the declared response only when the body is
        valid against its schema; otherwise the status class (``NotFoundError``, ...) or
        ``APIError``. A 404 without the version echo, to a client that sent a version, whose
        body is not the declared 404 body, is the server refusing the version: ``ApiVersionError``.
        A body nested past the data-depth limit is not kept parsed (``.body`` is None, ``.text`` has it)."""
        body = _parsed_or_none(response)
        status = response.status_code
        cls: type[APIError] = status_error_class(status)
        matches = False
        if declared is not None and declared.is_error and declared.schema is not None:
            validator = self._response_validator(declared)
            matches = validator is not None and validator.is_valid(body)
            title = declared.schema_title
            spec_cls = getattr(self._runtime.errors, error_class_name(title), None) if title else None
            if matches and spec_cls is not None:
                cls = spec_cls
        if (
            status == 404
            and contract is not None
            and contract.sent_version is not None
            and contract.version_header not in response.headers
            and not (matches and declared is not None and declared.status in ("404", "4XX"))
        ):
            error = ApiVersionError(self.op.name, response, body=body, attempts=attempts)
            error.sent_version = contract.sent_version
            error.spec_version = contract.spec_version
            error.version_header = contract.version_header
            return error
        return cls(self.op.name, response, body=body, attempts=attempts)


def _parsed_or_none(response: httpx.Response) -> Any:
    """The body as JSON, or None when it is not JSON or nests past ``_limits.MAX_DATA_DEPTH``."""
    try:
        body = json.loads(response.content) if response.content else None
    except (ValueError, RecursionError):
        return None
    return None if too_deep(body, parsed=True) is not None else body


def _replaced(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    """``value`` with the place at ``path`` set to ``new``; containers on the way copied."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {**value, head: _replaced(value[head], rest, new)}
    copy = list(value)
    copy[int(head)] = _replaced(copy[int(head)], rest, new)
    return copy


class SpecRuntime:
    """What every client built from one ApiSpec shares: schema engine, error classes, prepared ops."""

    def __init__(self, spec: ApiSpec, engine: Engine = "auto") -> None:
        self.spec = spec
        self.engine = SchemaEngine(spec.document, engine=engine)
        self.errors = make_error_classes(spec)
        self._prepared: dict[str, PreparedOperation] = {}
        self._described: dict[str, tuple[str, inspect.Signature]] = {}

    def described(self, op: Operation) -> tuple[str, inspect.Signature]:
        """Docstring and signature of ``op``'s group method, made once (with_options() is cheap);
        the signature's types are worked out when first shown (``_describe``)."""
        hit = self._described.get(op.name)
        if hit is None:
            doc = operation_doc(self.spec.document, op)
            hit = self._described.setdefault(op.name, (doc, operation_signature(self.spec, op)))
        return hit

    def prepared(self, name: str) -> PreparedOperation:
        hit = self._prepared.get(name)
        if hit is None:
            hit = self._prepared.setdefault(name, PreparedOperation(self.spec[name], self))
        return hit


_RUNTIMES: weakref.WeakKeyDictionary[ApiSpec, dict[str, SpecRuntime]] = weakref.WeakKeyDictionary()


def runtime_for(spec: ApiSpec, engine: Engine = "auto") -> SpecRuntime:
    """The shared runtime of ``spec`` (one per spec object and engine)."""
    per_spec = _RUNTIMES.setdefault(spec, {})
    hit = per_spec.get(engine)
    if hit is None:
        hit = per_spec.setdefault(engine, SpecRuntime(spec, engine))
    return hit
