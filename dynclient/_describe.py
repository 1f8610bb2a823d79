"""Short human descriptions of schemas and operations, for docstrings, signatures and the CLI."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from ._ir import NO_DEFAULT, Operation
from ._names import is_keyword_parameter

__all__ = ["describe_schema", "operation_doc", "operation_signature"]

_PY = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
    "null": "None",
    "object": "dict",
    "array": "list",
}


def describe_schema(doc: Mapping[str, Any], schema: Any, depth: int = 0) -> str:
    """``str``, ``int``, ``list[SortProperty]``, ``PetCreate``, ``str | None``..."""
    if not isinstance(schema, Mapping):
        return "Any"
    ref = schema.get("$ref")
    if isinstance(ref, str):
        name = unquote(ref).rsplit("/", 1)[-1]
        return name
    if depth > 3:
        return "..."
    for key in ("anyOf", "oneOf"):
        if isinstance(schema.get(key), list):
            parts: list[str] = []
            for s in schema[key]:
                d = describe_schema(doc, s, depth + 1)
                if d not in parts:
                    parts.append(d)
            return " | ".join(parts)
    if "const" in schema:
        return f"Literal[{schema['const']!r}]"
    if isinstance(schema.get("enum"), list):
        values = schema["enum"]
        shown = ", ".join(repr(v) for v in values[:6])
        return f"Literal[{shown}{', ...' if len(values) > 6 else ''}]"
    t = schema.get("type")
    if isinstance(t, list):
        return " | ".join(_PY.get(x, str(x)) for x in t)
    if t == "array":
        if "prefixItems" in schema:
            inner = ", ".join(describe_schema(doc, s, depth + 1) for s in schema["prefixItems"])
            return f"tuple[{inner}]"
        return f"list[{describe_schema(doc, schema.get('items', {}), depth + 1)}]"
    if t == "object" and isinstance(schema.get("additionalProperties"), Mapping) and "properties" not in schema:
        return f"dict[str, {describe_schema(doc, schema['additionalProperties'], depth + 1)}]"
    if isinstance(t, str):
        base = _PY.get(t, t)
        fmt = schema.get("format")
        return f"{base} ({fmt})" if isinstance(fmt, str) else base
    title = schema.get("title")
    return title if isinstance(title, str) else "Any"


def operation_signature(doc: Mapping[str, Any], op: Operation) -> inspect.Signature:
    """Keyword-only parameters as the spec names them: required first, optional default None.

    When a name cannot be a keyword parameter (``X-Trace``, ``page-size``, ``filter[name]``;
    the rule is ``_names.is_keyword_parameter``), the signature is the stubs':
    ``(**arguments: Unpack[<operation>_Arguments])`` (the docstring lists each argument).
    """
    ok = op.success_responses
    ret = "None"
    if ok:
        r = ok[0]
        if r.schema is not None:
            ret = "str" if r.media_type and "json" not in r.media_type else describe_schema(doc, r.schema.raw)
    body = op.request_body
    names = [p.name for p in op.parameters] + (["body"] if body is not None else [])
    if not all(is_keyword_parameter(n) for n in names):
        variadic = inspect.Parameter(
            "arguments", inspect.Parameter.VAR_KEYWORD, annotation=f"Unpack[{op.name}_Arguments]"
        )
        return inspect.Signature([variadic], return_annotation=ret)
    params = []
    ordered = sorted(op.parameters, key=lambda p: not p.required)
    for p in ordered:
        params.append(
            inspect.Parameter(
                p.name,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if p.required else None,
                annotation=describe_schema(doc, p.schema.raw) + ("" if p.required else " | None"),
            )
        )
    if body is not None:
        ann = describe_schema(doc, body.schema.raw) if body.schema else "Any"
        params.insert(
            sum(1 for p in op.parameters if p.required),
            inspect.Parameter(
                "body",
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if body.required else None,
                annotation=ann if body.required else f"{ann} | None",
            ),
        )
    return inspect.Signature(params, return_annotation=ret)


def operation_doc(doc: Mapping[str, Any], op: Operation) -> str:
    lines = [op.summary or op.name, ""]
    if op.description and op.description != op.summary:
        lines += [op.description.strip(), ""]
    lines.append(f"{op.http_method} {op.path}  (operationId {op.operation_id!r})")
    if op.parameters or op.request_body:
        lines += ["", "Parameters:"]
        for p in op.parameters:
            default = "" if p.default is NO_DEFAULT else f", server default {p.default!r}"
            req = "required" if p.required else "optional"
            lines.append(
                f"  {p.name} ({p.location}, {req}{default}): {describe_schema(doc, p.schema.raw)}"
                + (f" - {p.description}" if p.description else "")
            )
        if op.request_body is not None:
            b = op.request_body
            schema = describe_schema(doc, b.schema.raw) if b.schema else "Any"
            lines.append(f"  body ({b.media_type}, {'required' if b.required else 'optional'}): {schema}")
    lines += ["", "Responses:"]
    for r in op.responses:
        what = r.schema_title or (r.media_type or "no content")
        lines.append(f"  {r.status}: {what}" + (f" - {r.description}" if r.description else ""))
    if op.scopes:
        lines += ["", "Scopes: " + " ".join(op.scopes)]
    return "\n".join(lines)
