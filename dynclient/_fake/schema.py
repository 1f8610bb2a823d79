"""What the fake must know of a schema: its object variants, their properties, the JSON types
a value may have. Built on the schema toolkit (``dynclient._schema``): unions, ``allOf`` parts,
discriminators and types are read there.

Schemas stay JSON and keep their JSON pointer in the document, so that the runtime's
schema engine (``_validation.SchemaEngine``) compiles and caches each one once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .._schema.types import intended_types, is_null_schema
from .._schema.unions import alternatives, discriminator, merged_properties, object_parts, resolve

__all__ = ["Variant", "allows_null", "json_types", "variants"]


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

    def add(self, doc: Mapping[str, Any], node: Mapping[str, Any], pointer: str) -> None:
        """Merge an object schema (and its ``allOf`` parts) into this variant."""
        merged = merged_properties(object_parts(doc, node, pointer))
        for name, (sub, where) in merged.properties.items():
            if name in self.properties:
                continue
            resolved, _ = resolve(doc, sub, where)
            self.properties[name] = where
            self.schemas[name] = sub if isinstance(sub, Mapping) else {}
            text = (sub.get("description") if isinstance(sub, Mapping) else None) or resolved.get("description")
            if isinstance(text, str):
                self.descriptions[name] = text
            if "const" in resolved:
                self.consts[name] = resolved["const"]
        for name in merged.required:
            if name not in self.required:
                self.required.append(name)


def variants(doc: Mapping[str, Any], node: Any, pointer: str = "") -> tuple[str | None, list[Variant]]:
    """The object variants of a schema (unions flattened, ``null`` left out) and the property
    that tells them apart (the discriminator's, or a required ``const`` they share)."""
    resolved, where = resolve(doc, node, pointer)
    found: list[Variant] = []
    for schema, at in alternatives(doc, resolved, where):
        if is_null_schema(schema):
            continue
        if "properties" in schema or schema.get("type") == "object" or "allOf" in schema:
            variant = Variant(at)
            variant.add(doc, schema, at)
            if variant.properties:
                found.append(variant)
    disc = discriminator(resolved)
    tag = disc.property if disc is not None else None
    if tag is None and len(found) > 1:
        shared = set.intersection(*(set(v.consts) & set(v.required) for v in found))
        tag = sorted(shared)[0] if shared else None
    return tag, found


def json_types(doc: Mapping[str, Any], node: Any) -> set[str]:
    """The JSON types a value of ``node`` may have (``null`` included); empty: any."""
    out: set[str] = set()
    for schema, _ in alternatives(doc, node):
        types = intended_types(schema)
        if not types:
            return set()
        out |= types
    return out


def allows_null(doc: Mapping[str, Any], node: Any) -> bool:
    types = json_types(doc, node)
    return not types or "null" in types
