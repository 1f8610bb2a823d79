"""A stored record: built from a request body, updated by one, projected onto a schema.

A record holds the resource's properties (one variant of its schema) plus, when seeded or
generated for a view, properties only a view shows (kept, never shown by the resource).

- **create**: the body's defaults applied (those of the body variant it matches); each body
  property the resource's variant can hold is kept as sent; a value it cannot hold (a tax
  id sent as a string, stored as a pair) is dropped; every required property still missing
  is generated (``generate``): the key a fresh UUID, other ids stable per fake, timestamps
  from the clock, nullable properties ``null``, booleans ``false``, objects ``{}``, arrays ``[]``.
- **update**: each body property the (possibly new, when the body changes the tag) variant
  can hold replaces the stored value; the key never changes; ``touch`` properties (the
  modification time) take the clock's time; values the new variant cannot hold are
  regenerated.
- **project**: the properties of the variant the record belongs to; a required property the
  record lacks is generated once and kept in the record, so later reads agree; an optional
  nullable one it lacks is shown as ``null`` (as servers serialize an unset field).
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from .._ir import SchemaRef
from .._schema.pointer import resolve_pointer
from .._schema.unions import resolve
from .generate import Generator
from .infer import Resource, pick_variant
from .schema import Variant, json_types, variants

__all__ = ["Records"]

Accepts = Callable[[str, Any], bool]


class Records:
    def __init__(self, doc: Mapping[str, Any], gen: Generator, accepts: Accepts, touch: Collection[str]) -> None:
        self._doc = doc
        self._gen = gen
        self._accepts = accepts
        self._touch = frozenset(touch)
        self._body_variants: dict[str, tuple[str | None, list[Variant]]] = {}
        self._null: dict[str, bool] = {}

    def _schema(self, pointer: str | None) -> Any:
        return resolve_pointer(self._doc, pointer) if pointer else {}

    def with_defaults(self, body_schema: SchemaRef, body: Any) -> Any:
        """``body`` with the defaults of the body-schema variant it matches filled in."""
        if not isinstance(body, Mapping):
            return body
        hit = self._body_variants.get(body_schema.pointer)
        if hit is None:
            hit = self._body_variants.setdefault(body_schema.pointer, variants(self._doc, body_schema.raw))
        found = hit[1]
        if not found:
            return body
        matched = next((v for v in found if len(found) == 1 or self._accepts(v.pointer, body)), found[0])
        out = dict(body)
        for name, sub in matched.schemas.items():
            resolved, _ = resolve(self._doc, sub)
            if name not in out and "default" in resolved:
                out[name] = copy.deepcopy(resolved["default"])
        return out

    def build(self, res: Resource, data: Mapping[str, Any], *, seeded: bool = False) -> dict[str, Any]:
        """A new record from a create body (values the resource cannot hold dropped), or from
        seeded fields (kept as given: the caller validates the result)."""
        variant = res.variant_for(data)
        record: dict[str, Any] = {}
        for name, value in data.items():
            where = variant.properties.get(name)
            if where is not None:
                if seeded or self._accepts(where, value):
                    record[name] = copy.deepcopy(value)
            elif seeded and name not in res.properties:
                record[name] = copy.deepcopy(value)
        self._fill(res, variant, record)
        return record

    def update(self, res: Resource, record: Mapping[str, Any], data: Mapping[str, Any]) -> dict[str, Any]:
        probe = dict(record)
        if res.tag is not None and data.get(res.tag) is not None:
            probe[res.tag] = data[res.tag]
        variant = res.variant_for(probe)
        merged = dict(record)
        for name, value in data.items():
            where = variant.properties.get(name)
            if name != res.key and where is not None and self._accepts(where, value):
                merged[name] = copy.deepcopy(value)
        now = self._gen.now()
        for name in self._touch:
            where = variant.properties.get(name)
            if where is not None and self._accepts(where, now):
                merged[name] = now
        out: dict[str, Any] = {}
        for name, value in merged.items():
            where = variant.properties.get(name)
            if where is None:
                if name not in res.properties:
                    out[name] = value  # a view's property, seeded or generated
            elif name == res.key or self._accepts(where, value):
                out[name] = value
        self._fill(res, variant, out)
        return out

    def _fill(self, res: Resource, variant: Variant, record: dict[str, Any]) -> None:
        for name in variant.required:
            if name in record:
                continue
            schema = self._schema(variant.properties.get(name))
            record[name] = self._gen.value(schema, name, stable_ids=name != res.key)

    def project(self, tag: str | None, found: Sequence[Variant], record: dict[str, Any]) -> dict[str, Any]:
        """``record`` as one of ``found`` shows it (missing required properties generated and kept)."""
        variant = pick_variant(tag, found, record)
        out: dict[str, Any] = {}
        for name, where in variant.properties.items():
            if name in record:
                out[name] = record[name]
            elif name in variant.required:
                out[name] = record[name] = self._gen.value(self._schema(where), name, stable_ids=True)
            elif self._nullable(where):
                out[name] = None  # as servers serialize an unset optional field
        return out

    def _nullable(self, pointer: str) -> bool:
        hit = self._null.get(pointer)
        if hit is None:
            hit = self._null[pointer] = "null" in json_types(self._doc, self._schema(pointer))
        return hit
