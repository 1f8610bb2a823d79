"""Unions, discriminators and ``allOf`` parts, read through ``$ref``s.

- ``union_members``: a schema's ``oneOf`` (else ``anyOf``) members.
- ``alternatives``: the non-union schemas a value may match, unions flattened, ``$ref``s
  followed (``nullable`` questions are asked of them: ``is_null_schema``).
- ``Discriminator``: OpenAPI's ``discriminator`` of a union, as a map from tag value to the
  member it selects. The rule: the explicit ``mapping``, plus, for each member ``$ref`` no
  explicit entry names, its schema's name (the last token of the ``$ref``, usually the
  component name: the implicit mapping).
- ``object_parts`` / ``merged_properties``: the parts of an object made with ``allOf``, and
  their properties merged (a schema's own before its parts', earlier parts before later).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .keywords import UNIONS
from .pointer import follow_refs, pointer_join, ref_pointer, split_pointer
from .types import is_null_schema, openapi_nullable

__all__ = [
    "Discriminator",
    "MergedProperties",
    "alternatives",
    "discriminator",
    "merged_properties",
    "nullable",
    "object_parts",
    "resolve",
    "union_members",
]

#: How deep unions and ``allOf``s nest before the walks stop (recursive schemas end there).
MAX_DEPTH = 16


def resolve(doc: Mapping[str, Any], node: Any, pointer: str = "") -> tuple[Mapping[str, Any], str]:
    """``node`` with its ``$ref`` chain followed, and the pointer where it ends (a non-object
    ends as ``{}``: any value)."""
    target, where = follow_refs(doc, node, pointer)
    return (target if isinstance(target, Mapping) else {}), where


def union_members(schema: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
    """``(keyword, members)`` of a union (``oneOf``, else ``anyOf``); None for no union."""
    for key in UNIONS:
        members = schema.get(key)
        if isinstance(members, list):
            return key, members
    return None


def alternatives(
    doc: Mapping[str, Any], node: Any, pointer: str = "", *, depth: int = 0
) -> list[tuple[Mapping[str, Any], str]]:
    """The schemas (``$ref``s followed) a value of ``node`` may match, unions flattened, with
    their pointers; a schema that is no union is its own one alternative."""
    schema, where = resolve(doc, node, pointer)
    union = union_members(schema)
    if union is None or depth > MAX_DEPTH:
        return [(schema, where)]
    key, members = union
    out: list[tuple[Mapping[str, Any], str]] = []
    for i, member in enumerate(members):
        out += alternatives(doc, member, pointer_join(where, key, i), depth=depth + 1)
    return out


def nullable(doc: Mapping[str, Any], node: Any) -> bool:
    """Whether ``null`` is one of the alternatives of ``node`` (``type: null`` or a type list
    with ``null``, a ``null`` const or enum value, OpenAPI 3.0's ``nullable: true``)."""
    for schema, _ in alternatives(doc, node):
        if is_null_schema(schema) or openapi_nullable(schema):
            return True
        t = schema.get("type")
        if isinstance(t, list) and "null" in t:
            return True
        if "const" in schema and schema["const"] is None:
            return True
        if isinstance(schema.get("enum"), list) and None in schema["enum"]:
            return True
    return False


class Discriminator:
    """A union's discriminator: ``property`` names the tag; ``mapping`` maps each tag value to
    the ``$ref`` of the member it selects (explicit entries first, then implicit names).
    (A plain class, not a dataclass: this module is imported by every client, and a dataclass
    costs a few hundred microseconds to define.)"""

    __slots__ = ("mapping", "property")

    def __init__(self, property: str, mapping: dict[str, str]) -> None:  # noqa: A002 - OpenAPI's word
        self.property = property
        self.mapping = mapping

    def __repr__(self) -> str:
        return f"Discriminator({self.property!r}, {self.mapping!r})"

    def target(self, value: Any) -> str | None:
        """The member ``$ref`` a tag value selects (None: no known member)."""
        return self.mapping.get(value) if isinstance(value, str) else None

    def tags(self, ref: str) -> list[str]:
        """The tag values that select the member ``ref``."""
        return [tag for tag, target in self.mapping.items() if target == ref]


def discriminator(schema: Mapping[str, Any]) -> Discriminator | None:
    """The discriminator of a union schema (see the module docstring), or None."""
    disc = schema.get("discriminator")
    if not isinstance(disc, Mapping) or not isinstance(disc.get("propertyName"), str):
        return None
    raw = disc.get("mapping")
    mapping = {str(k): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    named = set(mapping.values())
    union = union_members(schema)
    for member in union[1] if union is not None else ():
        ref = member.get("$ref") if isinstance(member, Mapping) else None
        target = ref_pointer(ref) if isinstance(ref, str) else None
        if isinstance(ref, str) and target and ref not in named:
            mapping.setdefault(split_pointer(target)[-1], ref)
    return Discriminator(disc["propertyName"], mapping)


def object_parts(
    doc: Mapping[str, Any], node: Any, pointer: str = "", *, depth: int = 0
) -> list[tuple[Mapping[str, Any], str]]:
    """A schema and its ``allOf`` parts, recursively (``$ref``s followed), own first."""
    schema, where = resolve(doc, node, pointer)
    out = [(schema, where)]
    parts = schema.get("allOf")
    if isinstance(parts, list) and depth <= MAX_DEPTH:
        for i, part in enumerate(parts):
            out += object_parts(doc, part, pointer_join(where, "allOf", i), depth=depth + 1)
    return out


class MergedProperties:
    """The properties of an object's parts: name -> (subschema, its pointer), and required names."""

    __slots__ = ("properties", "required")

    def __init__(self) -> None:
        self.properties: dict[str, tuple[Any, str]] = {}
        self.required: list[str] = []


def merged_properties(parts: list[tuple[Mapping[str, Any], str]]) -> MergedProperties:
    """The properties and required names of ``parts`` (``object_parts``), the first part that
    declares a property giving its schema; required names in first-seen order."""
    merged = MergedProperties()
    for schema, where in parts:
        props = schema.get("properties")
        if isinstance(props, Mapping):
            for name, sub in props.items():
                if name not in merged.properties:
                    merged.properties[name] = (sub, pointer_join(where, "properties", name))
        required = schema.get("required")
        for name in required if isinstance(required, list) else ():
            if isinstance(name, str) and name not in merged.required:
                merged.required.append(name)
    return merged
