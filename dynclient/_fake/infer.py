"""Which operation does what to which resource, inferred from the IR (no name is known here).

- A **collection** is a path without parameters that has a ``POST`` answering 201 (create)
  and/or a paginated ``GET`` (list). The resource's schema is the list's item schema, else
  the create's response schema; a create answering another schema than the list's items
  is served as a generic operation.
- Its **item path** is the collection path plus one ``{param}``: ``GET`` reads, ``PATCH``/
  ``PUT`` update, ``DELETE`` deletes. The parameter addresses the property it names, else
  ``id``.
- An **alternate-key path** is another path under the collection ending in one
  ``{param}`` that names a property of the resource (``.../external/{external_id}``).
- A **view** is a ``GET`` below an item or alternate-key path, without further parameters,
  whose schema shares the resource's key and at least half its properties: it is filled
  from the stored record, the rest generated (arrays empty unless seeded).
- An **export** is a ``GET`` on a literal child of the collection path answering a non-JSON
  media type (CSV of the resource's scalar properties).
- List **filters**: query parameters that name a property (exact match; a list means any of;
  an object matches key by key); **sorting**: a parameter whose enum values name properties
  (``-`` for descending), its default when not sent; **free-text search**: parameters named
  in ``search_params`` that name no property (see ``FakeAPI``).
- **Unique** properties: the key, alternate keys, properties whose description says they
  must be ``unique``, and those configured.
- Everything else is **generic**: validated, answered with a generated body of its first
  success status, and a 404 when it lives below an item path whose record does not exist.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .._ir import NO_DEFAULT, ApiSpec, Operation, Parameter, Response, SchemaRef
from .._schema.media import is_json
from .._schema.openapi import template_names
from .._schema.pointer import resolve_pointer
from .._schema.types import enum_values
from .._schema.unions import alternatives
from .schema import Variant, json_types, variants

__all__ = ["Binding", "Key", "ListPlan", "Model", "Resource", "Role", "infer"]

Role = Literal["create", "list", "get", "update", "delete", "view", "export", "generic"]
_SCALARS = frozenset({"string", "integer", "number", "boolean", "null"})
_UNIQUE_WORDS = re.compile(r"\bunique\b", re.I)


@dataclass
class Resource:
    """A kind of stored record: its schema, variants, key and what is unique about it."""

    name: str
    path: str
    schema: SchemaRef
    tag: str | None
    variants: list[Variant]
    key: str | None = None
    item_path: str | None = None
    alternate_keys: list[str] = field(default_factory=list)
    unique: list[str] = field(default_factory=list)
    properties: dict[str, str] = field(default_factory=dict)
    columns: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    operations: list[str] = field(default_factory=list)
    #: item and alternate-key paths, each with the key it addresses records by
    key_paths: dict[str, Key] = field(default_factory=dict)

    def variant_for(self, data: Mapping[str, Any]) -> Variant:
        return pick_variant(self.tag, self.variants, data)


def pick_variant(tag: str | None, found: Sequence[Variant], data: Mapping[str, Any]) -> Variant:
    """The variant ``data`` belongs to: by its tag, else the first whose constants it matches."""
    if tag is not None and tag in data:
        for v in found:
            if tag in v.consts and v.consts[tag] == data[tag]:
                return v
    for v in found:
        if all(data.get(k, c) == c for k, c in v.consts.items()):
            return v
    return found[0]


@dataclass(frozen=True)
class Key:
    """A path parameter that addresses a record by the property it names."""

    param: str
    property: str


@dataclass(frozen=True)
class ListPlan:
    """How a list (or an export) reads its query: pages, filters, search, sorting."""

    page: str | None = None
    limit: str | None = None
    page_default: int = 1
    limit_default: int = 10
    filters: tuple[tuple[str, str], ...] = ()
    search: tuple[tuple[str, tuple[str, ...]], ...] = ()
    sort: str | None = None
    sort_default: tuple[str, ...] = ()
    results: tuple[str, ...] = ("items",)
    num_pages: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Binding:
    """How the fake serves one operation."""

    op: Operation
    role: Role
    status: int
    resource: Resource | None = None
    key: Key | None = None
    view: tuple[str | None, tuple[Variant, ...]] | None = None
    plan: ListPlan | None = None


@dataclass
class Model:
    resources: dict[str, Resource]
    bindings: dict[str, Binding]


def schema_key(ref: SchemaRef) -> str:
    return ref.name or json.dumps(ref.resolved, sort_keys=True, default=str)


def success(op: Operation) -> Response | None:
    """The first declared success response (2xx by code)."""
    found = sorted((r for r in op.success_responses if r.status[:1] == "2"), key=lambda r: r.status)
    return found[0] if found else None


def success_status(op: Operation) -> int:
    r = success(op)
    return int(r.status) if r is not None and r.status.isdigit() else 200


def json_schema(op: Operation) -> SchemaRef | None:
    r = success(op)
    if r is None or r.schema is None or not is_json(r.media_type):
        return None
    return r.schema


def _params(path: str) -> list[str]:
    return template_names(path)


def _strip(path: str) -> str:
    return path.rstrip("/")


def infer(
    spec: ApiSpec,
    *,
    unique_fields: Iterable[str] = (),
    infer_unique: bool = True,
    search_params: Iterable[str] = (),
) -> Model:
    doc = spec.document
    by_path: dict[str, dict[str, Operation]] = {}
    for op in spec.operations:
        by_path.setdefault(op.path, {})[op.http_method] = op
    resources: dict[str, Resource] = {}
    bindings: dict[str, Binding] = {}
    configured = list(unique_fields)
    searchable = frozenset(search_params)

    # shorter collection paths first: they get the short names (``meters`` before ``portal/meters``)
    for path in sorted(by_path, key=lambda p: len([s for s in p.split("/") if s])):
        methods = by_path[path]
        if _params(path):
            continue
        create, lister = methods.get("POST"), methods.get("GET")
        listed = lister.pagination.item_schema if lister is not None and lister.pagination is not None else None
        created = json_schema(create) if create is not None else None
        if (
            created is not None
            and create is not None
            and success_status(create) != 201
            and (listed is None or schema_key(listed) != schema_key(created))
        ):
            created = None
        if listed is not None and created is not None and schema_key(listed) != schema_key(created):
            created = None
        schema = listed or created
        if schema is None:
            continue
        tag, found = variants(doc, schema.raw, schema.pointer)
        if not found:
            continue
        name = _resource_name(path, resources)
        res = Resource(name=name, path=path, schema=schema, tag=tag, variants=found)
        for v in found:
            for prop, where in v.properties.items():
                res.properties.setdefault(prop, where)
        res.columns = [p for p, w in res.properties.items() if _scalar(doc, w)]
        res.text = [p for p, w in res.properties.items() if _plain_text(doc, w)]
        resources[name] = res
        if created is not None and create is not None:
            bindings[create.name] = Binding(create, "create", success_status(create), res)
        if listed is not None and lister is not None:
            plan = _plan(doc, lister, res, searchable)
            bindings[lister.name] = Binding(lister, "list", success_status(lister), res, plan=plan)

    for res in list(resources.values()):
        _bind_items(doc, spec, by_path, res, bindings)
        _mark_unique(res, configured, infer_unique)
        if not res.key_paths and not any(b.role == "list" and b.resource is res for b in bindings.values()):
            # a POST answering 201 with nothing to read it back by: an action, served generically
            del resources[res.name]
            for name in [n for n, b in bindings.items() if b.resource is res]:
                del bindings[name]

    for op in spec.operations:
        if op.name not in bindings:
            bindings[op.name] = Binding(op, "generic", success_status(op), *_parent(op, resources))
    for b in bindings.values():
        if b.resource is not None:
            b.resource.operations.append(b.op.name)
    return Model(resources, bindings)


def _resource_name(path: str, taken: Mapping[str, Resource]) -> str:
    """The collection path's last segment (``customers``), more segments when that is taken."""
    literal = [s for s in _strip(path).split("/") if s] or ["root"]
    for n in range(1, len(literal) + 1):
        name = "/".join(literal[-n:])
        if name not in taken:
            return name
    i = 2
    while f"{path}#{i}" in taken:
        i += 1
    return f"{path}#{i}"


def _bind_items(
    doc: Mapping[str, Any],
    spec: ApiSpec,
    by_path: Mapping[str, Mapping[str, Operation]],
    res: Resource,
    bindings: dict[str, Binding],
) -> None:
    base = _strip(res.path) + "/"
    key_paths = res.key_paths
    own = schema_key(res.schema)
    for path in by_path:
        if not path.startswith(base):
            continue
        rest = path[len(base) :]
        names = _params(path)
        if len(names) != 1 or not rest.endswith("}"):
            continue
        head, _, last = rest.rpartition("/")
        if last != "{" + names[0] + "}" or _params(head):
            continue
        param = names[0]
        if head == "":  # the item path
            prop = param if param in res.properties else ("id" if "id" in res.properties else None)
            if prop is None:
                continue
            res.item_path, res.key = path, prop
        elif param in res.properties:
            prop = param
            res.alternate_keys.append(prop)
        else:
            continue
        key_paths[path] = Key(param, prop)
    if res.key is None and "id" in res.properties:
        res.key = "id"
    for path, key in key_paths.items():
        for method, op in by_path[path].items():
            answered = json_schema(op)
            mine = answered is not None and schema_key(answered) == own
            if method == "GET" and mine:
                bindings[op.name] = Binding(op, "get", success_status(op), res, key)
            elif method in ("PATCH", "PUT") and mine:
                bindings[op.name] = Binding(op, "update", success_status(op), res, key)
            elif method == "DELETE" and (mine or answered is None):
                bindings[op.name] = Binding(op, "delete", success_status(op), res, key)
    for path, methods in by_path.items():
        for prefix, key in key_paths.items():
            if not path.startswith(prefix + "/"):
                continue
            viewer = methods.get("GET")
            if viewer is None or viewer.name in bindings or _params(path[len(prefix) :]):
                continue
            answered = json_schema(viewer)
            if answered is None:
                continue
            tag, found = variants(doc, answered.raw, answered.pointer)
            if found and _shares(res, found):
                view = (tag, tuple(found))
                bindings[viewer.name] = Binding(viewer, "view", success_status(viewer), res, key, view=view)
    for path, methods in by_path.items():
        reader = methods.get("GET")
        if reader is None or reader.name in bindings or not path.startswith(base):
            continue
        rest = path[len(base) :]
        if "/" in rest or _params(rest):
            continue
        r = success(reader)
        if r is not None and r.media_type is not None and not is_json(r.media_type):
            plan = _plan(doc, reader, res, frozenset())
            bindings[reader.name] = Binding(reader, "export", success_status(reader), res, plan=plan)


def _parent(op: Operation, resources: Mapping[str, Resource]) -> tuple[Resource | None, Key | None]:
    """For an operation below an item (or alternate-key) path: the record it needs to exist."""
    best: tuple[int, Resource | None, Key | None] = (0, None, None)
    for res in resources.values():
        for path, key in res.key_paths.items():
            if op.path.startswith(path + "/") and len(path) > best[0]:
                best = (len(path), res, key)
    return best[1], best[2]


def _shares(res: Resource, found: Sequence[Variant]) -> bool:
    props = set().union(*(set(v.properties) for v in found))
    if res.key is not None and res.key not in props:
        return False
    return len(props & set(res.properties)) * 2 >= len(res.properties)


def _scalar(doc: Mapping[str, Any], pointer: str) -> bool:
    types = json_types(doc, resolve_pointer(doc, pointer))
    return bool(types) and types <= _SCALARS


def _plain_text(doc: Mapping[str, Any], pointer: str) -> bool:
    node = resolve_pointer(doc, pointer)
    if json_types(doc, node) - {"null"} != {"string"}:
        return False
    text = json.dumps(node)
    return not any(k in text for k in ('"format"', '"enum"', '"const"', '"pattern"'))


def _enum_strings(doc: Mapping[str, Any], node: Any, depth: int = 0) -> list[str]:
    """The strings a schema lists (``enum``/``const``), through unions and array items."""
    out: list[str] = []
    for schema, _ in alternatives(doc, node):
        out += [v for v in enum_values(schema) or () if isinstance(v, str)]
        if isinstance(schema.get("items"), Mapping) and depth < 8:
            out += _enum_strings(doc, schema["items"], depth + 1)
    return out


def _default_list(p: Parameter) -> tuple[str, ...]:
    if p.default is NO_DEFAULT or p.default is None:
        return ()
    values = p.default if isinstance(p.default, list) else [p.default]
    return tuple(str(v) for v in values)


def _plan(doc: Mapping[str, Any], op: Operation, res: Resource, searchable: frozenset[str]) -> ListPlan:
    pag = op.pagination
    page = pag.page_parameter if pag is not None else None
    limit = pag.limit_parameter if pag is not None else None
    used = {page, limit}
    sort: str | None = None
    sort_default: tuple[str, ...] = ()
    filters: list[tuple[str, str]] = []
    search: list[tuple[str, tuple[str, ...]]] = []
    for p in op.parameters:
        if p.location != "query" or p.name in used:
            continue
        values = _enum_strings(doc, p.schema.raw)
        if (
            sort is None
            and values
            and p.name not in res.properties
            and all(v.lstrip("-") in res.properties for v in values)
        ):
            sort, sort_default = p.name, _default_list(p)
            continue
        if p.name in res.properties:
            filters.append((p.name, p.name))
        elif p.name in searchable:
            search.append((p.name, _search_fields(res, p)))
    page_default = _int_default(op, page, 1)
    limit_default = _int_default(op, limit, 10)
    return ListPlan(
        page=page,
        limit=limit,
        page_default=page_default,
        limit_default=limit_default,
        filters=tuple(filters),
        search=tuple(search),
        sort=sort,
        sort_default=sort_default,
        results=pag.results_path if pag is not None else ("items",),
        num_pages=pag.num_pages_path if pag is not None else None,
    )


def _int_default(op: Operation, name: str | None, fallback: int) -> int:
    if name is None:
        return fallback
    default = op.parameter(name).default
    return default if isinstance(default, int) and not isinstance(default, bool) else fallback


def _search_fields(res: Resource, p: Parameter) -> tuple[str, ...]:
    """The text properties a free-text parameter's description names (``external_id`` read as
    ``external id``), else every text property."""
    text = f"{p.description} {p.schema.resolved.get('description', '')}".lower()
    named = [prop for prop in res.text if prop.replace("_", " ").lower() in text or prop.lower() in text]
    return tuple(named or res.text)


def _mark_unique(res: Resource, configured: Sequence[str], infer_unique: bool) -> None:
    unique = [res.key] if res.key is not None else []
    unique += res.alternate_keys
    if infer_unique:
        for v in res.variants:
            for prop, text in v.descriptions.items():
                if _UNIQUE_WORDS.search(text):
                    unique.append(prop)
    for entry in configured:
        owner, dot, prop = entry.rpartition(".")
        if (not dot or owner == res.name) and prop in res.properties:
            unique.append(prop)
    res.unique = list(dict.fromkeys(unique))
