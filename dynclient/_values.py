"""Arguments as plain JSON values, converted once: what is validated is exactly what is sent.

Every argument is converted by ``to_json`` before anything else looks at it; the schema
validation and the serializers (``_serialize``) then see only the converted value, so a
value cannot pass validation as one thing and go on the wire as another (``1e300`` checked
as an integer and sent as ``1e+300``, an ``int`` key sent as ``"1"``). The rules, strict
and without exceptions:

* ``None``, ``bool``, ``int`` and ``str`` are themselves. Subclasses (``IntEnum``,
  ``StrEnum``, a ``str`` with an odd ``__str__``) become the plain value they hold; their
  overridden methods are never called.
* ``str``: must be valid Unicode (no lone surrogate such as ``"\\ud800"``).
* ``int``: at most ``MAX_INT_BITS`` bits (about 1,000 digits).
* ``float``: finite only (no NaN or infinity). An integer-valued float becomes an ``int``
  when it is exact (``abs(x) <= 2**53``: ``limit=10.0`` is sent as ``10``). A larger one stays
  a float, and its path is reported (``inexact``): where the schema wants an integer the
  caller refuses it, since it is not the integer it looks like (``limit=1e300``; pass an
  ``int``); where it wants a number it is sent as is (``1e+300``). Other floats stay floats
  and are sent as their shortest ``repr``.
* ``decimal.Decimal``: finite only. An integral one becomes that ``int`` exactly
  (``Decimal("1E+2")`` is sent as ``100``); another becomes a ``float`` only when that float
  is the same number (``Decimal("0.1")``); otherwise refused (round it first).
* ``dict`` (and subclasses): keys must be ``str`` (no ``int``, ``None``, tuple... keys: JSON
  would turn them into other strings); values converted recursively.
* ``list`` and ``tuple`` (and subclasses) become lists.
* Anything else is refused, naming the field and its type: ``complex``, ``bytes`` and
  ``bytearray`` (decode them), ``set``/``frozenset`` (no order: pass a sorted list),
  ``uuid.UUID``, ``datetime`` (pass ``str(...)`` / ``.isoformat()``), custom objects.
* Nesting deeper than ``MAX_DEPTH`` levels (or a value that contains itself) is refused
  before any recursive code (validation, JSON encoding) runs.

Problems are returned as ``(path, message)`` pairs, the path relative to the argument; the
caller names the argument. Nothing here raises.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from ._limits import MAX_DATA_DEPTH

__all__ = ["DEPTH_MESSAGE", "INVALID", "MAX_DEPTH", "MAX_INT_BITS", "Problem", "to_json"]

#: Levels of nesting an argument may have (an object or array inside another is one level):
#: the one data-depth limit of ``_limits``, the same for arguments and responses.
MAX_DEPTH = MAX_DATA_DEPTH
#: The problem reported where an argument nests deeper than ``MAX_DEPTH`` (keyword ``depth``).
DEPTH_MESSAGE = f"nested deeper than {MAX_DEPTH} levels (or the value contains itself)"
#: Bits an integer argument may have (2**3322 is about 10**1000).
MAX_INT_BITS = 3322
#: The largest magnitude below which every integer is exactly a float.
_EXACT = 2**53

Problem = tuple[tuple[str | int, ...], str]


class _Invalid:
    def __repr__(self) -> str:
        return "<invalid>"


#: Returned in place of a value that cannot be converted (its problems are reported).
INVALID: Any = _Invalid()

_REFUSED = {
    complex: "a complex number is not a JSON value",
    bytes: "bytes are not a JSON value: decode them to str",
    bytearray: "bytes are not a JSON value: decode them to str",
    memoryview: "bytes are not a JSON value: decode them to str",
    set: "a set has no order, so it is not a JSON array: pass a list (sorted(...))",
    frozenset: "a set has no order, so it is not a JSON array: pass a list (sorted(...))",
}
_ALLOWED = "None, bool, int, float, str, Decimal, list, tuple or dict"


def to_json(
    value: Any,
    problems: list[Problem],
    path: tuple[str | int, ...] = (),
    inexact: list[tuple[str | int, ...]] | None = None,
) -> Any:
    """``value`` as a plain JSON value, or ``INVALID`` with ``problems`` appended.

    ``inexact`` receives the path of every integer-valued float beyond 2**53 kept as a
    float: right for a ``number``, wrong for an ``integer`` (the caller asks the schema).
    """
    if _is_plain(value, 0):  # the common case: nothing to convert, nothing copied
        return value
    return _convert(value, _Walk(problems, [] if inexact is None else inexact), path, 0)


def _is_plain(value: Any, depth: int) -> bool:
    """Whether ``value`` already is what ``_convert`` would make of it (exact types only,
    valid, depth-bounded): a check without copies or paths, for the common case."""
    t = type(value)
    if t is dict:
        return depth < MAX_DEPTH and _plain_items(value.items(), True, depth)
    if t is list:
        return depth < MAX_DEPTH and _plain_items(value, False, depth)
    if t is float:
        return math.isfinite(value) and not value.is_integer()
    if t is str:
        return bool(value.isascii() or _valid_unicode(value))
    if t is int:
        return bool(value.bit_length() <= MAX_INT_BITS)
    return value is None or t is bool


def _plain_items(items: Iterable[Any], keyed: bool, depth: int) -> bool:
    """The items of a dict (``keyed``: (key, value) pairs) or a list; scalars checked inline,
    one call per container rather than per item."""
    for entry in items:
        if keyed:
            key, item = entry
            if type(key) is not str or not (key.isascii() or _valid_unicode(key)):
                return False
        else:
            item = entry
        it = type(item)
        if it is str:
            if not (item.isascii() or _valid_unicode(item)):
                return False
        elif it is int:
            if item.bit_length() > MAX_INT_BITS:
                return False
        elif not (item is None or it is bool or _is_plain(item, depth + 1)):
            return False
    return True


class _Walk:
    """What a conversion collects: problems, and where floats beyond 2**53 are."""

    __slots__ = ("inexact", "problems")

    def __init__(self, problems: list[Problem], inexact: list[tuple[str | int, ...]]) -> None:
        self.problems = problems
        self.inexact = inexact


def _convert(value: Any, walk: _Walk, path: tuple[str | int, ...], depth: int) -> Any:
    t = type(value)
    if t is str:
        return value if value.isascii() or _valid_unicode(value) else _text_problem(value, walk, path)
    if t is int:
        return value if value.bit_length() <= MAX_INT_BITS else _int_problem(walk, path)
    if value is None or t is bool:
        return value
    if t is float:
        return _float(value, walk, path)
    if t is dict or t is list or t is tuple or isinstance(value, dict | list | tuple):
        if depth >= MAX_DEPTH:
            walk.problems.append((path, DEPTH_MESSAGE))
            return INVALID
        if isinstance(value, dict):
            return _object(value, walk, path, depth + 1)
        items = list.__iter__(value) if isinstance(value, list) else tuple.__iter__(value)
        out: list[Any] = []
        bad = False
        for i, item in enumerate(items):
            converted = _convert(item, walk, (*path, i), depth + 1)
            bad = bad or converted is INVALID
            out.append(converted)
        return INVALID if bad else out
    if isinstance(value, str):  # a subclass: the text it holds, never its __str__
        return _convert(str.__str__(value), walk, path, depth)
    if isinstance(value, bool):  # pragma: no cover - bool cannot be subclassed
        return bool(value)
    if isinstance(value, int):
        return _convert(int.__index__(value), walk, path, depth)
    if isinstance(value, float):
        return _float(float.__float__(value), walk, path)
    if isinstance(value, Decimal):
        return _decimal(value, walk, path)
    for cls, message in _REFUSED.items():
        if isinstance(value, cls):
            walk.problems.append((path, message))
            return INVALID
    walk.problems.append((path, f"{_type_name(value)} is not a JSON value (allowed: {_ALLOWED})"))
    return INVALID


def _object(value: dict[Any, Any], walk: _Walk, path: tuple[str | int, ...], depth: int) -> Any:
    out: dict[str, Any] = {}
    bad = False
    for key, item in dict.items(value):
        if type(key) is not str:
            if not isinstance(key, str):
                walk.problems.append(
                    (path, f"object keys must be str, not {_type_name(key)} (JSON would send another key)")
                )
                bad = True
                continue
            key = str.__str__(key)
        if not (key.isascii() or _valid_unicode(key)):
            walk.problems.append((path, "an object key contains a lone surrogate (not valid Unicode)"))
            bad = True
            continue
        if key in out:
            walk.problems.append(((*path, key), "the key appears twice (two keys that are equal as plain str)"))
            bad = True
            continue
        converted = _convert(item, walk, (*path, key), depth)
        bad = bad or converted is INVALID
        out[key] = converted
    return INVALID if bad else out


def _float(value: float, walk: _Walk, path: tuple[str | int, ...]) -> Any:
    if not math.isfinite(value):
        walk.problems.append((path, f"{value!r} is not a JSON number (NaN and infinities cannot be sent)"))
        return INVALID
    if value.is_integer():
        if abs(value) <= _EXACT:
            return int(value)
        walk.inexact.append(path)  # fine for a number, not for an integer: the caller asks the schema
    return value


def _decimal(value: Decimal, walk: _Walk, path: tuple[str | int, ...]) -> Any:
    if not value.is_finite():
        walk.problems.append((path, "a NaN or infinite Decimal is not a JSON number"))
        return INVALID
    if value == value.to_integral_value():
        if value.adjusted() >= 1000:
            walk.problems.append((path, "the Decimal is too large (more than 1,000 digits)"))
            return INVALID
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
        return as_float
    walk.problems.append((path, "the Decimal cannot be sent exactly as a JSON number by this client: round it"))
    return INVALID


def _valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _text_problem(text: str, walk: _Walk, path: tuple[str | int, ...]) -> Any:
    index = next(i for i, c in enumerate(text) if 0xD800 <= ord(c) <= 0xDFFF)
    walk.problems.append((path, f"contains a lone surrogate at index {index} (not valid Unicode, cannot be sent)"))
    return INVALID


def _int_problem(walk: _Walk, path: tuple[str | int, ...]) -> Any:
    walk.problems.append((path, f"the integer is too large (more than {MAX_INT_BITS} bits, about 1,000 digits)"))
    return INVALID


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__qualname__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"
