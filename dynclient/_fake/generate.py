"""Values generated from schemas: the server-set fields of a record, whole bodies of
operations the fake keeps no state for. Deterministic for a given seed and clock.

Rules (the smallest valid value, readable where it helps):

- ``const`` and ``enum``: the constant, the first value; ``allOf``: the parts merged;
  ``oneOf``/``anyOf``: ``null`` when allowed, else a branch (``variant`` picks which).
- objects: every required property; arrays: ``minItems`` items (``prefixItems`` honoured);
  booleans ``false``; numbers the smallest allowed (0 when unbounded).
- strings by format: ``uuid``/``uuid4`` a version-4 UUID from the seeded generator (or, with
  ``stable_ids``, derived from the seed and the property name: one tenant), ``date-time``
  and ``date`` from the clock, ``email`` ``<name>@example.com``, ``uri`` an example.com URL;
  a ``pattern`` yields a string built from the expression; a property named ``email`` (or
  ``*_email``) without a format an address too; otherwise the property's name.
  ``minLength``/``maxLength`` are honoured.

The result is not trusted: every response is validated before it leaves (``respond``).
"""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import math
import random
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from .._dialect import search
from .._schema.types import JSON_TYPES, enum_values, intended_types, is_null_schema
from .._schema.unions import discriminator, merged_properties, object_parts, resolve, union_members

__all__ = ["Clock", "Generator", "LogicalClock", "sample_pattern"]

Clock = Callable[[], dt.datetime]
_MAX_DEPTH = 24
#: where the logical clock starts (a fixed instant: the same seed gives the same timestamps)
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


class LogicalClock:
    """The default clock: starts at ``EPOCH`` and moves one second each time it is read."""

    def __init__(self, start: dt.datetime = EPOCH, step: dt.timedelta = dt.timedelta(seconds=1)) -> None:
        self._start = start
        self._step = step
        self._ticks = 0

    def __call__(self) -> dt.datetime:
        now = self._start + self._ticks * self._step
        self._ticks += 1
        return now

    def reset(self) -> None:
        self._ticks = 0


def timestamp(moment: dt.datetime) -> str:
    """RFC 3339 with ``Z`` (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class Generator:
    """Values for schemas of one document, from a seeded random generator and a clock."""

    def __init__(self, doc: Mapping[str, Any], *, seed: int | str = 0, clock: Clock | None = None) -> None:
        self._doc = doc
        self._seed = seed
        self._clock: Clock = clock if clock is not None else LogicalClock()
        self._rng = random.Random(str(seed))  # noqa: S311 - test data, not secrets
        self._now: str | None = None
        self._count = 0
        self._text: str | None = None

    def reset(self) -> None:
        self._rng = random.Random(str(self._seed))  # noqa: S311 - test data, not secrets
        self._now = None
        self._count = 0
        reset = getattr(self._clock, "reset", None)
        if callable(reset):
            reset()

    # -- time and identity ------------------------------------------------------------------
    def tick(self) -> str:
        """Read the clock once (at the start of each request): ``now()`` answers this until the next tick."""
        self._now = timestamp(self._clock())
        return self._now

    def now(self) -> str:
        return self._now if self._now is not None else self.tick()

    def uuid(self) -> str:
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def stable_uuid(self, name: str) -> str:
        """A version-4 UUID derived from the seed and ``name``: the same for every record."""
        digest = hashlib.sha256(f"{self._seed}:{name}".encode()).digest()
        return str(uuid.UUID(bytes=digest[:16], version=4))

    # -- values -----------------------------------------------------------------------------
    def value(
        self, schema: Any, name: str = "", *, variant: int = 0, stable_ids: bool = False, text: str | None = None
    ) -> Any:
        """The smallest valid value of ``schema`` (see the module's rules); ``text``, when
        given, is every plain string (an error body's ``detail``)."""
        self._text = text
        try:
            return self._value(schema, name, variant, stable_ids, 0)
        finally:
            self._text = None

    def _value(self, schema: Any, name: str, variant: int, stable: bool, depth: int) -> Any:
        node, _ = resolve(self._doc, schema)
        if depth > _MAX_DEPTH:
            return None
        values = enum_values(node)
        if values:  # a const, or a non-empty enum
            kept = [v for v in values if v is not None] or values
            return copy.deepcopy(kept[variant % len(kept)] if variant else kept[0])
        if isinstance(node.get("allOf"), list):
            node = self._merged(node)
        union = union_members(node)
        if union is not None and union[1]:
            key, branches = union
            real = [b for b in branches if not is_null_schema(resolve(self._doc, b)[0])]
            if len(real) < len(branches):
                return None
            branch = pick = real[variant % len(real)]
            base = {k: v for k, v in node.items() if k not in (key, "discriminator")}
            if "type" in base or "properties" in base:
                inner, _ = resolve(self._doc, pick)
                pick = {**base, **inner}
            value = self._value(pick, name, variant, stable, depth + 1)
            disc = discriminator(node)
            ref = branch.get("$ref") if isinstance(branch, Mapping) else None
            if disc is not None and isinstance(ref, str) and isinstance(value, dict):
                for tag in disc.tags(ref)[:1]:  # OpenAPI: the discriminating property is always sent
                    value.setdefault(disc.property, tag)
            return value
        kind = node.get("type")
        if isinstance(kind, list):
            if "null" in kind:
                return None
            kind = kind[0] if kind else None
        if kind is None:
            inferred = intended_types(node)
            kind = next((t for t in JSON_TYPES if t in inferred), None)
            if kind is None:
                return None
        if kind == "object":
            return self._object(node, variant, stable, depth)
        if kind == "array":
            return self._array(node, name, variant, stable, depth)
        if kind == "string":
            return self._string(node, name, stable)
        if kind in ("integer", "number"):
            return _number(node, integer=kind == "integer")
        if kind == "boolean":
            return False
        return None

    def _merged(self, node: Mapping[str, Any]) -> dict[str, Any]:
        """``node`` with its ``allOf`` parts merged in (its own keywords first)."""
        parts = object_parts(self._doc, node)
        out: dict[str, Any] = {}
        for schema, _ in parts:
            for key, value in schema.items():
                if key not in ("allOf", "properties", "required"):
                    out.setdefault(key, value)
        merged = merged_properties(parts)
        if merged.properties:
            out["properties"] = {name: sub for name, (sub, _) in merged.properties.items()}
        if merged.required:
            out["required"] = merged.required
        return out

    def _object(self, node: Mapping[str, Any], variant: int, stable: bool, depth: int) -> dict[str, Any]:
        props = node.get("properties") if isinstance(node.get("properties"), Mapping) else {}
        assert isinstance(props, Mapping)
        extra = node.get("additionalProperties")
        out: dict[str, Any] = {}
        for key in node.get("required") or ():
            sub = props.get(key, extra if isinstance(extra, Mapping) else {})
            out[key] = self._value(sub, key, variant, stable, depth + 1)
        wanted = node.get("minProperties")
        if isinstance(wanted, int):
            for key, sub in props.items():
                if len(out) >= wanted:
                    break
                out.setdefault(key, self._value(sub, key, variant, stable, depth + 1))
            i = 0
            while len(out) < wanted and isinstance(extra, Mapping):
                out.setdefault(f"key{i}", self._value(extra, f"key{i}", variant, stable, depth + 1))
                i += 1
        return out

    def _array(self, node: Mapping[str, Any], name: str, variant: int, stable: bool, depth: int) -> list[Any]:
        prefix = node.get("prefixItems") if isinstance(node.get("prefixItems"), list) else []
        assert isinstance(prefix, list)
        wanted = node.get("minItems") if isinstance(node.get("minItems"), int) else 0
        assert isinstance(wanted, int)
        out = [self._value(sub, name, variant, stable, depth + 1) for sub in prefix[: max(wanted, 0)]]
        items = node.get("items")
        while len(out) < wanted:
            if not isinstance(items, Mapping):
                break
            out.append(self._value(items, name, variant, stable, depth + 1))
        return out

    def _string(self, node: Mapping[str, Any], name: str, stable: bool) -> str:
        fmt = node.get("format")
        pattern = node.get("pattern")
        text: str
        if fmt in ("uuid", "uuid4"):
            return self.stable_uuid(name) if stable and name else self.uuid()
        if fmt == "date-time":
            return self.now()
        if fmt == "date":
            return self.now()[:10]
        if fmt is None and pattern is None and re.search(r"(^|_)e?mail$", name):
            fmt = "email"  # a property named ``email`` without a format still gets an address
        if fmt == "email":
            self._count += 1
            local = re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "user"
            return f"{local}{self._count}@example.com"
        if fmt in ("uri", "url", "iri"):
            text = f"https://example.com/{name or 'resource'}"
        elif isinstance(pattern, str):
            text = _example(node, pattern) or sample_pattern(pattern)
        else:
            text = self._text if self._text is not None else (name or "string")
        low, high = node.get("minLength"), node.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text = text + "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[:high]
        return text


def _example(node: Mapping[str, Any], pattern: str) -> str | None:
    candidates = [*(node.get("examples") or ()), node.get("example"), node.get("default")]
    for candidate in candidates:
        if isinstance(candidate, str):
            try:
                if search(pattern, candidate):
                    return candidate
            except ValueError:  # not a pattern the shared dialect runs (refused at load)
                return None
    return None


def _number(node: Mapping[str, Any], *, integer: bool) -> int | float:
    value: float = 0
    low, xlow = node.get("minimum"), node.get("exclusiveMinimum")
    high, xhigh = node.get("maximum"), node.get("exclusiveMaximum")
    if isinstance(low, (int, float)) and value < low:
        value = low
    if isinstance(xlow, (int, float)) and value <= xlow:
        value = math.floor(xlow) + 1 if integer else xlow + 1
    if isinstance(high, (int, float)) and value > high:
        value = high
    if isinstance(xhigh, (int, float)) and value >= xhigh:
        value = math.ceil(xhigh) - 1 if integer else xhigh - 1
    step = node.get("multipleOf")
    if isinstance(step, (int, float)) and step > 0:
        value = math.ceil(value / step) * step
    return int(value) if integer else float(value)


# -- strings from regular expressions ---------------------------------------------------------
def sample_pattern(pattern: str) -> str:
    """A string matching ``pattern`` (searched, as JSON Schema does), built from its parse tree:
    first alternatives, first characters of classes, one repetition where zero would do.
    Returns ``""`` when the expression uses something this cannot follow. Whether the string
    matches is decided by the shared ECMA-262 dialect (``_dialect.search``), as validation does."""
    try:
        from re import _parser  # type: ignore[attr-defined]

        tree = _parser.parse(pattern)
        text = _emit(_parser, list(tree))
        return text if search(pattern, text) else ""
    except (re.error, ValueError, KeyError, TypeError, RecursionError):
        return ""


def _emit(parser: Any, items: list[Any]) -> str:
    c = parser
    out = []
    for op, arg in items:
        if op is c.LITERAL:
            out.append(chr(arg))
        elif op is c.NOT_LITERAL:
            out.append("a" if chr(arg) != "a" else "b")
        elif op is c.ANY:
            out.append("a")
        elif op is c.IN:
            out.append(_in(c, arg))
        elif op is c.BRANCH:
            out.append(_emit(c, list(arg[1][0])))
        elif op is c.SUBPATTERN:
            out.append(_emit(c, list(arg[-1])))
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", object())):
            low, high, inner = arg
            count = max(low, 1) if high >= 1 else 0
            out.append(_emit(c, list(inner)) * min(count, 64))
        elif op is c.CATEGORY:
            out.append(_category(c, arg))
        elif op in (c.AT, c.ASSERT, c.ASSERT_NOT):
            continue
        else:
            raise ValueError(f"unsupported regular expression element {op}")
    return "".join(out)


def _in(c: Any, items: list[Any]) -> str:
    negate = any(op is c.NEGATE for op, _ in items)
    if negate:
        excluded = {chr(arg) for op, arg in items if op is c.LITERAL}
        return next(ch for ch in "axz0_" if ch not in excluded)
    for op, arg in items:
        if op is c.LITERAL:
            return chr(arg)
        if op is c.RANGE:
            return chr(arg[0])
        if op is c.CATEGORY:
            return _category(c, arg)
    raise ValueError("empty character class")


def _category(c: Any, arg: Any) -> str:
    name = str(arg)
    if "NOT" in name:
        return "-" if "DIGIT" in name or "WORD" in name else "a"
    if "DIGIT" in name:
        return "0"
    if "SPACE" in name:
        return " "
    return "a"
