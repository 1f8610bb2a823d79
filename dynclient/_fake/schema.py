"""What the fake must know of a schema: its object variants, their properties, nullability.

Schemas stay JSON and keep their JSON pointer in the document, so that the runtime's
schema engine (``_validation.SchemaEngine``) compiles and caches each one once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._schema.pointer import follow_refs, pointer_join

__all__ = ["Variant", "allows_null", "json_types", "resolve", "variants"]

_MAX_DEPTH = 16


def resolve(doc: Mapping[str, Any], node: Any, pointer: str = "") -> tuple[Mapping[str, Any], str]:
    """``node`` with its ``$ref`` chain followed, and the pointer where it ends."""
    target, where = follow_refs(doc, node, pointer)
    return (target if isinstance(target, Mapping) else {}), where


@dataclass
class Variant:
    """One object shape a value may take: its properties (name -> pointer), required names,
    and the ``const`` values that tell it apart (``{"type": "team"}``)."""

    pointer: str
    properties: dict[str, str] = field(default_factory=dict)
    schemas: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    required: list[str] = field(default_factory=list)
    consts: dict[str, Any] = field(default_factory=dict)
    descriptions: dict[str, str] = field(default_factory=dict)

    def add(self, doc: Mapping[str, Any], node: Mapping[str, Any], pointer: str, depth: int = 0) -> None:
        """Merge an object schema (and its ``allOf`` parts) into this variant."""
        if depth > _MAX_DEPTH:
            return
        props = node.get("properties")
        if isinstance(props, Mapping):
            for name, sub in props.items():
                if name in self.properties:
                    continue
                where = pointer_join(pointer, "properties", name)
                resolved, _ = resolve(doc, sub, where)
                self.properties[name] = where
                self.schemas[name] = sub if isinstance(sub, Mapping) else {}
                text = (sub.get("description") if isinstance(sub, Mapping) else None) or resolved.get("description")
                if isinstance(text, str):
                    self.descriptions[name] = text
                if "const" in resolved:
                    self.consts[name] = resolved["const"]
        for name in node.get("required") or ():
            if isinstance(name, str) and name not in self.required:
                self.required.append(name)
        parts = node.get("allOf")
        if isinstance(parts, list):
            for i, part in enumerate(parts):
                inner, where = resolve(doc, part, pointer_join(pointer, "allOf", i))
                self.add(doc, inner, where, depth + 1)


def _is_null(doc: Mapping[str, Any], node: Any) -> bool:
    resolved, _ = resolve(doc, node)
    return resolved.get("type") == "null"


def variants(doc: Mapping[str, Any], node: Any, pointer: str = "") -> tuple[str | None, list[Variant]]:
    """The object variants of a schema (``oneOf``/``anyOf`` flattened, ``null`` left out) and
    the property that tells them apart (the discriminator's, or a required ``const`` they share)."""
    resolved, where = resolve(doc, node, pointer)
    found: list[Variant] = []
    _collect(doc, resolved, where, found, 0)
    disc = resolved.get("discriminator")
    tag = disc.get("propertyName") if isinstance(disc, Mapping) else None
    if not isinstance(tag, str) and len(found) > 1:
        shared = set.intersection(*(set(v.consts) & set(v.required) for v in found))
        tag = sorted(shared)[0] if shared else None
    return (tag if isinstance(tag, str) else None), found


def _collect(doc: Mapping[str, Any], node: Mapping[str, Any], pointer: str, out: list[Variant], depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    for key in ("oneOf", "anyOf"):
        branches = node.get(key)
        if isinstance(branches, list):
            for i, branch in enumerate(branches):
                if _is_null(doc, branch):
                    continue
                inner, where = resolve(doc, branch, pointer_join(pointer, key, i))
                _collect(doc, inner, where, out, depth + 1)
            return
    if "properties" in node or node.get("type") == "object" or "allOf" in node:
        variant = Variant(pointer)
        variant.add(doc, node, pointer)
        if variant.properties:
            out.append(variant)


def json_types(doc: Mapping[str, Any], node: Any, depth: int = 0) -> set[str]:
    """The JSON types a value of ``node`` may have (``null`` included); empty: any."""
    resolved, _ = resolve(doc, node)
    if depth > _MAX_DEPTH:
        return set()
    if "const" in resolved:
        return {_json_type(resolved["const"])}
    if isinstance(resolved.get("enum"), list):
        return {_json_type(v) for v in resolved["enum"]}
    out: set[str] = set()
    for key in ("oneOf", "anyOf"):
        branches = resolved.get(key)
        if isinstance(branches, list):
            for branch in branches:
                sub = json_types(doc, branch, depth + 1)
                if not sub:
                    return set()
                out |= sub
            return out
    kind = resolved.get("type")
    if isinstance(kind, str):
        return {kind}
    if isinstance(kind, list):
        return {k for k in kind if isinstance(k, str)}
    if "properties" in resolved:
        return {"object"}
    if "items" in resolved or "prefixItems" in resolved:
        return {"array"}
    return set()


def allows_null(doc: Mapping[str, Any], node: Any) -> bool:
    types = json_types(doc, node)
    return not types or "null" in types


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"
