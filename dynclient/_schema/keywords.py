"""The JSON Schema 2020-12 keyword vocabulary: which keywords hold subschemas, which hold data.

The one list of where a schema's subschemas are (the same as ``referencing``'s own knowledge of
draft 2020-12, which a test checks; ``referencing`` is not imported here, to keep it off the
import path of a client), and the one rule for walking a whole OpenAPI document as if every
object in it could be a schema (``document_children``), as the schema engines' rewrites do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

__all__ = [
    "DATA",
    "IN_LIST",
    "IN_MAP",
    "IN_PLACE_LIST",
    "IN_PLACE_MAP",
    "IN_PLACE_ONE",
    "IN_VALUE",
    "MEMBER_LIST",
    "MEMBER_MAP",
    "MEMBER_ONE",
    "NAME_MAPS",
    "NON_MONOTONIC",
    "UNEVALUATED",
    "UNIONS",
    "document_children",
    "subschemas",
]

#: Keywords whose value is one subschema.
IN_VALUE = frozenset(
    {
        "additionalProperties",
        "contains",
        "contentSchema",
        "else",
        "if",
        "items",
        "not",
        "propertyNames",
        "then",
        "unevaluatedItems",
        "unevaluatedProperties",
    }
)
#: Keywords whose value is a list of subschemas.
IN_LIST = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
#: Keywords whose value maps names (property names, patterns, ...) to subschemas.
IN_MAP = frozenset({"$defs", "definitions", "dependentSchemas", "patternProperties", "properties"})
#: Maps whose keys are names, never keywords, in a whole OpenAPI document: the schema maps
#: and ``components.schemas``.
NAME_MAPS = IN_MAP | {"schemas"}
#: Keywords whose value is instance data, never a schema (OpenAPI adds ``example``).
DATA = frozenset({"const", "enum", "default", "examples", "example"})
#: The union keywords, in the order a schema's members are read when it has both.
UNIONS = ("oneOf", "anyOf")
#: Applicators that apply their subschemas to the same value ("in place"), besides ``$ref``.
IN_PLACE_LIST = ("allOf", "anyOf", "oneOf")
IN_PLACE_ONE = ("not", "if", "then", "else")
IN_PLACE_MAP = ("dependentSchemas",)
#: Applicators whose subschemas apply to a member of the value, one level down (the rest of
#: ``IN_VALUE``/``IN_LIST``/``IN_MAP`` apply to the value itself, or define, or name).
MEMBER_ONE = ("additionalProperties", "items", "contains", "unevaluatedProperties", "unevaluatedItems")
MEMBER_LIST = ("prefixItems",)
MEMBER_MAP = ("properties", "patternProperties")
#: Keywords whose meaning depends on what other keywords evaluated.
UNEVALUATED = frozenset(MEMBER_ONE[3:])
#: Keywords below which a schema that admits *more* can make the whole admit *less* (``not``
#: and ``if`` invert, ``propertyNames`` and ``contains`` count): a relaxed copy keeps them strict.
NON_MONOTONIC = frozenset({"not", "if", "propertyNames", "contains"})


def subschemas(schema: Any) -> Iterator[Mapping[str, Any]]:
    """Every schema object in the tree of ``schema`` (itself first), not crossing ``$ref``."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        yield node
        if "$ref" in node:
            continue
        for key, value in node.items():
            if key in IN_VALUE:
                stack.append(value)
            elif key in IN_LIST and isinstance(value, list):
                stack.extend(value)
            elif key in IN_MAP and isinstance(value, Mapping):
                stack.extend(value.values())


def document_children(node: Mapping[str, Any]) -> Iterator[tuple[str, Any, bool]]:
    """``(key, value, is_map)`` for the keys of an object of an OpenAPI document that may hold
    schemas: everything but data keywords and ``x-`` extensions; ``is_map`` when the value maps
    names (which may equal a keyword) to schemas (``NAME_MAPS``)."""
    for key, value in node.items():
        if key in NAME_MAPS and isinstance(value, dict):
            yield key, value, True
        elif key not in DATA and not key.startswith("x-") and isinstance(value, (dict, list)):
            yield key, value, False
