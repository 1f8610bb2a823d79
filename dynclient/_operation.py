"""Per-operation work done once (parameter table, path template, validators) and per-call
work kept small: check arguments, one validation, string building; then decoding the answer.

This module is sans-IO: it turns arguments into request parts and an ``httpx.Response``
into a result or an exception. The sync and async clients share it whole.
"""

from __future__ import annotations

import difflib
import inspect
import json
import re
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Literal

import httpx

from ._build import identifier
from ._describe import operation_doc, operation_signature
from ._errors import (
    APIError,
    FieldError,
    RequestValidationError,
    ResponseValidationError,
    spec_error_class,
    status_error_class,
)
from ._ir import ApiSpec, Operation, Parameter, Response
from ._limits import too_deep, too_deep_arguments, unparsable
from ._serialize import form_body, json_body, path_value, query_pairs, scalar, simple_value
from ._validation import Compiled, Engine, SchemaEngine

__all__ = [
    "ErrorClasses",
    "PreparedOperation",
    "RequestParts",
    "SpecRuntime",
    "ValidateMode",
    "make_error_classes",
    "runtime_for",
]

ValidateMode = Literal["strict", "warn", "off"]
_JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b", re.I)


@dataclass(frozen=True)
class RequestParts:
    """What one call sends: method, path (encoded), query pairs, headers, body bytes."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    content: bytes | None


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
        name = identifier(title)
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
        self._path_pieces: list[tuple[str, str | None]] = []
        pos = 0
        for m in re.finditer(r"{([^{}]+)}", op.path):
            self._path_pieces.append((op.path[pos : m.start()], m.group(1)))
            pos = m.end()
        self._path_tail = op.path[pos:]
        self._input: Compiled | None = None
        self._responses: dict[str, Compiled] = {}
        body = op.request_body
        self._body_json = body is not None and bool(_JSON_MEDIA.match(body.media_type))
        # an operation answering with something other than JSON (e.g. text/csv) must say so in
        # Accept, or a content-negotiating server answers 406; JSON-only ones keep the default
        media = list(dict.fromkeys(r.media_type for r in op.responses if r.media_type))
        self._accept = ", ".join(media) if any(not _JSON_MEDIA.match(m) for m in media) else None

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
        """Arguments with ``None`` dropped, or RequestValidationError naming every bad field."""
        errors: list[FieldError] = []
        values: dict[str, Any] = {}
        for name, value in arguments.items():
            if name not in self._location:
                hint = difflib.get_close_matches(name, self.argument_names, n=1)
                suggestion = f" (did you mean {hint[0]!r}?)" if hint else ""
                accepted = ", ".join(self.argument_names) or "none"
                errors.append(
                    FieldError(
                        f"argument.{name}",
                        f"unknown argument{suggestion}; {self.op.name} accepts: {accepted}",
                        "unknown",
                    )
                )
            elif value is not None:
                values[name] = value
        if deep := too_deep_arguments(values, self._location):  # before any recursive code sees them
            raise RequestValidationError(self.op.name, errors + deep)
        for name in sorted(self._required - values.keys()):
            where = self._location[name]
            loc = "body" if where == "body" else f"{where}.{name}"
            errors.append(FieldError(loc, "required argument is missing", "required"))
        for name, value in values.items():
            if self._location[name] == "path" and isinstance(value, str) and value == "":
                errors.append(FieldError(f"path.{name}", "must not be empty (it would change the path)", "path"))
            elif value == "" and name in self._no_empty:
                errors.append(
                    FieldError(f"query.{name}", "must not be empty (the spec does not set allowEmptyValue)", "empty")
                )
        if values:
            validator = self._input_validator()
            if not validator.is_valid(values):
                for fe in validator.errors(values):
                    head, _, rest = fe.location.partition(".")
                    head, bracket, idx = head.partition("[")
                    where = self._location.get(head, "argument")
                    loc = "body" if where == "body" else f"{where}.{head}"
                    tail = (bracket + idx if bracket else "") + ("." + rest if rest else "")
                    errors.append(FieldError(loc + tail, fe.message, fe.keyword))
        if errors:
            raise RequestValidationError(self.op.name, errors)
        return values

    def parts(self, arguments: Mapping[str, Any]) -> RequestParts:
        """Validate ``arguments`` and serialize them; nothing is sent from here."""
        values = self.check(arguments)
        path = (
            "".join(
                literal + (path_value(values[name], self._params[name].explode) if name else "")
                for literal, name in self._path_pieces
            )
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
                query.extend(query_pairs(name, p.style, value))
            elif p.location == "header":
                headers[name] = simple_value(value, p.explode)
            elif p.location == "cookie":
                cookies.append(f"{name}={scalar(value)}")
        if cookies:
            headers["Cookie"] = "; ".join(cookies)
        content = None
        if "body" in values:
            content = json_body(values["body"]) if self._body_json else form_body(values["body"])
            headers["Content-Type"] = self.op.request_body.media_type if self.op.request_body else "application/json"
        if self._accept is not None:
            headers["Accept"] = self._accept
        return RequestParts(self.op.http_method, path, query, headers, content)

    # -- outputs -------------------------------------------------------------------------
    def _response_validator(self, response: Response) -> Compiled | None:
        if response.schema is None:
            return None
        hit = self._responses.get(response.status)
        if hit is None:
            hit = self._runtime.engine.for_pointer(response.schema.pointer)
            self._responses[response.status] = hit
        return hit

    def decode(
        self, response: httpx.Response, mode: ValidateMode, attempts: int = 1
    ) -> tuple[Any, ResponseValidationError | None]:
        """The result for a successful response, or raise the APIError for an error status.

        Returns ``(value, problem)``: ``problem`` is the validation error that ``mode``
        ``"warn"`` reports instead of raising.
        """
        status = response.status_code
        declared = self.op.response_for(status)
        if status >= 400:
            raise self._api_error(response, declared, attempts)
        media = declared.media_type if declared is not None else None
        if media is not None and not _JSON_MEDIA.match(media):
            return response.text, None
        if status == 204 or not response.content:
            problem = None
            if declared is not None and declared.schema is not None and mode != "off":
                problem = ResponseValidationError(
                    self.op.name,
                    response,
                    [FieldError("body", "empty body, but the spec declares content", path=("body",))],
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
                [FieldError("body", unparsable(exc), path=("body",))],
                attempts=attempts,
            ) from None
        if (deep := too_deep(value, "body", parsed=True)) is not None:  # in every mode: a limit, not a verdict
            raise ResponseValidationError(self.op.name, response, [deep], attempts=attempts)
        if mode == "off":
            return value, None
        if declared is None:
            codes = ", ".join(r.status for r in self.op.responses)
            return value, ResponseValidationError(
                self.op.name,
                response,
                [FieldError("status", f"HTTP {status} is not declared (declared: {codes})", path=("status",))],
                body=value,
                attempts=attempts,
            )
        validator = self._response_validator(declared)
        if validator is not None and not validator.is_valid(value):
            return value, ResponseValidationError(
                self.op.name, response, validator.errors(value, "body"), body=value, attempts=attempts
            )
        return value, None

    def _api_error(self, response: httpx.Response, declared: Response | None, attempts: int) -> APIError:
        """The error for an error status, its class chosen by the status and by the body:
        the spec's class for the declared response only when the body is valid against
        its schema; otherwise the status class (``NotFoundError``, ...) or ``APIError``."""
        try:
            body: Any = json.loads(response.content) if response.content else None
        except (ValueError, RecursionError):
            body = None
        cls: type[APIError] = status_error_class(response.status_code)
        if declared is not None and declared.is_error and declared.schema_title and declared.schema is not None:
            spec_cls = getattr(self._runtime.errors, identifier(declared.schema_title), None)
            validator = self._response_validator(declared)
            if spec_cls is not None and validator is not None and validator.is_valid(body):
                cls = spec_cls
        return cls(self.op.name, response, body=body, attempts=attempts)


class SpecRuntime:
    """What every client built from one ApiSpec shares: schema engine, error classes, prepared ops."""

    def __init__(self, spec: ApiSpec, engine: Engine = "auto") -> None:
        self.spec = spec
        self.engine = SchemaEngine(spec.document, engine=engine)
        self.errors = make_error_classes(spec)
        self._prepared: dict[str, PreparedOperation] = {}
        self._described: dict[str, tuple[str, inspect.Signature]] = {}

    def described(self, op: Operation) -> tuple[str, inspect.Signature]:
        """Docstring and signature of ``op``'s group method, made once (with_options() is cheap)."""
        hit = self._described.get(op.name)
        if hit is None:
            doc = self.spec.document
            hit = self._described.setdefault(op.name, (operation_doc(doc, op), operation_signature(doc, op)))
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
