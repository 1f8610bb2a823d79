"""Drift or violation: how a value that fails its schema is judged (responses, webhook payloads).

Servers move ahead of their specs. A change is *additive drift* when the server knows
something the spec does not yet: a string outside an ``enum`` or ``const`` (a new value), a
discriminator value that names no known branch (a new kind of object, returned as it came),
a property where ``additionalProperties``/``unevaluatedProperties`` is ``false``. Everything
else (a wrong type, a missing required property, a bad format, ...) is a *violation*.

``judge`` is the one place that decides; the client's ``validate_responses="compatible"``
mode and webhook parsing both ask it.

How it stays fast. The verdict "drift only" means: the value is valid against a *lenient*
copy of the spec in which every ``enum``/``const`` also admits any other string, every
``additionalProperties: false``/``unevaluatedProperties: false`` admits anything, and every
discriminated union has one more branch for an object whose tag names no known branch (the
known branches are selected by their tags, as OpenAPI's discriminator says). That copy is
compiled once per schema for jsonschema-rs (``relax_document``), so the verdict runs in Rust.
Each relaxed place carries a marker keyword whose callback records the place when a value
reaches it: that is enough to tell "drift already reported" (nothing more to do) from "new
drift" (then, and only then, the exact places are located with jsonschema-rs' annotation
output). Relaxing happens only where it can only ever admit more (never below ``not``,
``if``, ``propertyNames`` or ``contains``, which keep the strict schema). When the lenient
copy still refuses the value, or no jsonschema-rs is available, python-jsonschema explains
the value (``reference``), which is also what decides the rare values the lenient copy
cannot place.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ._errors import FieldError, SpecError
from ._schema.keywords import NON_MONOTONIC, document_children
from ._schema.pointer import lookup_pointer, pointer_join, split_pointer
from ._schema.unions import discriminator, union_members
from ._validation import SPEC_URI, Compiled

__all__ = [
    "LENIENT_URI",
    "MARK",
    "DriftLedger",
    "Verdict",
    "drift_message",
    "judge",
    "reference",
    "relax_document",
    "relax_schema",
]

#: Where the relaxed copy of the document is registered for jsonschema-rs.
LENIENT_URI = "urn:dynclient:lenient"
#: The marker keyword at each relaxed place; its value is the place's key (a JSON pointer into
#: the spec, ending in the keyword that was relaxed: ``.../country/enum``).
MARK = "x-dynclient-drift"

# -- the lenient copy ------------------------------------------------------------------------


def _strict(node: Any, ref: Callable[[str], str]) -> Any:
    """``node`` unrelaxed, with its references pointed by ``ref`` (at the strict document)."""
    if isinstance(node, list):
        return [_strict(v, ref) for v in node]
    if not isinstance(node, dict):
        return node
    out = dict(node)  # data keywords and extensions as they are
    for key, value, is_map in document_children(node):
        out[key] = {k: _strict(v, ref) for k, v in value.items()} if is_map else _strict(value, ref)
    if isinstance(node.get("$ref"), str):
        out["$ref"] = ref(node["$ref"])
    return out


class _Relaxer:
    """Copies a schema (or a whole OpenAPI document) with every additive change admitted."""

    def __init__(self, top: bool) -> None:
        # the document keeps its local references; a top schema compiled against the document
        # names it by SPEC_URI, which the lenient copy replaces by LENIENT_URI
        self.top = top

    def ref(self, target: str) -> str:
        if self.top and target.startswith(SPEC_URI):
            return LENIENT_URI + target[len(SPEC_URI) :]
        return target

    def strict_ref(self, target: str) -> str:
        return SPEC_URI + target if not self.top and target.startswith("#") else target

    def relax(self, node: Any, ptr: str) -> Any:
        if isinstance(node, list):
            return [self.relax(v, f"{ptr}/{i}") for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        out = dict(node)  # data keywords and extensions as they are
        for key, value, is_map in document_children(node):
            here = pointer_join(ptr, key)
            if key in NON_MONOTONIC:
                out[key] = _strict(value, self.strict_ref)
            elif is_map:
                out[key] = {k: self.relax(v, pointer_join(here, k)) for k, v in value.items()}
            else:
                out[key] = self.relax(value, here)
        if isinstance(node.get("$ref"), str):
            out["$ref"] = self.ref(node["$ref"])
        extra: list[Any] = []
        for keyword in ("enum", "const"):
            if keyword in out and (keyword == "const" or isinstance(out[keyword], list)):
                # the value as declared, or any other string (a new value), marked
                spec = {keyword: out.pop(keyword)}
                extra.append({"anyOf": [spec, {"type": "string", "not": spec, MARK: f"{ptr}/{keyword}"}]})
        for keyword in ("additionalProperties", "unevaluatedProperties"):
            if out.get(keyword) is False:
                out[keyword] = {MARK: f"{ptr}/{keyword}"}
        union = self._discriminated(node, out, ptr)
        if union is not None:
            extra.append(union)
        if extra:
            previous = out.get("allOf")
            out["allOf"] = [*(previous if isinstance(previous, list) else ()), *extra]
        return out

    def _discriminated(self, node: Mapping[str, Any], out: dict[str, Any], ptr: str) -> dict[str, Any] | None:
        """A discriminated ``oneOf``/``anyOf`` as: each known branch guarded by its tags, plus
        one branch for an object whose tag names no known branch (removed from ``out``)."""
        disc = discriminator(node)
        union = union_members(node)
        if disc is None or union is None:
            return None
        kind, prop = union[0], disc.property
        tags: dict[str, list[str]] = {}
        for tag, target in disc.mapping.items():
            tags.setdefault(target, []).append(tag)
        branches: list[Any] = []
        for original, relaxed in zip(node[kind], out.pop(kind), strict=True):
            ref = original.get("$ref") if isinstance(original, dict) else None
            known = tags.get(ref) if isinstance(ref, str) else None
            if known:
                guard = {"type": "object", "required": [prop], "properties": {prop: {"enum": known}}}
                branches.append({"allOf": [guard, relaxed]})
            else:
                branches.append(relaxed)
        branches.append(
            {
                "type": "object",
                "required": [prop],
                "properties": {prop: {"not": {"enum": list(disc.mapping)}, MARK: f"{ptr}/discriminator"}},
            }
        )
        return {"anyOf": branches}


def relax_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """The lenient copy of an OpenAPI document (see the module docstring); the original is untouched."""
    relaxed: dict[str, Any] = _Relaxer(top=False).relax(dict(document), "")
    return relaxed


def relax_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The lenient twin of a schema compiled against the document (its SPEC_URI references
    now name the lenient copy); marks inside it are keyed ``#top/...``."""
    relaxed: dict[str, Any] = _Relaxer(top=True).relax(dict(schema), "#top")
    return relaxed


def _lenient_resources(document: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [(LENIENT_URI, relax_document(document))]


# -- running the lenient copy ------------------------------------------------------------------

_local = threading.local()


class _Mark:
    """jsonschema-rs custom keyword at each relaxed place: records the place's key when a value
    reaches it (also in a branch that fails later, so a new key is confirmed by ``located``)."""

    def __init__(self, _parent: Any, value: Any, _path: Any) -> None:
        self.key = str(value)

    def validate(self, _instance: Any) -> None:
        sink = getattr(_local, "sink", None)
        if sink is not None:
            sink.append(self.key)


class _Lenient:
    """The lenient twin of one compiled schema: a marking verdict and an exact locator."""

    __slots__ = ("_locate", "_mark")

    def __init__(self, mark: Any, locate: Any) -> None:
        self._mark = mark
        self._locate = locate

    def check(self, instance: Any) -> tuple[bool, list[str]]:
        """(valid against the lenient copy, keys of the relaxed places a value reached)."""
        outer = getattr(_local, "sink", None)
        sink: list[str] = []
        _local.sink = sink
        try:
            ok = bool(self._mark.is_valid(instance))
        except (ValueError, TypeError):  # a value JSON cannot hold
            ok = False
        finally:
            _local.sink = outer
        return ok, sink

    def located(self, instance: Any) -> list[tuple[str, str]]:
        """(key, instance pointer) of each relaxed place the valid evaluation went through."""
        out: list[tuple[str, str]] = []
        for unit in self._locate.evaluate(instance).annotations():
            note = unit.get("annotations")
            if isinstance(note, dict) and MARK in note:
                out.append((str(note[MARK]), str(unit.get("instanceLocation", ""))))
        return out


_NONE: Any = object()  # no lenient twin for this schema (python engine, or it would not compile)


def _lenient_for(compiled: Compiled) -> _Lenient | None:
    hit = compiled._lenient
    if hit is None:
        hit = _NONE
        engine = compiled._engine
        if engine is not None:
            try:
                top = relax_schema(compiled.schema)
                mark = engine.variant_validator("lenient", _lenient_resources, top, keywords={MARK: _Mark})
                locate = engine.variant_validator("lenient", _lenient_resources, top)
            except (ValueError, TypeError, SpecError, RecursionError):  # jsonschema-rs errors are ValueErrors
                mark = locate = None
            if mark is not None and locate is not None:
                hit = _Lenient(mark, locate)
        compiled._lenient = hit
    return None if hit is _NONE else hit


# -- the verdict -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What is wrong with a value: additive ``drift`` and ``violations`` (both empty: valid).

    ``keys[i]`` is the place in the spec that ``drift[i]`` departs from (a JSON pointer ending
    in ``enum``, ``const``, ``discriminator``, ``additionalProperties`` ...; for drift only the
    python explanation could place, ``@`` and the location with list indices left out): the
    key under which a client reports it once. ``seen`` holds every drift key met, including
    those left out of ``drift`` because the caller said it knew them.
    """

    drift: tuple[FieldError, ...] = ()
    violations: tuple[FieldError, ...] = ()
    keys: tuple[str, ...] = ()
    seen: frozenset[str] = field(default_factory=frozenset)

    @property
    def valid(self) -> bool:
        """The value matches the schema exactly."""
        return not self.drift and not self.violations and not self.seen

    @property
    def compatible(self) -> bool:
        """Nothing but additive drift (or nothing at all)."""
        return not self.violations


_VALID = Verdict()


def judge(compiled: Compiled, instance: Any, prefix: str = "body", *, known: Container[str] = ()) -> Verdict:
    """The verdict on ``instance``: the fast engine's answer, then the lenient copy's.

    ``known``: drift keys the caller has already reported; drift found only there is not
    located again (the verdict then has ``seen`` but no ``drift``), which keeps a steady
    stream of the same drift cheap.
    """
    if compiled.is_valid(instance):
        return _VALID
    lenient = _lenient_for(compiled)
    if lenient is not None:
        ok, seen = lenient.check(instance)
        if ok and seen:
            if all(key in known for key in seen):
                return Verdict(seen=frozenset(seen))
            places = lenient.located(instance)
            if places:
                document = getattr(compiled._engine, "_document", {})
                fresh = [(key, at) for key, at in places if key not in known]
                errors = tuple(_drift_error(document, key, at, instance, prefix) for key, at in fresh)
                return Verdict(
                    drift=errors,
                    keys=tuple(key for key, _ in fresh),
                    seen=frozenset(seen).union(key for key, _ in places),
                )
    return reference(compiled, instance, prefix, known=known)


def reference(compiled: Compiled, instance: Any, prefix: str = "body", *, known: Container[str] = ()) -> Verdict:
    """The verdict from python-jsonschema's explanation of every error (the slow reference)."""
    if compiled.is_valid(instance):
        return _VALID
    judged = compiled.judged(instance, prefix)
    drift = [(fe, _reference_key(fe)) for fe, is_drift in judged if is_drift]
    fresh = [(fe, key) for fe, key in drift if key not in known]
    return Verdict(
        drift=tuple(fe for fe, _ in fresh),
        violations=tuple(fe for fe, is_drift in judged if not is_drift),
        keys=tuple(key for _, key in fresh),
        seen=frozenset(key for _, key in drift),
    )


def _reference_key(fe: FieldError) -> str:
    parts = [p for p in fe.path if not isinstance(p, int)]
    return f"@{'.'.join(str(p) for p in parts)}:{fe.keyword}"


# -- messages ------------------------------------------------------------------------------------


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _listed(values: Iterable[Any], limit: int = 8) -> str:
    items = list(values)
    shown = ", ".join(_short(v, 40) for v in items[:limit])
    return shown + (f", ... ({len(items)} allowed values)" if len(items) > limit else "")


def _walk(instance: Any, pointer: str) -> tuple[list[str | int], Any]:
    """The path (list indices as ints) and the value at an instance pointer."""
    path: list[str | int] = []
    value = instance
    for token in split_pointer(pointer):
        if isinstance(value, list) and token.isdigit():
            path.append(int(token))
            value = value[int(token)] if int(token) < len(value) else None
        else:
            path.append(token)
            value = value.get(token) if isinstance(value, dict) else None
    return path, value


def _drift_error(document: Mapping[str, Any], key: str, at: str, instance: Any, prefix: str) -> FieldError:
    path, value = _walk(instance, at)
    schema_ptr, _, keyword = key.rpartition("/")
    node = lookup_pointer(document, schema_ptr) if not key.startswith("#top") else None
    node = node if isinstance(node, dict) else {}
    if keyword == "enum":
        message = f"{_short(value)} is not one of {_listed(node.get('enum') or ())}"
    elif keyword == "const":
        message = f"{_short(value)} is not {_short(node.get('const'))}"
    elif keyword == "discriminator":
        disc = discriminator(node)
        known = disc.mapping if disc is not None else {}
        message = f"{_short(value)} is not a known {path[-1]!r}; expected one of {_listed(known)}"
    else:
        declared = node.get("properties") if isinstance(node.get("properties"), dict) else {}
        allowed = f" (the spec knows: {_listed(declared, 12)})" if declared else ""
        message = f"unknown field (not in the schema){allowed}"
    return FieldError.at(path, message, keyword, prefix=prefix)


def drift_message(operation: str, error: FieldError, spec_version: str, more: int = 0) -> str:
    """The one-line warning for a place of drift (``more``: other places in the same answer)."""
    also = f" (and {more} more place{'s' if more != 1 else ''} like it in this answer)" if more else ""
    return (
        f"{operation}: the server sent something the spec ({spec_version}) does not know yet at "
        f"{error.location}: {error.message}{also}; returned as sent. Additive drift: the server is "
        "newer than the spec; run `dynclient spec update` to refresh it (reported once per client, "
        "operation and place)"
    )


# -- reporting once ---------------------------------------------------------------------------------


class DriftLedger:
    """What a client has reported already: drift keys per operation, and one-off notices.

    Shared by a client and its ``with_options`` clones (they count as one client). Bounded: past
    ``limit`` keys nothing more is recorded (and nothing more reported), so a server inventing
    new field names forever cannot grow it.
    """

    def __init__(self, limit: int = 4096) -> None:
        self._lock = threading.Lock()
        self._keys: dict[str, set[str]] = {}
        self._size = 0
        self._limit = limit

    def known(self, operation: str) -> Container[str]:
        """The keys reported (or met and set aside) for ``operation``."""
        return self._keys.get(operation, _EMPTY)

    def claim(self, operation: str, key: str) -> bool:
        """True exactly once per (operation, key): the caller reports it."""
        with self._lock:
            keys = self._keys.setdefault(operation, set())
            if key in keys or self._size >= self._limit:
                return False
            keys.add(key)
            self._size += 1
            return True

    def note(self, operation: str, keys: Iterable[str]) -> None:
        """Remember keys without reporting them (drift the exact pass did not confirm)."""
        for key in keys:
            self.claim(operation, key)

    def once(self, notice: str) -> bool:
        """True the first time ``notice`` is asked about."""
        return self.claim("", notice)


_EMPTY: frozenset[str] = frozenset()
