"""What ``help()`` and ``dynclient describe`` show of an operation.

- ``operation_signature``: the signature of ``client.<group>.<method>``, with the stub's
  annotation text for every parameter and for the return (``_pytypes.analysis`` and
  ``model.render``, the stub renderer's own); in the stub's order, optional parameters
  defaulting to ``...`` as there. It is worked out on first use (``help()``,
  ``inspect.signature``): making a client never pays for analysing the spec's types.
- ``operation_doc``: the docstring, made when a client is made, so it names no type (the
  signature above it does): summary, description, method and path, each parameter's
  location, whether it is required, its server default and description, the body's fields
  (per variant of a union) with theirs, the responses (the error class of each error
  response), and the scopes when the description does not already list them.
- ``describe_text``: the CLI's ``describe`` (types spelt short, from the same analysis).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Mapping
from typing import Any

from ._ir import NO_DEFAULT, ApiSpec, Operation
from ._names import error_class_name
from ._schema.types import is_null_schema, single_value
from ._schema.unions import MergedProperties, alternatives, discriminator, merged_properties, object_parts, resolve

__all__ = ["Annotation", "LazySignature", "describe_text", "operation_doc", "operation_signature", "text_table"]


class Annotation:
    """A type annotation shown as its text (``inspect`` prints an annotation's ``repr``)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Annotation) and other.text == self.text

    def __hash__(self) -> int:
        return hash(self.text)


class _Omitted:
    """The default of an optional argument: as in the stubs, ``...`` (not sending it)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "..."


OMITTED: Any = _Omitted()


class LazySignature(inspect.Signature):
    """A signature worked out on first use (``make``), then kept."""

    __slots__ = ("_make",)

    def __init__(
        self,
        parameters: Any = None,
        *,
        return_annotation: Any = inspect.Signature.empty,
        make: Callable[[], inspect.Signature] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(parameters, return_annotation=return_annotation, **options)
        self._make = make

    def _load(self) -> None:
        make = self._make
        if make is not None:
            self._make = None
            made = make()
            self._parameters = made.parameters
            self._return_annotation = made.return_annotation

    @property
    def parameters(self) -> Mapping[str, inspect.Parameter]:  # type: ignore[override]
        self._load()
        return super().parameters

    @property
    def return_annotation(self) -> Any:
        self._load()
        return super().return_annotation

    def __reduce__(self) -> Any:
        self._load()
        return super().__reduce__()


# -- help(): the signature -------------------------------------------------------------------------


def operation_signature(spec: ApiSpec, op: Operation) -> inspect.Signature:
    """The signature of ``op``'s group method (see the module docstring); lazy."""
    return LazySignature(make=lambda: _signature(spec, op))


def _signature(spec: ApiSpec, op: Operation) -> inspect.Signature:
    from ._pytypes.analysis import analyse

    analysed = analyse(spec)
    types = analysed.operations[op.name]
    returns = Annotation(analysed.text(types.returns))
    if types.kwargs_annotation is not None:
        variadic = inspect.Parameter(
            "arguments", inspect.Parameter.VAR_KEYWORD, annotation=Annotation(analysed.text(types.kwargs_annotation))
        )
        return inspect.Signature([variadic], return_annotation=returns)
    params = [
        inspect.Parameter(
            a.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=inspect.Parameter.empty if a.required else OMITTED,
            annotation=Annotation(analysed.text(a.type)),
        )
        for a in types.arguments
    ]
    return inspect.Signature(params, return_annotation=returns)


# -- help(): the docstring -------------------------------------------------------------------------


def operation_doc(doc: Mapping[str, Any], op: Operation) -> str:
    """The docstring of ``op``'s group method (see the module docstring)."""
    lines = [op.summary or op.name, ""]
    if op.description and op.description != op.summary:
        lines += [op.description.strip(), ""]
    lines.append(f"{op.http_method} {op.path}  (operationId {op.operation_id!r})")
    if op.parameters:
        lines += ["", "Parameters:"]
        for p in op.parameters:
            default = "" if p.default is NO_DEFAULT else f", server default {p.default!r}"
            req = "required" if p.required else "optional"
            lines.append(f"  {p.name} ({p.location}, {req}{default})" + (f": {p.description}" if p.description else ""))
    body = op.request_body
    if body is not None:
        lines += ["", f"Body ({body.media_type}, {'required' if body.required else 'optional'}):"]
        if body.description:
            lines.append(f"  {body.description.strip()}")
        if body.schema is not None:
            lines += _body_fields(doc, body.schema.raw, body.schema.pointer)
    lines += ["", "Responses:"]
    for r in op.responses:
        raises = f" (raises client.errors.{error_class_name(r.schema_title)})" if r.is_error and r.schema_title else ""
        lines.append(f"  {r.status}: {r.description or r.media_type or 'no content'}{raises}")
    scopes = op.scopes
    if scopes and not all(scope in op.description for scope in scopes):
        lines += ["", "Scopes: " + " ".join(scopes)]
    return "\n".join(lines)


def _body_fields(doc: Mapping[str, Any], schema: Any, pointer: str) -> list[str]:
    """The body's fields: each object variant's (``allOf`` merged), labelled by the value of
    the property that tells the variants apart (the discriminator's, or one every variant
    fixes to a single value)."""
    variants = []
    for variant, where in alternatives(doc, schema, pointer):
        merged = merged_properties(object_parts(doc, variant, where))
        if not is_null_schema(variant) and merged.properties:
            variants.append(merged)
    lines: list[str] = []
    labels = _labels(doc, resolve(doc, schema, pointer)[0], variants) if len(variants) > 1 else [None]
    for merged, label in zip(variants, labels, strict=False):
        indent = "  "
        if label is not None:
            lines.append(f"  {label}:")
            indent = "    "
        width = max(len(name) for name in merged.properties)
        for name, (sub, at) in merged.properties.items():
            flag = "required" if name in merged.required else "optional"
            text = _description(doc, sub, at)
            lines.append(f"{indent}{name.ljust(width)}  {flag}" + (f"  {text}" if text else ""))
    return lines


def _labels(doc: Mapping[str, Any], union: Mapping[str, Any], variants: list[MergedProperties]) -> list[str]:
    """``variant 2 (type: "team")`` for each variant of a union."""
    fixed: list[dict[str, Any]] = []
    for merged in variants:
        values = {}
        for name, (sub, at) in merged.properties.items():
            single, value = single_value(resolve(doc, sub, at)[0])
            if single:
                values[name] = value
        fixed.append(values)
    disc = discriminator(union)
    shared = [disc.property] if disc is not None else [n for n in fixed[0] if all(n in f for f in fixed)]
    labels = []
    for i, values in enumerate(fixed):
        tag = next((f" ({name}: {json.dumps(values[name])})" for name in shared if name in values), "")
        labels.append(f"variant {i + 1}{tag}")
    return labels


def _description(doc: Mapping[str, Any], sub: Any, at: str) -> str:
    text = sub.get("description") if isinstance(sub, Mapping) else None
    if not isinstance(text, str):
        text = resolve(doc, sub, at)[0].get("description")
    return " ".join(text.split()) if isinstance(text, str) else ""


# -- dynclient describe --------------------------------------------------------------------------


def describe_text(spec: ApiSpec, op: Operation) -> str:
    """The CLI's ``describe``: parameters (with their types, spelt short), the body's
    outline, responses and scopes."""
    from ._pytypes.analysis import analyse
    from ._pytypes.model import NONE, PyType, Ref, Union

    analysed = analyse(spec)
    types = analysed.operations[op.name]
    by_name = {a.name: a for a in types.arguments}

    def short(t: PyType) -> str:
        return analysed.text(t, short=True)

    def unaliased(t: PyType) -> PyType:
        """``t`` with named aliases replaced by what they stand for."""
        for _ in range(20):
            if not isinstance(t, Ref) or analysed.types.defs[t.token].kind != "alias":
                break
            t = analysed.types.defs[t.token].expr
        return t

    def outline(t: PyType, indent: str, depth: int = 0) -> list[str]:
        """One line per member of a union (and its fields), per field of a TypedDict."""
        target = unaliased(t)
        out: list[str] = []
        if isinstance(target, Union) and depth <= 2:
            for member in target.members:
                if member != NONE:
                    out.append(f"{indent}one of: {short(member)}")
                    out += outline(member, indent + "  ", depth + 1)
        elif isinstance(target, Ref) and analysed.types.defs[target.token].fields:
            fields = analysed.types.defs[target.token].fields
            width = max(len(f.key) for f in fields)
            for f in fields:
                flag = "required" if f.required else "optional"
                out.append(f"{indent}{f.key.ljust(width)}  {flag}  {short(f.annotation)}")
        return out

    lines = [f"{op.name}  {op.http_method} {op.path}", f"  operationId: {op.operation_id}"]
    if op.group:
        lines.append(f"  Python: client.{'.'.join((*op.group, op.method_name))}(...) or client.call({op.name!r}, ...)")
    if op.summary:
        lines += ["", op.summary]
    if op.description and op.description != op.summary:
        lines += ["", op.description.strip()]
    if op.deprecated:
        lines += ["", "DEPRECATED"]
    lines += ["", "Parameters:"]
    if op.parameters:
        rows = []
        for p in op.parameters:
            default = "-" if p.default is NO_DEFAULT else json.dumps(p.default)
            rows.append([p.name, p.location, short(by_name[p.name].type), "yes" if p.required else "no", default])
        lines += ["  " + line for line in text_table(rows, ["NAME", "IN", "TYPE", "REQUIRED", "DEFAULT"]).splitlines()]
    else:
        lines.append("  (none)")
    body = op.request_body
    if body is not None:
        body_type = by_name["body"].type
        lines += ["", f"Body ({body.media_type}, {'required' if body.required else 'optional'}): {short(body_type)}"]
        lines += outline(body_type, "  ")
    lines += ["", "Responses:"]
    for r in op.responses:
        what = r.schema_title or (r.media_type or "no content")
        lines.append(f"  {r.status}  {what}" + (f"  - {r.description}" if r.description else ""))
    lines += ["", "Scopes: " + (" ".join(op.scopes) if op.scopes else "(none)")]
    return "\n".join(lines)


def text_table(rows: list[list[str]], header: list[str]) -> str:
    """Columns padded to their widest cell, two spaces apart (the CLI's tables)."""
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    return "\n".join(lines) + "\n"
