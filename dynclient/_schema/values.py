"""Text to JSON values, as a schema reads it: a command-line word, a query-string value.

The inverse, for values, of what ``_serialize`` writes: ``5`` becomes ``5`` where the schema
wants an integer and ``"5"`` where it wants a string; ``true``/``false`` booleans; a word
repeated becomes an array of its items' values; an object is JSON text. The alternatives of
a union are tried in a fixed order (integer, number, boolean, string, array, object), so a
value means the same thing wherever it is read (the CLI's ``--param``, the fake's request
decoding).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from .types import intended_types
from .unions import alternatives

__all__ = ["WordError", "member_schema", "word_value", "words_value"]

_ORDER = {"integer": 0, "number": 1, "boolean": 2, "string": 3, "array": 4, "object": 5}


class WordError(ValueError):
    """A word (or several) that no alternative of the schema accepts; the message says what it wants."""


def _branches(doc: Mapping[str, Any], schema: Any) -> list[tuple[str, Mapping[str, Any]]]:
    """``(JSON type, schema)`` pairs a value may take, unions flattened, null left out, in ``_ORDER``."""
    pairs = [
        (t, alt)
        for alt, _ in alternatives(doc, schema)
        for t in sorted(intended_types(alt), key=lambda t: _ORDER.get(t, 9))
        if t != "null"
    ]
    return sorted(pairs, key=lambda pair: _ORDER.get(pair[0], 9))


def word_value(doc: Mapping[str, Any], schema: Any, raw: str) -> Any:
    """One word as the JSON value ``schema`` wants; the word itself when the schema says nothing."""
    branches = _branches(doc, schema)
    if not branches:
        return raw
    for kind, sub in branches:
        if kind == "integer":
            try:
                return int(raw)
            except ValueError:
                continue
        if kind == "number":
            try:
                return float(raw)
            except ValueError:
                continue
        if kind == "boolean" and raw.lower() in ("true", "false"):
            return raw.lower() == "true"
        if kind == "string":
            return raw
        if kind == "array":
            return [word_value(doc, sub.get("items", {}), raw)]
        if kind == "object":
            try:
                return json.loads(raw)
            except json.JSONDecodeError:
                continue
    expected = " or ".join(dict.fromkeys(k for k, _ in branches))
    raise WordError(f"{raw!r} is not a valid {expected}")


def words_value(doc: Mapping[str, Any], schema: Any, raws: Sequence[str]) -> Any:
    """One word as ``word_value``; several as an array (the items' values)."""
    if len(raws) == 1:
        return word_value(doc, schema, raws[0])
    arrays = [sub for kind, sub in _branches(doc, schema) if kind == "array"]
    if not arrays:
        raise WordError(f"given {len(raws)} times, but takes a single value")
    return [word_value(doc, arrays[0].get("items", {}), r) for r in raws]


def member_schema(doc: Mapping[str, Any], schema: Any, key: str) -> Any:
    """The schema of entry ``key`` of an object value (a ``deepObject`` parameter's
    ``name[key]``): its property's, else ``additionalProperties``, else any."""
    objects = [sub for kind, sub in _branches(doc, schema) if kind == "object"]
    obj = objects[0] if objects else {}
    props = obj.get("properties")
    sub = props.get(key) if isinstance(props, Mapping) and key in props else obj.get("additionalProperties", {})
    return sub if isinstance(sub, Mapping) else {}
