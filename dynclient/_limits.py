"""Limits on data that keep recursive code safe, checked iteratively before it runs.

Everything below a schema engine recurses on nesting: jsonschema-rs (a stack overflow, i.e. a
segfault, near 100,000 levels), python-jsonschema (``RecursionError`` near 100-200 levels,
depending on the schema), ``json.dumps`` (near 1,000). ``too_deep`` measures nesting without
recursion, so arguments and responses nested deeper than ``MAX_DATA_DEPTH`` are refused with
an error that names the first place past the limit, before any of that code runs.

Polar's full spec nests its schemas about 20 deep; the deepest data it describes is its one
recursive schema, a filter whose clauses hold filters (each level is two levels of data). 64
leaves room for filters 30 levels deep, and keeps python-jsonschema's explanations far from
the interpreter's recursion limit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from ._errors import FieldError

__all__ = ["MAX_DATA_DEPTH", "REGEX_BACKTRACK_LIMIT", "too_deep", "too_deep_arguments", "unparsable"]

#: Deepest nesting of objects and arrays accepted in arguments and responses (a scalar is 0 deep,
#: ``{"a": 1}`` is 1 deep).
MAX_DATA_DEPTH = 64
#: Backtracking steps fancy-regex may take for one match of a ``pattern`` with lookaround or
#: backreferences (all other patterns run on the linear-time regex crate); jsonschema-rs's default.
REGEX_BACKTRACK_LIMIT = 1_000_000

_EXACT = frozenset((dict, list))
_CONTAINERS = (dict, list, tuple)


@functools.cache
def _rs_within(limit: int) -> Callable[[Any], bool] | None:
    """For parsed JSON: a jsonschema-rs check that ``value`` nests at most ``limit`` deep, or
    None without jsonschema-rs. Schema ``d0`` refuses a container, ``dk`` is a container whose
    members are ``d(k-1)``: Rust walks the value (never deeper than ``limit + 1``), ~2.5x faster
    than the walk below on a 100-customer page, which stays the reference (and the only check of
    a caller's values, whose containers may be subclasses and tuples)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - a declared dependency
        return None
    defs: dict[str, Any] = {"d0": {"not": {"type": ["object", "array"]}}}
    for k in range(1, limit + 1):
        below = {"$ref": f"#/$defs/d{k - 1}"}
        defs[f"d{k}"] = {"items": below, "additionalProperties": below}
    validator = jsonschema_rs.validator_for({"$defs": defs, "$ref": f"#/$defs/d{limit}"}, validate_formats=False)
    is_valid: Callable[[Any], bool] = validator.is_valid
    return is_valid


def _exceeds(value: Any, limit: int, parsed: bool) -> bool:
    """Whether ``value`` nests deeper than ``limit`` (level by level: no recursion, and only
    containers are kept between levels)."""
    if parsed and limit >= 0 and (within := _rs_within(limit)) is not None:
        return not within(value)
    level = [value] if isinstance(value, _CONTAINERS) else []
    depth = 0
    while level:
        depth += 1
        if depth > limit:
            return True
        if parsed:  # json.loads output: exactly dict and list, so exact type checks suffice
            level = [v for node in level for v in (node.values() if type(node) is dict else node) if type(v) in _EXACT]
        else:  # caller data: subclasses and tuples too
            level = [
                v
                for node in level
                for v in (node.values() if isinstance(node, dict) else node)
                if isinstance(v, _CONTAINERS)
            ]
    return False


def _first_path(value: Any, limit: int) -> tuple[str | int, ...]:
    """The path (keys and indexes) to the first container, in document order, past ``limit``."""
    if limit <= 0:
        return ()
    keys: list[str | int] = []
    stack = [iter(_children(value))]
    while stack:
        for key, child in stack[-1]:
            if isinstance(child, _CONTAINERS):
                keys.append(key)
                if len(keys) > limit - 1:
                    return tuple(keys)
                stack.append(iter(_children(child)))
                break
        else:
            stack.pop()
            if keys:
                keys.pop()
    return ()


def _children(node: Any) -> list[tuple[str | int, Any]]:
    if isinstance(node, dict):
        return [(k if isinstance(k, (str, int)) else str(k), v) for k, v in node.items()]
    return list(enumerate(node))


def too_deep(value: Any, prefix: str = "", limit: int = MAX_DATA_DEPTH, *, parsed: bool = False) -> FieldError | None:
    """A FieldError at the first place where ``value`` nests deeper than ``limit``, or None.

    ``parsed=True`` says ``value`` came from ``json.loads`` (containers are exactly ``dict`` and
    ``list``), which allows a faster walk; otherwise dict/list subclasses and tuples count too.
    Iterative and cheap: ~0.1 ms on a 100-customer page (see ``docs/security.md``).
    """
    if not _exceeds(value, limit, parsed):
        return None
    path = _first_path(value, limit)
    return FieldError.at(path, f"nested deeper than the limit of {limit} levels", "depth", prefix=prefix)


def too_deep_arguments(values: Mapping[str, Any], locations: Mapping[str, str]) -> list[FieldError]:
    """``too_deep`` for each argument, located as the request check locates arguments
    (``body...``, ``query.<name>...``); ``locations`` maps argument names to their location."""
    found = []
    for name, value in values.items():
        where = locations.get(name, "argument")
        deep = too_deep(value, "body" if where == "body" else f"{where}.{name}")
        if deep is not None:
            found.append(deep)
    return found


def unparsable(exc: Exception) -> str:
    """The message for a response body ``json.loads`` refused (``exc``: ValueError or RecursionError)."""
    if isinstance(exc, RecursionError):
        return "not valid JSON: nested too deeply to parse"
    return f"not valid JSON: {exc}"
