"""How deep an instance of a schema may nest, and a copy of a document whose schemas also say it.

Every response is bounded in depth (``_limits.MAX_DATA_DEPTH``) before recursive code sees it.
Walking a page to measure its depth costs a quarter of validating it, so this module lets the
schema engine check the bound *during* its verdict: ``depth_bounded`` returns a copy of the
document in which each schema that admits objects or arrays also bounds what it does not
describe (an absent ``additionalProperties`` or ``items``, a ``true`` schema, a member whose
schema cannot bound it) with a chain of "at most k deep" schemas, added as one more ``allOf``
part (nothing is replaced: a ``$ref`` may name any part of a schema by its path), and says which
schemas of the copy bound their value (``DepthBounded.bounds``). A value such a schema accepts is valid under
the original *and* no deeper than the limit; one it refuses may still be fine (the bound is
conservative), and the caller then measures and validates the usual way.

Why the copy never accepts what the original refuses: it only adds conditions, and only where
admitting less can only make the whole admit less. Schemas below ``not``, ``if``,
``contains``, ``propertyNames`` and ``oneOf`` (where one branch admitting less can make the
``oneOf`` admit more) are left exactly as they are, with everything they reach; whoever uses
them bounds depth by conditions of its own. Why an accepted value is within the limit: a
schema bounds its value only when each of its members is bounded by a schema that bounds
(processed before it, so these form no cycle) or by the "at most k deep" chain, and k is chosen
from the longest such descent (``_Graph.reach``). A recursive schema is simply not bounding
(its users bound what they hold with the chain). A document with ``unevaluated*`` keywords
(whose meaning an added ``additionalProperties`` would change), a remote ``$ref``, a ``$ref``
into data (``const``, ``enum``, examples: a value, not a schema to add to) or a key of the
chain's own gets no copy: None. (An adversarial review found five ways the first version broke
these promises; ``tests/test_schema_depth_bounded.py`` keeps each as a case.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .._errors import SpecError
from .keywords import (
    IN_LIST,
    IN_MAP,
    IN_PLACE_LIST,
    IN_PLACE_MAP,
    IN_PLACE_ONE,
    IN_VALUE,
    MEMBER_LIST,
    MEMBER_MAP,
    MEMBER_ONE,
    NON_MONOTONIC,
    UNEVALUATED,
    document_children,
)
from .pointer import ref_pointer, resolve_pointer
from .types import declared_types, enum_values

__all__ = ["DEPTH_KEY", "DepthBounded", "depth_bounded"]

#: Where the copy keeps its "at most k deep" schemas (``/x-dynclient-depth/d<k>``).
DEPTH_KEY = "x-dynclient-depth"
#: Keywords whose subschemas must keep their exact meaning: admitting less there can make the
#: whole admit more (``propertyNames`` only ever sees strings, but is kept for safety).
_FROZEN_BELOW = (*sorted(NON_MONOTONIC), "oneOf")
#: Keywords whose subschemas apply to the value itself (``propertyNames``: to its names).
_IN_PLACE_ONE = (*IN_PLACE_ONE, "propertyNames")
_CONTAINERS = frozenset({"object", "array"})
#: How each applicator holds its subschemas: one, a list, a map of names to schemas.
_KINDS: dict[str, str] = {
    **dict.fromkeys((*_IN_PLACE_ONE, *MEMBER_ONE), "one"),
    **dict.fromkeys((*IN_PLACE_LIST, *MEMBER_LIST), "list"),
    **dict.fromkeys((*MEMBER_MAP, *IN_PLACE_MAP, "$defs", "definitions"), "map"),
}


class _Unbounded(Exception):
    """The document cannot be given a bounded copy."""


class DepthBounded:
    """The copy (``document``) and which of its schemas bound their value (``bounds``)."""

    __slots__ = ("_graph", "document", "limit")

    def __init__(self, document: dict[str, Any], graph: _Graph, limit: int) -> None:
        self.document = document
        self.limit = limit
        self._graph = graph

    def bounds(self, pointer: str) -> bool:
        """Whether the copy's schema at ``pointer`` admits only values within the limit."""
        try:
            return self._graph.bounds(resolve_pointer(self.document, pointer))
        except SpecError:  # a pointer the copy does not have: no
            return False


def depth_bounded(document: Any, limit: int) -> DepthBounded | None:
    """A copy of ``document`` in which every schema that can admits only instances valid under
    the original and nested at most ``limit`` deep (see the module's docstring), or None."""
    if not isinstance(document, dict) or limit < 1 or DEPTH_KEY in document:
        return None
    try:
        copy: dict[str, Any] = json.loads(json.dumps(document))  # plain JSON: a loaded spec is
    except (TypeError, ValueError, RecursionError):  # not JSON, or nested past the parser
        return None
    slots: list[dict[str, Any]] = []  # every "at most k deep" reference, k known at the end
    try:
        graph = _Graph(copy)
        for node in graph.order:  # children before parents (but for back edges of a recursion)
            if id(node) not in graph.frozen:
                _bound_node(node, graph, slots)
    except _Unbounded:
        return None
    reach = max((graph.reach[id(n)] for n in graph.order if id(n) in graph.reach), default=0)
    budget = limit - reach  # a bounding schema's value: at most reach levels above a chain's
    if budget < 0:
        return None
    chain: dict[str, Any] = {"d0": {"not": {"type": ["object", "array"]}}}
    for k in range(1, budget + 1):
        below = {"$ref": f"#/{DEPTH_KEY}/d{k - 1}"}
        chain[f"d{k}"] = {"items": below, "additionalProperties": below}
    for slot in slots:
        slot["$ref"] = f"#/{DEPTH_KEY}/d{budget}"
    copy[DEPTH_KEY] = chain
    return DepthBounded(copy, graph, limit)


def _bound_node(node: dict[str, Any], graph: _Graph, slots: list[dict[str, Any]]) -> None:
    """Make ``node`` bound its value, when it can, and record how far its bound reaches.

    Nothing of ``node`` is replaced (a ``$ref`` elsewhere may name any part of it by its path,
    perhaps from a frozen place). An absent ``additionalProperties`` or ``items`` is added in
    place (no path could name it); a member whose existing schema does not bound it is bounded
    by one more ``allOf`` part, which mirrors ``node``'s member keywords where it must
    (``true`` for the members bounded already), so each keyword covers the same members."""
    if _scalar_only(node):
        graph.reach[id(node)] = 0
        return
    in_place = _in_place_reach(node, graph)
    if in_place is not None:
        graph.reach[id(node)] = in_place
        return
    types = declared_types(node)
    below = [0]
    part: dict[str, Any] = {}

    def bound(sub: Any) -> Any:
        """``true`` for a member bounded by ``sub`` itself (its reach noted), else a chain slot."""
        reach = graph.reach_of(sub)
        if reach is not None:
            below.append(reach)
            return True
        slot: dict[str, Any] = {}
        slots.append(slot)
        return slot

    def loose(key: str) -> bool:
        """Whether ``node`` has ``key`` (``additionalProperties``, ``items``: the members no
        other keyword names) with a schema that does not bound those members."""
        return key in node and node[key] is not False and graph.reach_of(node[key]) is None

    def mirror(key: str, every: bool) -> None:
        """``key``'s members (a name map or a list) in the part: all of them when the part has
        its own ``rest`` keyword (so it covers the same members), else only if one is loose."""
        members = node.get(key)
        if isinstance(members, dict):
            marks: Any = {name: bound(sub) for name, sub in members.items()}
            values = marks.values()
        elif isinstance(members, list):
            marks = values = [bound(sub) for sub in members]
        else:
            return
        if every or any(m is not True for m in values):
            part[key] = marks

    def rest(key: str) -> None:
        if key not in node:
            node[key] = bound(True)  # a new key: no path could name it
        elif node[key] is not False and (mark := bound(node[key])) is not True:
            part[key] = mark

    for kind, named, rest_key in (("object", MEMBER_MAP, "additionalProperties"), ("array", MEMBER_LIST, "items")):
        if types is None or kind in types:
            every = loose(rest_key)
            for key in named:
                mirror(key, every)
            rest(rest_key)
    if part:
        node["allOf"] = [*_as_list(node.get("allOf")), part]
    graph.reach[id(node)] = 1 + max(below)


def _scalar_only(node: dict[str, Any]) -> bool:
    types = declared_types(node)
    if types is not None and not types & _CONTAINERS:
        return True
    values = enum_values(node)
    return values is not None and not any(isinstance(v, (dict, list)) for v in values)


def _in_place_reach(node: dict[str, Any], graph: _Graph) -> int | None:
    """The reach of a schema applied to the value itself that already bounds it (its
    ``$ref``, the best ``allOf`` part, or every ``anyOf`` branch), or None."""
    conjuncts = [graph.target(node)] if "$ref" in node else []
    conjuncts += _as_list(node.get("allOf"))
    found = [r for r in map(graph.reach_of, conjuncts) if r is not None]
    if found:
        return min(found)
    branches = _as_list(node.get("anyOf"))
    reaches = [graph.reach_of(b) for b in branches]
    if branches and all(r is not None for r in reaches):
        return max(r for r in reaches if r is not None)
    return None


class _Graph:
    """The schemas of a document as a graph: ``$ref`` and in-place keywords stay on the value,
    member keywords go one level down. ``order``: every schema object, each after what it
    reaches (but for the back edge of a recursion); ``frozen``: what must keep its meaning;
    ``reach``: for each schema that bounds its value, how many levels its own structure spans
    above the "at most k deep" chain. Raises ``_Unbounded`` for a remote reference or
    ``unevaluated*``."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.order: list[dict[str, Any]] = []
        self.frozen: set[int] = set()
        self.reach: dict[int, int] = {}
        self._edges: dict[int, list[Any]] = {}
        self._targets: dict[int, Any] = {}
        self._structure = _structure(document)
        self._post_order(list(_schema_roots(document)))
        for node in self.order:  # freeze what non-monotonic keywords reach, with all it reaches
            for key in _FROZEN_BELOW:
                for sub in _as_list(node.get(key)):
                    self._freeze(sub)

    def target(self, node: dict[str, Any]) -> Any:
        """What ``node``'s ``$ref`` names, resolved once (before any part is added anywhere).
        A reference into data (``const``, ``enum``, ``default``, examples, ``x-`` extensions),
        whose value a change would alter, is refused like a remote one."""
        key = id(node)
        if key in self._targets:
            return self._targets[key]
        ref = node["$ref"]
        pointer = ref_pointer(ref) if isinstance(ref, str) else None
        if pointer is None:
            raise _Unbounded(f"a remote reference {ref!r}")
        try:
            found = resolve_pointer(self.document, pointer)
        except SpecError:  # a document that loaded has none; never fail here
            raise _Unbounded(ref) from None
        if isinstance(found, (dict, list)) and id(found) not in self._structure:
            raise _Unbounded(f"a reference into data {ref!r}")
        self._targets[key] = found
        return found

    def reach_of(self, schema: Any) -> int | None:
        """How many levels ``schema`` spans above the chain, if it bounds its value; else None."""
        if schema is False:
            return 0
        if not isinstance(schema, dict):
            return None
        reach = self.reach.get(id(schema))
        return 0 if reach is None and _scalar_only(schema) else reach

    def bounds(self, schema: Any) -> bool:
        """Whether ``schema`` (in the copy) admits only values within the limit."""
        return self.reach_of(schema) is not None

    def edges(self, node: dict[str, Any]) -> list[Any]:
        """The schemas ``node`` applies (to itself or its members) or defines (``$defs``), as
        the document had them (read once: the walk and the freezing both ask)."""
        found = self._edges.get(id(node))
        if found is None:
            if not UNEVALUATED.isdisjoint(node):
                raise _Unbounded("unevaluated* keywords")
            found = [self.target(node)] if "$ref" in node else []
            for key, value in node.items():
                kind = _KINDS.get(key)
                if kind is None:
                    continue
                if kind == "one":
                    found.append(value)
                elif kind == "list" and isinstance(value, list):
                    found += value
                elif kind == "map" and isinstance(value, dict):
                    found += value.values()
            self._edges[id(node)] = found
        return found

    def _post_order(self, roots: list[Any]) -> None:
        """``order`` by an iterative depth-first walk (a long ``$ref`` chain cannot overflow)."""
        done: set[int] = set()
        for root in roots:
            if not isinstance(root, dict) or id(root) in done:
                continue
            active = {id(root)}
            stack: list[tuple[dict[str, Any], Iterator[Any]]] = [(root, iter(self.edges(root)))]
            while stack:
                node, pending = stack[-1]
                for sub in pending:
                    if isinstance(sub, dict) and id(sub) not in done and id(sub) not in active:
                        active.add(id(sub))
                        stack.append((sub, iter(self.edges(sub))))
                        break
                else:
                    stack.pop()
                    active.discard(id(node))
                    done.add(id(node))
                    self.order.append(node)

    def _freeze(self, schema: Any) -> None:
        """Freeze ``schema`` and everything it reaches (each schema once)."""
        stack = [schema]
        while stack:
            node = stack.pop()
            if not isinstance(node, dict) or id(node) in self.frozen:
                continue
            self.frozen.add(id(node))
            stack.extend(self.edges(node))


def _structure(document: dict[str, Any]) -> set[int]:
    """The ids of the document's objects and lists that are not data: everything the toolkit's
    document walk enters (``document_children``: no ``const``, ``enum``, examples, defaults or
    ``x-`` extensions)."""
    seen: set[int] = set()
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        if isinstance(node, dict):
            seen.add(id(node))
            for _key, value, is_map in document_children(node):
                if is_map:  # the map itself stays out: a name map is not a schema to add to
                    stack.extend(v for v in value.values() if isinstance(v, (dict, list)))
                else:
                    stack.append(value)
        elif isinstance(node, list):
            seen.add(id(node))
            stack.extend(v for v in node if isinstance(v, (dict, list)))
    return seen


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [] if value is None else [value]


def _schema_roots(document: dict[str, Any]) -> Iterator[Any]:
    """Every schema the engine may be asked about: the named ones (``schemas`` maps) and those
    in place (values of ``schema``), wherever they sit in the document, data and ``x-``
    extensions aside."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                if key.startswith("x-") or key in ("example", "examples", "default", "enum", "const"):
                    continue
                if key == "schema" and isinstance(value, (dict, bool)):
                    yield value
                elif key == "schemas" and isinstance(value, dict):
                    yield from value.values()
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(node, list):
            stack.extend(node)


# the vocabulary is the toolkit's (keywords.py): every applicator read here is one it knows
assert {*MEMBER_ONE, *_IN_PLACE_ONE} <= IN_VALUE and {*MEMBER_LIST, *IN_PLACE_LIST} <= IN_LIST
assert {*MEMBER_MAP, *IN_PLACE_MAP} <= IN_MAP
