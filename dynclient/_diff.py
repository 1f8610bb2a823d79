"""Comparing two specs at the level a client cares about, each change classified for a client.

A change is *breaking* when code written against the old spec can fail once the API follows
the new one: a request it builds is now rejected (by this client's validation or by the
server), or a response no longer has the shape it relied on. Requests and responses are
judged in opposite directions: a new required property breaks a request body but not a
response; a new enum value breaks a response (code may not handle it) but not a request.

Schemas are compared structurally (``$ref`` followed, ``anyOf [X, null]`` read as nullable
X, variants matched by component name); each component is compared once per direction and
its changes are reported once, listing every operation that reaches it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from ._ir import ApiSpec, Operation, Webhook
from ._schema.pointer import SCHEMAS, component_name, component_of, follow_refs, pointer_join
from ._schema.types import declared_types, enum_values, intended_types, is_null_schema, json_type_of
from ._schema.unions import union_members

__all__ = ["Change", "Finding", "SpecDiff", "diff_specs"]

Direction = Literal["request", "response"]
_MAX_DEPTH = 48


@dataclass(frozen=True)
class Finding:
    """One difference as the comparison finds it: what changed (``kind``), whether it breaks
    a client, where (a JSON pointer) and a message. ``Change`` adds what reaches it."""

    kind: str
    breaking: bool
    pointer: str
    message: str


#: Records a finding (for an operation or a webhook).
Add = Callable[[Finding], None]


@dataclass(frozen=True)
class Change:
    """One difference. ``pointer`` is in the new document (the old one for removals).

    ``operations`` and ``webhooks`` name what reaches the change (a shared schema: several).
    """

    kind: str
    breaking: bool
    pointer: str
    message: str
    operations: tuple[str, ...] = ()
    webhooks: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind,
            "breaking": self.breaking,
            "pointer": self.pointer,
            "message": self.message,
            "operations": list(self.operations),
        }
        if self.webhooks:
            out["webhooks"] = list(self.webhooks)
        return out


@dataclass(frozen=True)
class SpecDiff:
    old: ApiSpec
    new: ApiSpec
    changes: tuple[Change, ...] = field(default=())

    @property
    def breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.breaking)

    @property
    def non_breaking(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if not c.breaking)

    def as_dict(self) -> dict[str, Any]:
        return {
            "old": _side(self.old),
            "new": _side(self.new),
            "summary": {
                "changes": len(self.changes),
                "breaking": len(self.breaking),
                "non_breaking": len(self.non_breaking),
            },
            "changes": [c.as_dict() for c in self.changes],
        }

    def to_text(self, *, max_operations: int = 6) -> str:
        lines = [
            f"old: {_origin(self.old)}  (info.version {self.old.version}, sha256 {self.old.fingerprint[:12]})",
            f"new: {_origin(self.new)}  (info.version {self.new.version}, sha256 {self.new.fingerprint[:12]})",
        ]
        if not self.changes:
            lines.append("no changes a client would notice")
            return "\n".join(lines) + "\n"
        lines.append(
            f"{len(self.changes)} change(s): {len(self.breaking)} breaking, {len(self.non_breaking)} non-breaking"
        )
        for title, group in (("BREAKING", self.breaking), ("NON-BREAKING", self.non_breaking)):
            if not group:
                continue
            lines += ["", f"{title} ({len(group)})"]
            for c in group:
                lines.append(f"  [{c.kind}] {c.message}")
                lines.append(f"      at {c.pointer}")
                for label, names in (("operations", c.operations), ("webhooks", c.webhooks)):
                    if names:
                        shown = ", ".join(names[:max_operations])
                        extra = len(names) - max_operations
                        more = f", ... (+{extra})" if extra > 0 else ""
                        lines.append(f"      {label} ({len(names)}): {shown}{more}")
        return "\n".join(lines) + "\n"


def _origin(spec: ApiSpec) -> str:
    return spec.origin.rsplit("/", 1)[-1] if spec.origin else "<spec>"


def _side(spec: ApiSpec) -> dict[str, Any]:
    return {
        "origin": spec.origin,
        "title": spec.title,
        "version": spec.version,
        "fingerprint": spec.fingerprint,
        "operations": len(spec.operations),
        "webhooks": len(spec.webhooks),
    }


# -- schemas ---------------------------------------------------------------------------------
#: a oneOf/anyOf member: (label, schema, its resolved pointer, its place in the union)
_Variant = tuple[str, Mapping[str, Any], str, str]


@dataclass
class _Facets:
    types: frozenset[str] | None
    nullable: bool
    enum: frozenset[str] | None  # values as canonical JSON
    core: tuple[Mapping[str, Any], str] | None  # the one non-null schema, if there is one
    variants: list[_Variant] | None


def _owner(pointer: str) -> str:
    """The component schema a pointer lies in, as a message prefix (``Thing: ``), or nothing."""
    owner = component_of(pointer) if pointer.startswith(SCHEMAS) else None
    return f"{owner[1]}: " if owner is not None else ""


def _show(values: frozenset[str]) -> str:
    return ", ".join(sorted(values))


class _SchemaDiff:
    def __init__(self, old_doc: Mapping[str, Any], new_doc: Mapping[str, Any]) -> None:
        self.docs = (old_doc, new_doc)
        self.memo: dict[tuple[str, str, str], list[Finding]] = {}
        self.active: set[tuple[str, str, str]] = set()

    def _resolve(self, side: int, schema: Any, pointer: str) -> tuple[Mapping[str, Any], str]:
        schema, pointer = follow_refs(self.docs[side], schema, pointer)
        return (schema if isinstance(schema, Mapping) else {}), pointer

    def _facets(self, side: int, schema: Mapping[str, Any], pointer: str) -> _Facets:
        union = union_members(schema)
        if union is not None:
            key, branches = union
            nullable = False
            rest: list[_Variant] = []
            for i, raw in enumerate(branches):
                resolved, bptr = self._resolve(side, raw, pointer_join(pointer, key, i))
                if is_null_schema(resolved):
                    nullable = True
                    continue
                rest.append((component_name(bptr) or f"#{i}", resolved, bptr, pointer_join(pointer, key, i)))
            if len(rest) == 1:
                inner = self._facets(side, rest[0][1], rest[0][2])
                inner.nullable = inner.nullable or nullable
                return inner
            types: set[str] | None = set()
            for _, s, p, _place in rest:
                t = self._facets(side, s, p).types
                if t is None or types is None:
                    types = None
                else:
                    types |= t
            return _Facets(frozenset(types) if types is not None else None, nullable, None, None, rest)
        nullable = "null" in (declared_types(schema) or ())
        enum: frozenset[str] | None = None
        values = enum_values(schema)
        if values is not None:
            nullable = nullable or None in values
            enum = frozenset(json.dumps(v, sort_keys=True) for v in values if v is not None)
        allowed = intended_types(schema) - {"null"}
        if not allowed and values is not None:  # a declared type of only null beside listed values
            allowed = frozenset(json_type_of(v) for v in values if v is not None)
        return _Facets(allowed or None, nullable, enum, (schema, pointer), None)

    def compare(
        self, old: Any, old_ptr: str, new: Any, new_ptr: str, direction: Direction, depth: int = 0
    ) -> list[Finding]:
        o, op_ = self._resolve(0, old, old_ptr)
        n, np_ = self._resolve(1, new, new_ptr)
        key = (op_, np_, direction)
        if key in self.memo:
            return self.memo[key]
        if key in self.active or depth > _MAX_DEPTH:
            return []
        self.active.add(key)
        out: list[Finding] = []
        try:
            self._compare(o, op_, n, np_, direction, depth, out)
        finally:
            self.active.discard(key)
        self.memo[key] = out
        return out

    def _compare(
        self,
        o: Mapping[str, Any],
        op_: str,
        n: Mapping[str, Any],
        np_: str,
        direction: Direction,
        depth: int,
        out: list[Finding],
    ) -> None:
        req = direction == "request"
        fo, fn = self._facets(0, o, op_), self._facets(1, n, np_)
        who = _owner(np_)
        if fn.nullable and not fo.nullable:
            out.append(Finding("became-nullable", not req, np_, f"{who}{direction} value may now be null"))
        elif fo.nullable and not fn.nullable:
            out.append(Finding("became-non-nullable", req, np_, f"{who}{direction} value may no longer be null"))
        if fo.types is not None and fn.types is not None and fo.types != fn.types:
            widened = _widens(fo.types, fn.types)
            narrowed = _widens(fn.types, fo.types)
            out.append(
                Finding(
                    "type-changed",
                    not widened if req else not narrowed,
                    np_,
                    f"{who}type changed from {_show(fo.types)} to {_show(fn.types)}",
                )
            )
        if fo.enum is not None and fn.enum is not None:
            if fn.enum - fo.enum:
                out.append(
                    Finding("enum-values-added", not req, np_, f"{who}enum values added: {_show(fn.enum - fo.enum)}")
                )
            if fo.enum - fn.enum:
                out.append(
                    Finding("enum-values-removed", req, np_, f"{who}enum values removed: {_show(fo.enum - fn.enum)}")
                )
        elif fo.enum is None and fn.enum is not None:
            out.append(Finding("enum-constraint-added", req, np_, f"{who}values now restricted to: {_show(fn.enum)}"))
        elif fo.enum is not None and fn.enum is None:
            out.append(Finding("enum-constraint-removed", not req, np_, f"{who}values no longer restricted to an enum"))
        if fo.core is not None and fn.core is not None:
            self._compare_object(fo.core, fn.core, direction, depth, out)
        elif fo.variants is not None or fn.variants is not None:  # one side may be a single schema
            ov, nv = _as_variants(fo), _as_variants(fn)
            if ov is not None and nv is not None:
                self._compare_variants(ov, nv, np_, direction, depth, out)

    def _compare_object(
        self,
        old: tuple[Mapping[str, Any], str],
        new: tuple[Mapping[str, Any], str],
        direction: Direction,
        depth: int,
        out: list[Finding],
    ) -> None:
        req = direction == "request"
        (o, op_), (n, np_) = old, new
        po = o.get("properties") if isinstance(o.get("properties"), Mapping) else {}
        pn = n.get("properties") if isinstance(n.get("properties"), Mapping) else {}
        assert isinstance(po, Mapping) and isinstance(pn, Mapping)
        ro = set(o.get("required") or ()) if isinstance(o.get("required"), list) else set()
        rn = set(n.get("required") or ()) if isinstance(n.get("required"), list) else set()
        who = _owner(np_)
        for name in pn:
            ptr = pointer_join(np_, "properties", name)
            if name not in po:
                required = name in rn
                out.append(
                    Finding(
                        "property-added",
                        req and required,
                        ptr,
                        f"{who}{direction} property {name!r} added" + (" (required)" if required else " (optional)"),
                    )
                )
                continue
            if name in rn and name not in ro:
                out.append(
                    Finding("property-became-required", req, ptr, f"{who}{direction} property {name!r} became required")
                )
            elif name in ro and name not in rn:
                out.append(
                    Finding(
                        "property-became-optional", not req, ptr, f"{who}{direction} property {name!r} became optional"
                    )
                )
            old_ptr = pointer_join(op_, "properties", name)
            out.extend(self.compare(po[name], old_ptr, pn[name], ptr, direction, depth + 1))
        for name in po:
            if name not in pn:
                out.append(
                    Finding(
                        "property-removed",
                        True,
                        pointer_join(op_, "properties", name),
                        f"{_owner(op_)}{direction} property {name!r} removed",
                    )
                )
        for key in ("items", "additionalProperties"):
            if isinstance(o.get(key), Mapping) and isinstance(n.get(key), Mapping):
                out.extend(
                    self.compare(o[key], pointer_join(op_, key), n[key], pointer_join(np_, key), direction, depth + 1)
                )
        ao, an = o.get("allOf"), n.get("allOf")
        if isinstance(ao, list) and isinstance(an, list) and len(ao) == len(an):
            for i, (a, b) in enumerate(zip(ao, an, strict=True)):
                out.extend(
                    self.compare(
                        a, pointer_join(op_, "allOf", i), b, pointer_join(np_, "allOf", i), direction, depth + 1
                    )
                )

    def _compare_variants(
        self, old: list[_Variant], new: list[_Variant], np_: str, direction: Direction, depth: int, out: list[Finding]
    ) -> None:
        req = direction == "request"
        by_old = {v[0]: v for v in old}
        by_new = {v[0]: v for v in new}
        for label, (_, s, p, place) in by_new.items():
            if label in by_old:
                _, os_, op_, _ = by_old[label]
                out.extend(self.compare(os_, op_, s, p, direction, depth + 1))
            else:
                out.append(
                    Finding("variant-added", not req, place, f"{_owner(place)}{direction} variant {label} added")
                )
        for label, (_, _, _, place) in by_old.items():
            if label not in by_new:
                out.append(
                    Finding("variant-removed", req, place, f"{_owner(place)}{direction} variant {label} removed")
                )


def _as_variants(f: _Facets) -> list[_Variant] | None:
    if f.variants is not None:
        return f.variants
    if f.core is not None:
        return [(component_name(f.core[1]) or "#0", f.core[0], f.core[1], f.core[1])]
    return None


def _widens(old: frozenset[str], new: frozenset[str]) -> bool:
    """Every value of the old types is a value of the new ones (integer is a number)."""
    return all(t in new or (t == "integer" and "number" in new) for t in old)


# -- operations ------------------------------------------------------------------------------
class _Collector:
    def __init__(self) -> None:
        self.order: list[Finding] = []
        self.ops: dict[Finding, list[str]] = {}
        self.hooks: dict[Finding, list[str]] = {}

    def add(self, finding: Finding, operation: str | None, webhook: str | None = None) -> None:
        """Record ``finding`` as reached by ``operation`` (or by ``webhook``)."""
        if finding not in self.ops:
            self.order.append(finding)
            self.ops[finding], self.hooks[finding] = [], []
        for seen, name in ((self.ops[finding], operation), (self.hooks[finding], webhook)):
            if name is not None and name not in seen:
                seen.append(name)

    def changes(self) -> tuple[Change, ...]:
        return tuple(
            Change(
                kind=f.kind,
                breaking=f.breaking,
                pointer=f.pointer,
                message=f.message,
                operations=tuple(self.ops[f]),
                webhooks=tuple(self.hooks[f]),
            )
            for f in self.order
        )


def _is_success(status: str) -> bool:
    return status[:1] in ("2", "3") or status == "default"


def _diff_operation(o: Operation, n: Operation, schemas: _SchemaDiff, add: Add) -> None:
    name = n.name
    if (o.http_method, o.path) != (n.http_method, n.path):
        add(
            Finding(
                "operation-moved", True, n.pointer, f"{name}: {o.http_method} {o.path} is now {n.http_method} {n.path}"
            )
        )
    if n.deprecated and not o.deprecated:
        add(Finding("operation-deprecated", False, n.pointer, f"{name}: deprecated"))
    old_params = {(p.name, p.location): p for p in o.parameters}
    new_params = {(p.name, p.location): p for p in n.parameters}
    for key, p in new_params.items():
        q = old_params.get(key)
        label = f"{name}: {p.location} parameter {p.name!r}"
        if q is None:
            add(
                Finding(
                    "parameter-added",
                    p.required,
                    p.pointer,
                    f"{label} added" + (" (required)" if p.required else " (optional)"),
                )
            )
            continue
        if p.required and not q.required:
            add(Finding("parameter-became-required", True, p.pointer, f"{label} became required"))
        elif q.required and not p.required:
            add(Finding("parameter-became-optional", False, p.pointer, f"{label} became optional"))
        if (p.style, p.explode) != (q.style, q.explode):
            add(
                Finding(
                    "parameter-style-changed",
                    True,
                    p.pointer,
                    f"{label} serialization changed from {q.style}/explode={q.explode} "
                    f"to {p.style}/explode={p.explode}",
                )
            )
        for f in schemas.compare(q.schema.raw, q.schema.pointer, p.schema.raw, p.schema.pointer, "request"):
            add(replace(f, kind=f"parameter-{f.kind}", message=f"{label}: {f.message}"))
    for key, q in old_params.items():
        if key not in new_params:
            add(Finding("parameter-removed", True, q.pointer, f"{name}: {q.location} parameter {q.name!r} removed"))
    _diff_body(o, n, schemas, add)
    _diff_responses(o, n, schemas, add)
    _diff_security(o, n, add)


def _diff_body(o: Operation, n: Operation, schemas: _SchemaDiff, add: Add) -> None:
    name, ob, nb = n.name, o.request_body, n.request_body
    if ob is None and nb is not None:
        add(
            Finding(
                "request-body-added",
                nb.required,
                nb.pointer,
                f"{name}: request body added" + (" (required)" if nb.required else " (optional)"),
            )
        )
    elif ob is not None and nb is None:
        add(Finding("request-body-removed", True, ob.pointer, f"{name}: request body removed"))
    elif ob is not None and nb is not None:
        if nb.required and not ob.required:
            add(Finding("request-body-became-required", True, nb.pointer, f"{name}: request body became required"))
        if nb.media_type != ob.media_type:
            add(
                Finding(
                    "request-media-type-changed",
                    True,
                    nb.pointer,
                    f"{name}: request body media type changed from {ob.media_type} to {nb.media_type}",
                )
            )
        if ob.schema is not None and nb.schema is not None:
            for finding in schemas.compare(
                ob.schema.raw, ob.schema.pointer, nb.schema.raw, nb.schema.pointer, "request"
            ):
                add(finding)


def _diff_responses(o: Operation, n: Operation, schemas: _SchemaDiff, add: Add) -> None:
    name = n.name
    old = {r.status: r for r in o.responses}
    new = {r.status: r for r in n.responses}
    for status, r in new.items():
        q = old.get(status)
        what = f" ({r.schema_title})" if r.schema_title else ""
        if q is None:
            add(Finding("response-added", False, r.pointer, f"{name}: response {status}{what} added"))
            continue
        success = _is_success(status)
        if q.media_type != r.media_type:
            add(
                Finding(
                    "response-media-type-changed",
                    success,
                    r.pointer,
                    f"{name}: response {status} media type changed from {q.media_type} to {r.media_type}",
                )
            )
        elif q.schema is not None and r.schema is not None:
            for f in schemas.compare(q.schema.raw, q.schema.pointer, r.schema.raw, r.schema.pointer, "response"):
                if f.kind == "variant-added" and r.is_error:
                    f = replace(f, breaking=False)  # a new kind of error gets its class; APIError still catches it
                add(f)
    for status, q in old.items():
        if status not in new:
            success = _is_success(status)
            what = f" ({q.schema_title})" if q.schema_title else ""
            add(Finding("response-removed", success, q.pointer, f"{name}: response {status}{what} removed"))


def _diff_security(o: Operation, n: Operation, add: Add) -> None:
    name = n.name
    pointer = pointer_join(n.pointer, "security")
    if not o.security and n.security:
        add(Finding("security-added", True, pointer, f"{name}: now requires authentication"))
        return
    if o.security and not n.security:
        add(Finding("security-removed", False, pointer, f"{name}: no longer requires authentication"))
        return
    old_schemes = {s for req in o.security for s, _ in req.schemes}
    new_schemes = {s for req in n.security for s, _ in req.schemes}
    if old_schemes - new_schemes:
        add(
            Finding(
                "security-scheme-removed",
                True,
                pointer,
                f"{name}: security schemes no longer accepted: {', '.join(sorted(old_schemes - new_schemes))}",
            )
        )
    if new_schemes - old_schemes:
        add(
            Finding(
                "security-scheme-added",
                False,
                pointer,
                f"{name}: security schemes now accepted: {', '.join(sorted(new_schemes - old_schemes))}",
            )
        )
    added = set(n.scopes) - set(o.scopes)
    removed = set(o.scopes) - set(n.scopes)
    if added:
        add(Finding("security-scope-added", True, pointer, f"{name}: now requires scopes {', '.join(sorted(added))}"))
    if removed:
        add(
            Finding(
                "security-scope-removed",
                False,
                pointer,
                f"{name}: no longer requires scopes {', '.join(sorted(removed))}",
            )
        )


def _adder(collected: _Collector, name: str) -> Add:
    """Record findings for operation ``name``; an inline schema's change is named after it."""

    def add(finding: Finding) -> None:
        if finding.pointer.startswith("/paths/") and not finding.message.startswith(f"{name}: "):
            finding = replace(finding, message=f"{name}: {finding.message}")
        collected.add(finding, name)

    return add


def _diff_webhook(o: Webhook, n: Webhook, schemas: _SchemaDiff, collected: _Collector) -> None:
    """A payload is received, like a response: its schema is compared in that direction."""
    label = f"webhook {n.name}"

    def add(finding: Finding) -> None:
        if finding.pointer.startswith("/webhooks/") and not finding.message.startswith(f"{label}: "):
            finding = replace(finding, message=f"{label}: {finding.message}")
        collected.add(finding, None, n.name)

    if o.event_type != n.event_type:
        add(
            Finding(
                "webhook-type-changed", True, n.pointer, f"{label}: announced as {n.event_type!r}, was {o.event_type!r}"
            )
        )
    if o.media_type != n.media_type:
        add(
            Finding("webhook-media-type-changed", True, n.pointer, f"{label}: payload media type is now {n.media_type}")
        )
    for finding in schemas.compare(o.payload.raw, o.payload.pointer, n.payload.raw, n.payload.pointer, "response"):
        add(finding)


def _diff_webhooks(old: ApiSpec, new: ApiSpec, schemas: _SchemaDiff, collected: _Collector) -> None:
    """Events added (a receiver acknowledges what it does not know: not breaking), removed
    (code handling them waits in vain: breaking), and payload changes."""
    before = {w.name: w for w in old.webhooks}
    after = {w.name: w for w in new.webhooks}
    for name, hook in after.items():
        if name not in before:
            collected.add(Finding("webhook-added", False, hook.pointer, f"webhook {name} added"), None, name)
    for name, hook in before.items():
        if name not in after:
            collected.add(Finding("webhook-removed", True, hook.pointer, f"webhook {name} removed"), None, name)
    for name, hook in after.items():
        if name in before:
            _diff_webhook(before[name], hook, schemas, collected)


def diff_specs(old: ApiSpec, new: ApiSpec) -> SpecDiff:
    """Every difference between ``old`` and ``new`` a client would notice, classified."""
    schemas = _SchemaDiff(old.document, new.document)
    collected = _Collector()
    for op in new.operations:
        if op.name not in old:
            collected.add(
                Finding(
                    "operation-added", False, op.pointer, f"operation {op.name} added ({op.http_method} {op.path})"
                ),
                op.name,
            )
    for op in old.operations:
        if op.name not in new:
            collected.add(
                Finding(
                    "operation-removed", True, op.pointer, f"operation {op.name} removed ({op.http_method} {op.path})"
                ),
                op.name,
            )
    for op in new.operations:
        if op.name in old:
            _diff_operation(old[op.name], op, schemas, _adder(collected, op.name))
    _diff_webhooks(old, new, schemas, collected)
    changes = collected.changes()
    # breaking first, then the order found (operations in spec order), stable
    return SpecDiff(old=old, new=new, changes=tuple(sorted(changes, key=lambda c: not c.breaking)))
