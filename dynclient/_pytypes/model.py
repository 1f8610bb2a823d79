"""A Python type expression as a small tree, rendered to text in one place.

The stub renderer (``_stubs``), ``help()`` signatures and the CLI's ``describe`` all render
these trees with ``render``, so the same schema cannot be spelt two ways. Nodes:

- ``Name``: a type by its module and name (``builtins.str``, ``typing.Any``, ``None``).
- ``Literal``: ``typing.Literal[...]`` of rendered literal values (``"a"``, ``1``, ``True``).
- ``Generic``: a subscripted type (``builtins.list[T]``, ``typing.NotRequired[T]``; no
  arguments renders ``[()]``, the empty tuple).
- ``Union``: members joined by ``|`` (build them with ``union``: flattened, deduplicated,
  ``None`` last, ``typing.Any`` absorbing the rest, ``typing.Never`` when empty).
- ``Ref``: a named definition (a TypedDict or alias) by its token; names are given once the
  whole set is known (``render`` takes the token -> name map).

``render(t, names, schemas="_schemas.")`` spells everything fully qualified, as the stubs do
(``__init__.pyi`` refers to schema types through ``_schemas.``; ``schemas.pyi`` with
``schemas=""``); ``short=True`` drops module prefixes (``str``, ``Sequence[Pet]``) for
reading in a terminal, with the same structure.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "ANY",
    "ELLIPSIS",
    "NEVER",
    "NONE",
    "STR",
    "UNPACK",
    "Generic",
    "Literal",
    "Name",
    "PyType",
    "Ref",
    "Union",
    "literal_text",
    "render",
    "union",
]


class PyType:
    """A node of a type expression (see the module docstring)."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Name(PyType):
    module: str
    name: str


@dataclass(frozen=True, slots=True)
class Literal(PyType):
    values: tuple[str, ...]  # rendered: '"a"', '1', 'True'


@dataclass(frozen=True, slots=True)
class Generic(PyType):
    origin: Name
    args: tuple[PyType, ...]


@dataclass(frozen=True, slots=True)
class Union(PyType):
    members: tuple[PyType, ...]


@dataclass(frozen=True, slots=True)
class Ref(PyType):
    token: str


ANY = Name("typing", "Any")
STR = Name("builtins", "str")
UNPACK = Name("typing", "Unpack")
NEVER = Name("typing", "Never")
NONE = Name("", "None")
ELLIPSIS = Name("", "...")


def literal_text(value: str | int | bool) -> str:
    """A value as it stands in ``typing.Literal[...]`` (strings double-quoted, as JSON writes them)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def union(parts: Iterable[PyType]) -> PyType:
    """``A | B | None``: members flattened and deduplicated, ``None`` last; ``Any`` absorbs the
    rest; no member is ``typing.Never``, one member is itself."""
    seen: dict[PyType, None] = {}
    nullable = False
    for part in parts:
        for piece in part.members if isinstance(part, Union) else (part,):
            if piece == NONE:
                nullable = True
            else:
                seen.setdefault(piece)
    if ANY in seen:
        return ANY
    items = [*seen, *([NONE] if nullable else [])]
    if not items:
        return NEVER
    return items[0] if len(items) == 1 else Union(tuple(items))


def render(t: PyType, names: Mapping[str, str], schemas: str = "_schemas.", *, short: bool = False) -> str:
    """The text of ``t``; ``names`` maps definition tokens to names, prefixed with ``schemas``
    (see the module docstring). A token without a name is a renderer bug: KeyError."""
    if isinstance(t, Name):
        return t.name if short or not t.module else f"{t.module}.{t.name}"
    if isinstance(t, Ref):
        return names[t.token] if short else schemas + names[t.token]
    if isinstance(t, Literal):
        return f"{'Literal' if short else 'typing.Literal'}[{', '.join(t.values)}]"
    if isinstance(t, Generic):
        inner = ", ".join(render(a, names, schemas, short=short) for a in t.args) if t.args else "()"
        return f"{render(t.origin, names, schemas, short=short)}[{inner}]"
    if isinstance(t, Union):
        return " | ".join(render(m, names, schemas, short=short) for m in t.members)
    raise TypeError(f"not a type expression node: {t!r}")
