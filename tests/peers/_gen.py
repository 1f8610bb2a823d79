"""A small JSON Schema 2020-12 -> Hypothesis strategy translator for the keywords Polar's spec uses.

Why not hypothesis-jsonschema: 0.23.1 (the latest) drives Hypothesis internals that
Hypothesis 6.170 removed (``AttributeError: 'many' object has no attribute 'more'`` on every
object schema), and it only speaks drafts 4-7 (no ``prefixItems``). This translator is
independent of dynclient: it reads the raw schema and never calls dynclient's validators.

Covered: ``$ref`` (into the document), ``const``, ``enum``, ``anyOf``, ``oneOf`` (filtered to
exactly one matching branch with python-jsonschema), ``type`` (incl. lists), string
``minLength``/``maxLength``/``format`` (date-time, date, email, uuid, uuid4), numbers with
``minimum``/``maximum``/``exclusiveMinimum``/``exclusiveMaximum``, arrays with ``items``,
``prefixItems``, ``minItems``/``maxItems``, objects with ``properties``, ``required``,
``additionalProperties``, ``propertyNames`` and ``maxProperties``. Anything else raises,
so a spec change cannot silently weaken the generated corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["SchemaStrategies"]

_ANNOTATIONS = frozenset(
    {
        "title",
        "description",
        "examples",
        "default",
        "discriminator",
        "x-speakeasy-enums",
        "deprecated",
        "readOnly",
        "writeOnly",
        "$schema",
        "$id",
        "$comment",
        "example",
    }
)
_KNOWN = _ANNOTATIONS | {
    "$ref",
    "const",
    "enum",
    "anyOf",
    "oneOf",
    "type",
    "minLength",
    "maxLength",
    "format",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "items",
    "prefixItems",
    "minItems",
    "maxItems",
    "properties",
    "required",
    "additionalProperties",
    "propertyNames",
    "maxProperties",
}
_MAX_COLLECTION = 3
_NO_SURROGATES: tuple[Literal["Cs"]] = ("Cs",)
_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=_NO_SURROGATES), max_size=12)


def _datetimes() -> st.SearchStrategy[str]:
    zones = st.sampled_from(
        [dt.UTC, dt.timezone(dt.timedelta(hours=2)), dt.timezone(dt.timedelta(hours=-5, minutes=-30))]
    )
    return st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(2100, 1, 1), timezones=zones).map(
        lambda d: d.isoformat()
    )


_FORMATS: dict[str, st.SearchStrategy[str]] = {
    "date-time": _datetimes(),
    "date": st.dates(min_value=dt.date(1970, 1, 1), max_value=dt.date(2100, 1, 1)).map(dt.date.isoformat),
    "email": st.emails(),
    "uuid": st.uuids().map(str),
    "uuid4": st.uuids(version=4).map(str),
}


class SchemaStrategies:
    """Strategies for schemas of one OpenAPI document (refs like ``#/components/schemas/X``)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self._cache: dict[str, st.SearchStrategy[Any]] = {}
        resource = Resource.from_contents(dict(document), default_specification=DRAFT202012)
        self._registry: Registry[Any] = Registry().with_resource("urn:peers:doc", resource)

    def validator(self, schema: Mapping[str, Any]) -> Draft202012Validator:
        rebased = _rebase(schema)
        return Draft202012Validator(rebased, registry=self._registry)

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            raise ValueError(f"only local refs are supported, got {ref!r}")
        node: Any = self.document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def strategy(self, schema: Any) -> st.SearchStrategy[Any]:
        if schema is True or schema == {}:
            return st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), _TEXT)
        if schema is False:
            raise ValueError("cannot generate for the false schema")
        if not isinstance(schema, Mapping):
            raise TypeError(f"not a schema: {schema!r}")
        unknown = set(schema) - _KNOWN
        if unknown:
            raise ValueError(f"unsupported keywords {sorted(unknown)}")
        if "$ref" in schema:
            ref = schema["$ref"]
            if ref not in self._cache:
                self._cache[ref] = st.deferred(lambda: self.strategy(self._resolve(ref)))
            return self._cache[ref]
        if "const" in schema:
            return st.just(schema["const"])
        if "enum" in schema:
            return st.sampled_from(list(schema["enum"]))
        if "anyOf" in schema:
            return st.one_of([self.strategy(b) for b in schema["anyOf"]])
        if "oneOf" in schema:
            check = self.validator(schema)
            return st.one_of([self.strategy(b) for b in schema["oneOf"]]).filter(check.is_valid)
        types = schema.get("type")
        if types is None:
            types = "object" if "properties" in schema or "additionalProperties" in schema else None
        if types is None:
            return self.strategy({})
        if isinstance(types, list):
            return st.one_of([self.strategy({**schema, "type": t}) for t in types])
        return self._typed(types, schema)

    def _typed(self, kind: str, s: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        if kind == "null":
            return st.none()
        if kind == "boolean":
            return st.booleans()
        if kind == "string":
            fmt = s.get("format")
            if fmt in _FORMATS:
                base = _FORMATS[fmt]
                lo, hi = s.get("minLength", 0), s.get("maxLength")
                return base.filter(lambda v: len(v) >= lo and (hi is None or len(v) <= hi))
            lo = s.get("minLength", 0)
            hi = s.get("maxLength", max(lo, 0) + 12)
            return st.text(
                st.characters(codec="utf-8", exclude_categories=_NO_SURROGATES), min_size=lo, max_size=min(hi, lo + 24)
            )
        if kind in ("integer", "number"):
            lo = s.get("minimum")
            hi = s.get("maximum")
            if "exclusiveMinimum" in s:
                lo = s["exclusiveMinimum"] + 1 if kind == "integer" else s["exclusiveMinimum"]
            if "exclusiveMaximum" in s:
                hi = s["exclusiveMaximum"] - 1 if kind == "integer" else s["exclusiveMaximum"]
            if kind == "integer":
                return st.integers(min_value=lo, max_value=hi)
            floats = st.floats(
                min_value=lo,
                max_value=hi,
                allow_nan=False,
                allow_infinity=False,
                exclude_min="exclusiveMinimum" in s,
                exclude_max="exclusiveMaximum" in s,
            )
            return st.one_of(
                st.integers(
                    min_value=None if lo is None else int(lo) + 1, max_value=None if hi is None else int(hi) - 1
                ),
                floats,
            )
        if kind == "array":
            prefix = s.get("prefixItems")
            lo = s.get("minItems", 0)
            hi = min(s.get("maxItems", lo + _MAX_COLLECTION), lo + _MAX_COLLECTION)
            if prefix is not None:
                head = st.tuples(*[self.strategy(p) for p in prefix]).map(list)
                if len(prefix) >= hi:
                    return head.map(lambda v: v[:hi]).filter(lambda v: len(v) >= lo)
                rest = s.get("items", True)
                return st.tuples(head, st.lists(self.strategy(rest), max_size=hi - len(prefix))).map(
                    lambda t: t[0] + t[1]
                )
            return st.lists(self.strategy(s.get("items", True)), min_size=lo, max_size=hi)
        if kind == "object":
            return self._object(s)
        raise ValueError(f"unsupported type {kind!r}")

    def _object(self, s: Mapping[str, Any]) -> st.SearchStrategy[Any]:
        props: Mapping[str, Any] = s.get("properties", {})
        required = [k for k in s.get("required", []) if k in props]
        optional = {k: self.strategy(v) for k, v in props.items() if k not in required}
        fixed = st.fixed_dictionaries({k: self.strategy(props[k]) for k in required}, optional=optional)
        extra_schema = s.get("additionalProperties", True)
        if extra_schema is False:
            return fixed
        names = s.get("propertyNames", {})
        name_lo, name_hi = names.get("minLength", 1), names.get("maxLength", 12)
        keys = st.text(
            st.characters(codec="utf-8", exclude_categories=_NO_SURROGATES),
            min_size=name_lo,
            max_size=min(name_hi, name_lo + 12),
        ).filter(lambda k: k not in props)
        room = min(s.get("maxProperties", _MAX_COLLECTION), _MAX_COLLECTION)
        extras = st.dictionaries(keys, self.strategy(extra_schema), max_size=room)

        def merge(parts: tuple[dict[str, Any], dict[str, Any]]) -> dict[str, Any]:
            base, more = parts
            out = dict(base)
            for k, v in more.items():
                if "maxProperties" in s and len(out) >= s["maxProperties"]:
                    break
                out.setdefault(k, v)
            return out

        return st.tuples(fixed, extras).map(merge)


def _rebase(node: Any) -> Any:
    """Point ``#/...`` refs at the registered document."""
    if isinstance(node, Mapping):
        return {
            k: ("urn:peers:doc" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase(v) for v in node]
    return node
