"""Deterministic full instances of a schema, and single-fault mutations of them.

``full(schema)`` builds one valid instance with every optional property present (first
non-null ``anyOf`` branch; each ``oneOf`` branch separately) and records, for every leaf,
the schema that governs it. ``mutations(...)`` then breaks exactly one thing at a time:
a missing required property, a wrong JSON type, a value outside an ``enum``/``const``
(a discriminator among them), a malformed ``format``, a too-long string, a too-long key.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

_FORMAT_SAMPLES = {
    "uuid4": "4f0c2a4e-9a3b-4c1d-8e2f-0123456789ab",
    "uuid": "4f0c2a4e-9a3b-4c1d-8e2f-0123456789ab",
    "email": "someone@example.com",
    "date-time": "2024-05-06T07:08:09Z",
    "date": "2024-05-06",
}
_BAD_FORMAT = {
    "uuid4": str(uuid.UUID("12345678-1234-1234-8234-123456789abc")),  # version 1 nibble: a UUID, not a v4
    "uuid": "not-a-uuid",
    "email": "not-an-email",
    "date-time": "yesterday",
    "date": "2024-13-45",
}
_CANDIDATES: list[tuple[str, Any]] = [
    ("integer", 7),
    ("string", "text"),
    ("boolean", True),
    ("array", [1]),
    ("object", {"k": 1}),
    ("null", None),
]


@dataclass
class Leaf:
    path: tuple[str | int, ...]
    schema: Mapping[str, Any]


@dataclass
class Shape:
    value: Any
    leaves: list[Leaf] = field(default_factory=list)
    objects: list[tuple[tuple[str | int, ...], Mapping[str, Any]]] = field(default_factory=list)


class Walker:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document

    def deref(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while "$ref" in schema:
            node: Any = self.document
            for part in schema["$ref"][2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema = node
            seen += 1
            if seen > 50:
                raise ValueError("ref loop")
        return schema

    def allowed_types(self, schema: Mapping[str, Any]) -> set[str] | None:
        """JSON types an instance may have, or None when anything goes."""
        s = self.deref(schema)
        if "const" in s:
            return {_json_type(s["const"])}
        if "enum" in s:
            return {_json_type(v) for v in s["enum"]}
        branches = s.get("anyOf") or s.get("oneOf")
        if branches:
            out: set[str] = set()
            for b in branches:
                t = self.allowed_types(b)
                if t is None:
                    return None
                out |= t
            return out
        t = s.get("type")
        if t is None:
            return {"object"} if "properties" in s else None
        types = set(t) if isinstance(t, list) else {t}
        if "number" in types:
            types.add("integer")
        return types

    def full(self, schema: Mapping[str, Any]) -> list[Shape]:
        """One full instance per oneOf branch at the root (else one)."""
        s = self.deref(schema)
        if "oneOf" in s:
            return [shape for b in s["oneOf"] for shape in self.full(b)]
        shape = Shape(None)
        shape.value = self._build(s, (), shape)
        return [shape]

    def _build(self, schema: Mapping[str, Any], path: tuple[str | int, ...], shape: Shape) -> Any:
        s = self.deref(schema)
        if "const" in s or "enum" in s:
            shape.leaves.append(Leaf(path, s))
            return s["const"] if "const" in s else s["enum"][0]
        branches = s.get("anyOf") or s.get("oneOf")
        if branches:
            non_null = [b for b in branches if self.deref(b).get("type") != "null"]
            value = self._build(non_null[0] if non_null else branches[0], path, shape)
            shape.leaves.append(Leaf(path, s))  # type faults must consider every branch
            return value
        kind = s.get("type", "object" if "properties" in s else None)
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), kind[0])
        if kind == "object":
            out: dict[str, Any] = {}
            shape.objects.append((path, s))
            for name, sub in s.get("properties", {}).items():
                out[name] = self._build(sub, (*path, name), shape)
            extra = s.get("additionalProperties")
            if isinstance(extra, Mapping) and not s.get("properties"):
                out["key1"] = self._build(extra, (*path, "key1"), shape)
            shape.leaves.append(Leaf(path, s))
            return out
        if kind == "array":
            prefix = s.get("prefixItems")
            shape.leaves.append(Leaf(path, s))
            if prefix:
                return [self._build(p, (*path, i), shape) for i, p in enumerate(prefix)]
            items = s.get("items")
            return [self._build(items, (*path, 0), shape)] if isinstance(items, Mapping) else []
        shape.leaves.append(Leaf(path, s))
        if kind == "string":
            return _FORMAT_SAMPLES.get(s.get("format", ""), "x" * max(1, s.get("minLength", 1)))
        if kind == "integer":
            return int(s.get("exclusiveMinimum", s.get("minimum", 0))) + 1
        if kind == "number":
            return 1.5
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return "anything"

    def mutations(self, shape: Shape) -> Iterator[tuple[str, Any]]:
        """(label, mutated instance) pairs, each breaking exactly one rule."""
        for path, obj in shape.objects:
            for name in obj.get("required", []):
                if name in _get(shape.value, path):
                    yield f"missing {_fmt((*path, name))}", _without(shape.value, path, name)
            props = obj.get("properties", {})
            names = obj.get("propertyNames", {})
            if isinstance(obj.get("additionalProperties"), Mapping) and "maxLength" in names:
                yield f"key too long at {_fmt(path)}", _with_key(shape.value, path, "k" * (names["maxLength"] + 1), 1)
            if obj.get("additionalProperties") is False and props:
                yield f"unknown key at {_fmt(path)}", _with_key(shape.value, path, "zz_unknown", 1)
        seen: set[tuple[tuple[str | int, ...], str]] = set()
        for leaf in shape.leaves:
            for label, value in self._leaf_faults(leaf.schema):
                key = (leaf.path, label)
                if key in seen:
                    continue
                seen.add(key)
                yield f"{label} at {_fmt(leaf.path)}", _replace(shape.value, leaf.path, value)

    def _leaf_faults(self, schema: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
        s = self.deref(schema)
        allowed = self.allowed_types(s)
        if allowed is not None:
            for name, value in _CANDIDATES:
                if name not in allowed and not (name == "integer" and "number" in allowed):
                    yield "wrong type", value
                    break
        if "const" in s and isinstance(s["const"], str):
            yield "bad const", s["const"] + "-alien"
        if "enum" in s and all(isinstance(v, str) for v in s["enum"]):
            yield "bad enum", "ZZ-not-listed"
        fmt = s.get("format")
        if fmt in _BAD_FORMAT:
            yield f"bad {fmt}", _BAD_FORMAT[fmt]
        if isinstance(s.get("maxLength"), int) and s.get("type") == "string" and not fmt:
            yield "too long", "y" * (s["maxLength"] + 1)
        if isinstance(s.get("exclusiveMinimum"), (int, float)) and s.get("type") in ("integer", "number"):
            yield "at exclusiveMinimum", s["exclusiveMinimum"]


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


def _fmt(path: tuple[str | int, ...]) -> str:
    return "/" + "/".join(str(p) for p in path)


def _get(value: Any, path: tuple[str | int, ...]) -> Any:
    for p in path:
        value = value[p]
    return value


def _replace(value: Any, path: tuple[str | int, ...], new: Any) -> Any:
    if not path:
        return copy.deepcopy(new)
    out = copy.deepcopy(value)
    _get(out, path[:-1])[path[-1]] = copy.deepcopy(new)
    return out


def _without(value: Any, path: tuple[str | int, ...], name: str) -> Any:
    out = copy.deepcopy(value)
    del _get(out, path)[name]
    return out


def _with_key(value: Any, path: tuple[str | int, ...], key: str, item: Any) -> Any:
    out = copy.deepcopy(value)
    _get(out, path)[key] = item
    return out
