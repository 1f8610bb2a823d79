"""Every schema of an OpenAPI document, checked once at load against JSON Schema 2020-12.

A schema that is not a schema (``type: strnig``, ``minLength: -1``, a ``required`` that is
not a list, a ``pattern`` that is not a regular expression) would otherwise load fine and
then fail at the first call with a raw error, or silently accept anything. ``check_schemas``
finds every schema where OpenAPI 3.1 puts one (components, parameters, headers, request
bodies, responses, callbacks, webhooks, and anything else a schema's ``$ref`` reaches) and
validates each with jsonschema-rs against the 2020-12 metaschema, extended for dynclient:

* ``pattern`` and ``patternProperties`` keys must be ECMA-262 regular expressions that the
  shared regex engine can run (``_dialect.pattern_problem``);
* ``$dynamicRef`` (dynamic scope) and ``$id`` (a new base URI for the ``$ref``s below it) are
  refused: dynclient resolves references statically against the document;
* ``$schema``, where present, must name draft 2020-12 (or OpenAPI 3.1's dialect of it).

Then the references: a cycle of schemas that apply to the same value without descending into
it (``A: {allOf: [{$ref: B}]}``, ``B: {anyOf: [{$ref: A}]}``) is infinite recursion, which
JSON Schema leaves undefined (jsonschema-rs says valid, python-jsonschema overflows); and a
chain of such in-place applications longer than ``MAX_IN_PLACE`` (Polar's longest is 4) would
exhaust python-jsonschema's recursion on any value. Both are ``SpecError``s.

The first problem is a ``SpecError`` with the JSON pointer of the offending value. A
document that passed is remembered by fingerprint, so loading it again costs nothing.
"""

from __future__ import annotations

import bisect
import functools
import threading
from collections.abc import Iterable
from typing import Any

import jsonschema_rs

from ._dialect import pattern_problem
from ._errors import SpecError
from ._schema.keywords import IN_PLACE_LIST, IN_PLACE_MAP, IN_PLACE_ONE
from ._schema.openapi import schema_locations
from ._schema.pointer import pointer_join, ref_pointer, resolve_pointer

__all__ = ["MAX_IN_PLACE", "check_schemas"]

#: Longest chain of in-place applicators (``$ref``, ``allOf``/``anyOf``/``oneOf``, ``not``,
#: ``if``/``then``/``else``, ``dependentSchemas``) a value may be checked through at one place.
MAX_IN_PLACE = 32

META_2020_12 = "https://json-schema.org/draft/2020-12/schema"
_DIALECTS = [
    META_2020_12,
    META_2020_12 + "#",
    "https://spec.openapis.org/oas/3.1/dialect/base",
    "https://spec.openapis.org/oas/3.1/dialect/2024-10-25",
]
_META: dict[str, Any] = {
    "$schema": META_2020_12,
    "$id": "urn:dynclient:meta",
    "$dynamicAnchor": "meta",  # the metaschema's own $dynamicRef "#meta" lands here: every subschema
    "allOf": [{"$ref": META_2020_12}],
    "properties": {
        "$dynamicRef": False,
        "$id": False,
        "$schema": {"enum": _DIALECTS},
    },
}
_REFUSED = {
    "$dynamicRef": "$dynamicRef is not supported (references are resolved statically; use $ref)",
    "$id": "$id is not supported (references are resolved against the document; use $ref)",
    "$schema": f"$schema must be JSON Schema 2020-12 ({META_2020_12})",
}
_CHECKED: dict[str, None] = {}  # fingerprints of documents that passed (bounded, oldest dropped)
_CHECKED_MAX = 64
_LOCK = threading.Lock()


def _any(_value: str) -> bool:
    return True


def _regex(value: str) -> bool:
    return pattern_problem(value) is None


@functools.cache
def _meta_validator() -> Any:
    # only ``regex`` is asserted: $ref values are checked where they are resolved
    formats = {"regex": _regex, "uri": _any, "uri-reference": _any}
    return jsonschema_rs.validator_for(_META, validate_formats=True, formats=formats)


_Found = list[tuple[str, Any]]  # (pointer, schema)


def _within(pointer: str, roots: set[str]) -> bool:
    """Whether ``pointer`` is one of ``roots`` or inside one."""
    if pointer in roots:
        return True
    end = pointer.rfind("/")
    while end > 0:
        if pointer[:end] in roots:
            return True
        end = pointer.rfind("/", 0, end)
    return False


def _closure(data: Any, found: _Found, refs: Iterable[tuple[str, str]]) -> _Found:
    """``found`` plus every local ``$ref`` target that a schema among them reaches and that
    is not already inside one (a schema kept under ``x-...``, say)."""
    by_holder = sorted((at, target) for ref, at in refs if (target := ref_pointer(ref)) is not None)
    holders = [at for at, _target in by_holder]
    known = {pointer for pointer, _node in found}
    out = list(found)
    work = list(known)
    while work:
        root = work.pop()
        i = bisect.bisect_left(holders, root)
        while i < len(holders) and holders[i].startswith(root):
            at, target = by_holder[i]
            i += 1
            if (at == root or at[len(root)] == "/") and not _within(target, known):
                known.add(target)
                out.append((target, resolve_pointer(data, target, at=at)))
                work.append(target)
    return out


def _problem(error: Any, pointer: str) -> SpecError:
    path = list(error.instance_path)
    where = pointer_join(pointer, *path)
    last = path[-1] if path else None
    if isinstance(last, str) and last in _REFUSED:
        return SpecError(_REFUSED[last], where)
    if last == "patternProperties" and isinstance(error.instance, dict):
        for key in error.instance:
            reason = pattern_problem(key)
            if reason is not None:
                return SpecError(f"patternProperties key {key!r} {reason}", where)
    if isinstance(error.instance, str) and type(error.kind).__name__ == "Format":
        reason = pattern_problem(error.instance) or "is not a regular expression"
        return SpecError(f"pattern {error.instance!r} {reason}", where)
    message = str(error.message).splitlines()[0]
    return SpecError(f"invalid schema: {message}", where)


def _in_place_refs(node: Any) -> list[tuple[str, int]]:
    """The local ``$ref`` targets a schema applies in place (to the same value), each with the
    number of in-place steps taken to reach its ``$ref`` (0: the schema itself holds it)."""
    out: list[tuple[str, int]] = []
    stack = [(node, 0)]
    while stack:
        item, steps = stack.pop()
        if not isinstance(item, dict):
            continue
        ref = item.get("$ref")
        target = ref_pointer(ref) if isinstance(ref, str) else None
        if target is not None:
            out.append((target, steps))
        for key in IN_PLACE_LIST:
            value = item.get(key)
            if isinstance(value, list):
                stack.extend((v, steps + 1) for v in value)
        for key in IN_PLACE_ONE:
            if key in item:
                stack.append((item[key], steps + 1))
        for key in IN_PLACE_MAP:
            value = item.get(key)
            if isinstance(value, dict):
                stack.extend((v, steps + 1) for v in value.values())
    return out


def _check_in_place(data: dict[str, Any], refs: Iterable[tuple[str, str]]) -> None:
    """No cycle of in-place references, no in-place chain longer than ``MAX_IN_PLACE``
    (iterative: a chain of thousands of references costs no recursion here)."""
    targets = dict.fromkeys(target for ref, _at in refs if (target := ref_pointer(ref)) is not None)
    length: dict[str, int] = {}  # finished: the longest in-place chain starting at the pointer
    for start in targets:
        if start in length:
            continue
        # depth-first, one frame per pointer on the current path: [pointer, edges left,
        # longest chain found so far, in-place steps of the edge that led here]
        frames: list[tuple[str, list[tuple[str, int]], list[int], int]] = []
        frames.append((start, _in_place_refs(resolve_pointer(data, start, at=start)), [0], 0))
        on_path = {start}
        while frames:
            pointer, edges, best, via = frames[-1]
            if edges:
                target, steps = edges.pop()
                if target in on_path:
                    names = [f[0] for f in frames]
                    cycle = " -> ".join("#" + p for p in [*names[names.index(target) :], target])
                    raise SpecError(f"schemas apply each other in place without end: {cycle}", target)
                if target in length:
                    best[0] = max(best[0], steps + 1 + length[target])
                else:
                    on_path.add(target)
                    frames.append((target, _in_place_refs(resolve_pointer(data, target, at=target)), [0], steps))
                continue
            frames.pop()
            on_path.discard(pointer)
            length[pointer] = best[0]
            if best[0] > MAX_IN_PLACE:
                raise SpecError(
                    f"a value would be checked through a chain of {best[0]} in-place references and "
                    f"applicators from here (the limit is {MAX_IN_PLACE})",
                    pointer,
                )
            if frames:
                parent_best = frames[-1][2]
                parent_best[0] = max(parent_best[0], via + 1 + best[0])


def check_schemas(data: dict[str, Any], refs: Iterable[tuple[str, str]], fingerprint: str) -> None:
    """Check every schema of ``data`` (``refs``: every ``$ref`` with the pointer holding it, as
    ``_document`` collects them); SpecError at the first invalid one."""
    if fingerprint in _CHECKED:
        return
    refs = list(refs)
    validator = _meta_validator()
    for pointer, node in _closure(data, schema_locations(data), refs):
        if validator.is_valid(node):
            continue
        for error in validator.iter_errors(node):
            raise _problem(error, pointer)
    _check_in_place(data, refs)
    with _LOCK:
        _CHECKED[fingerprint] = None
        while len(_CHECKED) > _CHECKED_MAX:
            del _CHECKED[next(iter(_CHECKED))]
