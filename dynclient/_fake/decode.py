"""Routing, and a request decoded back into the arguments a caller passed, then validated.

The inverse of ``_serialize``: path segments are percent-decoded, the query string is read
per parameter style (``form`` with repeated keys or, unexploded, commas; ``deepObject`` as
``name[key]``), and each value is parsed per its schema as the CLI parses ``--param`` words
(one rule: ``_schema.values``: integer, number, boolean, string, list). A value that does
not parse is kept as text, so the schema check explains it.

Validation uses the runtime's schema engine, one compiled validator per operation covering
every location: ``{"path": {...}, "query": {...}, "header": {...}, "cookie": {...}, "body": ...}``,
so each error's path is already the server's ``loc`` (``["query", "limit"]``,
``["body", "billing_address", "country"]``). Errors become FastAPI-style entries
``{"type", "loc", "msg", "input"}``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote

import httpx

from .._errors import FieldError
from .._ir import ApiSpec, Operation, Parameter
from .._schema.media import is_json
from .._schema.openapi import path_template
from .._schema.values import WordError, member_schema, words_value
from .._serialize import comma_separated, cookie_values, deep_object_entries
from .._validation import Compiled, SchemaEngine
from .schema import json_types

__all__ = ["Decoded", "OperationDecoder", "Router", "detail_entry"]

_LOCATIONS = ("path", "query", "header", "cookie")


@dataclass(frozen=True)
class Route:
    regex: re.Pattern[str]
    template: str
    names: tuple[str, ...]
    methods: Mapping[str, Operation]


class Router:
    """Request path -> operation: literal segments win over parameters, as in real routers.

    A path that differs from a declared one only by its trailing ``/`` is redirected to it
    (307, as FastAPI does), never answered as if it were declared."""

    def __init__(self, spec: ApiSpec, prefix: str = "") -> None:
        self.prefix = prefix.rstrip("/")
        by_path: dict[str, dict[str, Operation]] = {}
        for op in spec.operations:
            by_path.setdefault(op.path, {})[op.http_method] = op
        routes: list[tuple[tuple[int, int], Route]] = []
        for template, methods in by_path.items():
            pieces, tail = path_template(template.rstrip("/"))
            names = [name for _, name in pieces]
            pattern = "".join(re.escape(literal) + "([^/]+)" for literal, _ in pieces)
            pattern += re.escape(tail) + ("/" if template.endswith("/") else "")
            literal = len(re.sub(r"{[^{}]+}", "", template))
            routes.append(((len(names), -literal), Route(re.compile(pattern), template, tuple(names), methods)))
        self._routes = [r for _, r in sorted(routes, key=lambda item: item[0])]

    def match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | tuple[None, list[str]]:
        """The operation and its (decoded) path values; or ``(None, allowed methods)``."""
        if self.prefix and raw_path.startswith(self.prefix + "/"):
            raw_path = raw_path[len(self.prefix) :]
        return self._match(method, raw_path)

    def redirect(self, method: str, raw_path: str) -> str | None:
        """The declared path ``raw_path`` means with its trailing ``/`` added or removed, if any."""
        other = raw_path[:-1] if raw_path.endswith("/") else raw_path + "/"
        op, _ = self.match(method, other)
        return other if op is not None else None

    def _match(self, method: str, raw_path: str) -> tuple[Operation, dict[str, str]] | tuple[None, list[str]]:
        allowed: list[str] = []
        for route in self._routes:
            m = route.regex.fullmatch(raw_path)
            if m is None:
                continue
            op = route.methods.get(method.upper())
            if op is None:
                allowed = allowed or sorted(route.methods)
                continue
            return op, {name: unquote(value) for name, value in zip(route.names, m.groups(), strict=True)}
        return None, allowed


@dataclass(frozen=True)
class Decoded:
    """The call as its caller wrote it (``arguments``) and what is wrong with it (``errors``)."""

    arguments: dict[str, Any]
    errors: list[dict[str, Any]]


class OperationDecoder:
    """Decodes and validates the requests of one operation; its validator compiles on first use."""

    def __init__(self, spec: ApiSpec, op: Operation, engine: SchemaEngine) -> None:
        self._spec = spec
        self.op = op
        self._engine = engine
        self._validator: Compiled | None = None
        self._by_location: dict[str, list[Parameter]] = {loc: [] for loc in _LOCATIONS}
        for p in op.parameters:
            self._by_location[p.location].append(p)
        self._arrays = {p.name for p in op.parameters if "array" in json_types(spec.document, p.schema.raw)}
        body = op.request_body
        self._body_json = body is not None and is_json(body.media_type)

    def validator(self) -> Compiled:
        if self._validator is None:
            props: dict[str, Any] = {}
            for loc in _LOCATIONS:
                params = self._by_location[loc]
                props[loc] = {
                    "type": "object",
                    "properties": {p.name: self._engine.ref(p.schema.pointer) for p in params},
                    "required": [p.name for p in params if p.required],
                }
            schema: dict[str, Any] = {"type": "object", "properties": props}
            body = self.op.request_body
            if body is not None:
                props["body"] = self._engine.ref(body.schema.pointer) if body.schema is not None else {}
                if body.required:
                    schema["required"] = ["body"]
            self._validator = self._engine.compile(schema, key=f"{self.op.pointer}#fake-request")
        return self._validator

    def decode(self, path_values: Mapping[str, str], request: httpx.Request) -> Decoded:
        located: dict[str, Any] = {loc: {} for loc in _LOCATIONS}
        query = request.url.query.decode("ascii", "replace")
        pairs = parse_qsl(query, keep_blank_values=True) if query else []
        cookies = cookie_values(request.headers.get("cookie", ""))
        for p in self.op.parameters:
            raws: list[str]
            if p.location == "path":
                raws = [path_values[p.name]] if p.name in path_values else []
            elif p.location == "query":
                if p.style == "deepObject":
                    entries = deep_object_entries(pairs, p.name)
                    if entries:
                        located["query"][p.name] = self._parse_deep(p, entries)
                    continue
                raws = [v for k, v in pairs if k == p.name]
            elif p.location == "header":
                raws = [request.headers[p.name]] if p.name in request.headers else []
            else:
                raws = [cookies[p.name]] if p.name in cookies else []
            if not raws:
                continue
            if p.name in self._arrays and comma_separated(p.location, p.explode):
                raws = [part for raw in raws for part in raw.split(",")]
            located[p.location][p.name] = self._parse(p, raws)
        errors: list[dict[str, Any]] = []
        instance: dict[str, Any] = dict(located)
        body = self.op.request_body
        if body is not None and request.content:
            try:
                instance["body"] = self._body(request.content)
            except (ValueError, RecursionError) as exc:
                ctx = {"error": str(exc)[:200]}
                errors.append(
                    {"type": "json_invalid", "loc": ["body", 0], "msg": "JSON decode error", "input": {}, "ctx": ctx}
                )
        arguments = {name: value for loc in _LOCATIONS for name, value in located[loc].items()}
        if "body" in instance:
            arguments["body"] = instance["body"]
        if not errors:
            validator = self.validator()
            if not validator.is_valid(instance):
                errors = [detail_entry(fe, instance) for fe in validator.errors(instance)]
        return Decoded(arguments, errors)

    def _body(self, content: bytes) -> Any:
        if self._body_json:
            return json.loads(content)
        form: dict[str, Any] = {}
        for key, value in parse_qsl(content.decode("utf-8"), keep_blank_values=True):
            form[key] = (
                [*form[key], value]
                if isinstance(form.get(key), list)
                else ([form[key], value] if key in form else value)
            )
        return form

    def _parse(self, p: Parameter, raws: Sequence[str], schema: Any = None) -> Any:
        try:
            return words_value(self._spec.document, p.schema.raw if schema is None else schema, raws)
        except WordError:  # kept as text: the schema check explains it
            return raws[0] if len(raws) == 1 else list(raws)

    def _parse_deep(self, p: Parameter, entries: Mapping[str, list[str]]) -> dict[str, Any]:
        doc = self._spec.document
        return {sub: self._parse(p, raws, member_schema(doc, p.schema.raw, sub)) for sub, raws in entries.items()}


_TYPE_NAMES = {"string": "string", "integer": "int", "number": "float", "boolean": "bool", "array": "list"}


def _error_type(fe: FieldError, location: str, value: Any) -> str:
    """A FastAPI/pydantic-like ``type`` for a validation error (an approximation: the spec
    does not define these strings)."""
    kw = fe.keyword
    if kw == "required":
        return "missing"
    if kw == "type":
        wanted = next((t for t in _TYPE_NAMES if f"'{t}'" in fe.message), "")
        if wanted == "object":
            return "model_attributes_type"
        name = _TYPE_NAMES.get(wanted, "value")
        if location != "body" and isinstance(value, str) and name in ("int", "float", "bool"):
            return f"{name}_parsing"
        return f"{name}_type"
    if kw == "format":
        return "uuid_parsing" if "uuid" in fe.message else "value_error"
    return {
        "enum": "enum",
        "const": "literal_error",
        "pattern": "string_pattern_mismatch",
        "minLength": "string_too_short",
        "maxLength": "string_too_long",
        "minimum": "greater_than_equal",
        "exclusiveMinimum": "greater_than",
        "maximum": "less_than_equal",
        "exclusiveMaximum": "less_than",
        "minItems": "too_short",
        "maxItems": "too_long",
        "additionalProperties": "extra_forbidden",
        "unevaluatedProperties": "extra_forbidden",
        "discriminator": "union_tag_invalid",
    }.get(kw, "value_error")


def detail_entry(fe: FieldError, instance: Any) -> dict[str, Any]:
    """One ``{"type", "loc", "msg", "input"}`` entry from a located validation error."""
    loc = list(fe.path) or [fe.location]
    value: Any = instance
    for part in loc:
        inside = isinstance(value, Mapping) and part in value
        if inside or (isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)):
            value = value[part]
        else:
            value = value if fe.keyword == "required" and loc[0] == "body" and len(loc) > 1 else None
            break
    location = str(loc[0]) if loc else "body"
    msg = "Field required" if fe.keyword == "required" else fe.message
    return {"type": _error_type(fe, location, value), "loc": loc, "msg": msg, "input": value}
