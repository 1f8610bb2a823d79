"""The Python types of a whole spec, worked out once per spec: every operation's arguments,
return, page and item types, every webhook's payload and data types, and the named
definitions they use, named (``SchemaTypes.assign_names``).

The stub renderer writes them into ``.pyi`` files; ``help()`` signatures and the CLI's
``describe`` read the same objects and render them with the same function
(``model.render``), so the three cannot disagree. Names depend on the whole set (a schema
used as input and output gets two types), which is why this is one analysis of the whole
spec, cached per ``ApiSpec`` object, and never run when a client is made: ``help()`` asks
for it on first use.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass

from .._ir import ApiSpec, Operation, Webhook
from .._names import identifier, is_keyword_parameter
from .._schema.media import is_json
from .model import ANY, NONE, STR, UNPACK, Generic, PyType, Ref, render, union
from .schematypes import Definition, Field, OwnerName, SchemaTypes

__all__ = ["Analysis", "Argument", "EventTypes", "OperationTypes", "analyse", "schema_type_names"]


@dataclass(frozen=True)
class Argument:
    """One keyword argument of an operation: a parameter, or ``body``."""

    name: str
    type: PyType
    required: bool


@dataclass(frozen=True)
class OperationTypes:
    """The types of one operation's surface. ``kwargs`` is set when some argument name cannot
    be a keyword parameter (``_names.is_keyword_parameter``): all arguments then go through
    ``**arguments: Unpack[<operation>_Arguments]``."""

    name: str
    arguments: tuple[Argument, ...]
    returns: PyType
    kwargs: Ref | None
    page: PyType | None
    item: PyType | None

    @property
    def kwargs_annotation(self) -> PyType | None:
        """``typing.Unpack[<operation>_Arguments]``, the annotation of ``**arguments``."""
        return Generic(UNPACK, (self.kwargs,)) if self.kwargs is not None else None


@dataclass(frozen=True)
class EventTypes:
    """The types of one webhook event: its payload and the payload's ``data``."""

    name: str
    payload: PyType
    data: PyType


@dataclass
class Analysis:
    types: SchemaTypes
    operations: dict[str, OperationTypes]
    events: list[EventTypes]
    names: dict[str, str]

    def text(self, t: PyType, *, schemas: str = "_schemas.", short: bool = False) -> str:
        """``t`` as the stubs spell it (``model.render``); ``short`` for a terminal."""
        return render(t, self.names, schemas, short=short)


def _returns(types: SchemaTypes, op: Operation) -> PyType:
    responses = op.success_responses or tuple(r for r in op.responses if r.status == "default")
    if not responses:
        return ANY
    parts: list[PyType] = []
    for r in responses:
        if r.media_type is None:
            parts.append(NONE)
        elif not is_json(r.media_type):
            parts.append(STR)  # text (CSV, ...), returned as it came
        elif r.schema is None:
            parts.append(ANY)
        else:
            parts.append(types.expr(r.schema.raw, r.schema.pointer, "out", OwnerName(None, f"{op.name}_response")))
    return union(parts)


def _operation(types: SchemaTypes, op: Operation) -> OperationTypes:
    arguments = [
        Argument(
            p.name,
            types.expr(p.schema.raw, p.schema.pointer, "in", OwnerName(None, f"{op.name}_{identifier(p.name)}")),
            p.required,
        )
        for p in op.parameters
    ]
    body = op.request_body
    if body is not None:
        owner = OwnerName(None, f"{op.name}_body")
        annotation = types.expr(body.schema.raw, body.schema.pointer, "in", owner) if body.schema else ANY
        arguments.append(Argument("body", annotation, body.required))
    kwargs = None
    if not all(is_keyword_parameter(a.name) for a in arguments):  # the rule: _names
        kwargs = types.add(
            Definition(
                f"{op.pointer}\x01in\x01arguments",
                OwnerName(None, f"{op.name}_Arguments"),
                op.pointer,
                "in",
                "typeddict",
                doc=f"Keyword arguments of {op.name} (some names cannot be Python parameters).",
                fields=[Field(a.name, a.type, a.required) for a in arguments],
            )
        )
    returns = _returns(types, op)
    page = item = None
    if op.pagination is not None:
        page = returns
        schema = op.pagination.item_schema
        owner = OwnerName(None, f"{op.name}_item")
        item = types.expr(schema.raw, schema.pointer, "out", owner) if schema is not None else ANY
    return OperationTypes(op.name, tuple(arguments), returns, kwargs, page, item)


def _event(types: SchemaTypes, hook: Webhook) -> EventTypes:
    stem = identifier(hook.name)
    payload = types.expr(hook.payload.raw, hook.payload.pointer, "out", OwnerName(None, f"{stem}_payload"))
    data: PyType = ANY
    if hook.data is not None:
        data = types.expr(hook.data.raw, hook.data.pointer, "out", OwnerName(None, f"{stem}_data"))
    return EventTypes(hook.name, payload, data)


def _analyse(spec: ApiSpec) -> Analysis:
    types = SchemaTypes(spec.document)
    operations = {op.name: _operation(types, op) for op in spec.operations}
    for op in spec.operations:  # error bodies are typed too, though no call returns them
        for r in op.error_responses:
            if r.schema is not None and is_json(r.media_type):
                owner = OwnerName(None, f"{op.name}_error_{r.status}")
                types.expr(r.schema.raw, r.schema.pointer, "out", owner)
    events = [_event(types, hook) for hook in spec.webhooks]
    # every component schema reachable from an operation or a webhook has been named on the way
    names = types.assign_names()
    return Analysis(types, operations, events, names)


_CACHE: weakref.WeakKeyDictionary[ApiSpec, Analysis] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def analyse(spec: ApiSpec) -> Analysis:
    """The analysis of ``spec`` (made once per spec object; see the module docstring)."""
    with _LOCK:
        hit = _CACHE.get(spec)
        if hit is None:
            hit = _CACHE[spec] = _analyse(spec)
        return hit


def schema_type_names(spec: ApiSpec) -> tuple[str, ...]:
    """The names ``schemas.pyi`` defines for ``spec`` (what ``dynclient.schemas`` exports)."""
    return tuple(sorted(analyse(spec).names.values()))
