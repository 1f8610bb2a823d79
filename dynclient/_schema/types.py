"""What a single schema says about the values it allows: JSON types, listed values, null.

Two readings of "which types", kept apart on purpose:

- ``declared_types``: exactly what the ``type`` keyword allows (None: no ``type``, any type).
- ``intended_types``: the types a schema is *meant* for, as code that renders, compares,
  parses or generates values reads it: the declared ones, else those of its ``const``/``enum``
  values, else the family its keywords belong to (``properties``... -> object, ``items``...
  -> array). Empty: nothing says (any value).

Listed values (``const``, ``enum``) and null-ness are read here too. Unions and references
are the next module's (``unions``); nothing here follows a ``$ref``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = [
    "ARRAY_KEYWORDS",
    "JSON_TYPES",
    "OBJECT_KEYWORDS",
    "declared_types",
    "enum_values",
    "intended_types",
    "is_null_schema",
    "json_type_of",
    "openapi_nullable",
    "single_value",
]

#: The JSON Schema types, in the order a union of them is listed (objects first, null last).
JSON_TYPES = ("object", "array", "string", "integer", "number", "boolean", "null")
#: Keywords that only apply to objects / to arrays: a schema using them is meant for one.
OBJECT_KEYWORDS = ("properties", "additionalProperties", "patternProperties", "required")
ARRAY_KEYWORDS = ("items", "prefixItems")


def json_type_of(value: Any) -> str:
    """The JSON type of a JSON value (``True`` is a boolean, ``1`` an integer, ``1.5`` a number)."""
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
    if isinstance(value, list | tuple):
        return "array"
    return "object"


def declared_types(schema: Mapping[str, Any]) -> frozenset[str] | None:
    """The types the ``type`` keyword allows; None when there is no ``type``."""
    t = schema.get("type")
    if isinstance(t, str):
        return frozenset((t,))
    if isinstance(t, list):
        return frozenset(x for x in t if isinstance(x, str))
    return None


def enum_values(schema: Mapping[str, Any]) -> list[Any] | None:
    """The values ``const`` or ``enum`` lists (``const`` first); None when it lists none."""
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) else None


def single_value(schema: Any) -> tuple[bool, Any]:
    """``(True, value)`` when ``schema`` allows exactly one value (a ``const``, a one-value ``enum``)."""
    if not isinstance(schema, Mapping):
        return False, None
    values = enum_values(schema)
    if values is not None and len(values) == 1:
        return True, values[0]
    return False, None


def intended_types(schema: Mapping[str, Any], *, values: bool = True) -> frozenset[str]:
    """The types ``schema`` is meant for (see the module docstring); empty: any.

    ``values=False`` leaves listed values out of it (a renderer that spells them as literals
    reads the shape keywords only)."""
    declared = declared_types(schema)
    if declared is not None:
        return declared
    listed = enum_values(schema) if values else None
    if listed is not None:
        return frozenset(json_type_of(v) for v in listed)
    found: set[str] = set()
    if any(k in schema for k in OBJECT_KEYWORDS):
        found.add("object")
    if any(k in schema for k in ARRAY_KEYWORDS):
        found.add("array")
    return frozenset(found)


def openapi_nullable(schema: Mapping[str, Any]) -> bool:
    """OpenAPI 3.0's ``nullable: true`` (3.1 spells it ``type: [..., "null"]``), still honoured."""
    return schema.get("nullable") is True


def is_null_schema(schema: Any) -> bool:
    """Whether ``schema`` allows ``null`` and nothing else (``type: null``)."""
    return isinstance(schema, Mapping) and schema.get("type") == "null"
