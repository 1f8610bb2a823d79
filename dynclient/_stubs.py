"""Typed stubs rendered from the IR: schema TypedDicts plus a typed client surface.

The renderer has three steps, each with one job:

1. ``_SchemaTypes`` turns every schema the operations reach into a Python type
   expression and a set of named definitions (TypedDicts and type aliases). While it
   works, references to named definitions are *tokens*; names are given once the
   whole set is known (a schema used as both input and output may need two types).
2. ``_context`` builds plain data for the templates: definitions, operations with
   their keyword parameters and return types, the group tree, the error classes and
   the runtime's public names.
3. jinja2 renders ``codegen_templates/*.pyi.jinja`` into ``dynclient/__init__.pyi``
   and ``dynclient/schemas.pyi``.

Naming rules (also in docs/stubs.md): a component schema ``N`` is the type ``N`` with
every character that cannot be in an identifier turned into ``_`` (a leading digit gets
a ``T`` in front; a Python keyword or one of the stub's module names gets ``_`` after).
A schema whose type depends on direction (it holds arrays or maps, so inputs take
``Sequence``/``Mapping`` and outputs are ``list``/``dict``) and that is used both ways
has its input type named ``NParam``. An inline object schema is named after where it
sits (``Owner_key``, ``Owner_item``, ``<operation>_body`` ...). Two schemas that would
get one name are a ``SpecError``: nothing is renamed or dropped silently.
"""

from __future__ import annotations

import ast
import importlib
import json
import keyword
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote

from ._build import identifier
from ._document import escape_pointer_token, resolve_pointer
from ._errors import SpecError
from ._ir import ApiSpec, Operation

__all__ = ["STUB_FILES", "render_stubs", "schema_type_names", "write_stubs"]

Mode = Literal["in", "out"]

#: The files ``render_stubs`` produces, relative to the directory holding the package.
STUB_FILES = ("dynclient/__init__.pyi", "dynclient/schemas.pyi")

_HERE = Path(__file__).resolve().parent
_COMPONENT = "/components/schemas/"
#: Module names the stubs use in annotations; no generated name may take them.
_ROOTS = frozenset({"builtins", "collections", "typing", "httpx", "dynclient", "_schemas", "_APIError"})
_ANNOTATION_ONLY = frozenset({
    "title", "description", "examples", "example", "default", "deprecated", "readOnly", "writeOnly",
    "$comment", "externalDocs", "xml", "format", "minLength", "maxLength", "pattern", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems",
    "minProperties", "maxProperties", "contentEncoding", "contentMediaType", "$schema", "$id",
})
_JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b", re.I)
_TOKEN = re.compile(r"\x00([^\x00]*)\x00")
_ANY = "typing.Any"


def _pystr(text: str) -> str:
    """A double-quoted Python string literal for ``text``."""
    return json.dumps(text, ensure_ascii=False)


def _docstring(text: str, indent: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r", "")
    if not text:
        return ""
    if text.endswith('"'):
        text += " "
    lines = text.split("\n")
    body = ("\n" + indent).join(line.rstrip() for line in lines)
    return f'{indent}"""{body}"""\n'


def _union(parts: Sequence[str]) -> str:
    seen: dict[str, None] = {}
    nullable = False
    for part in parts:
        for piece in _split_union(part):
            if piece == "None":
                nullable = True
            else:
                seen.setdefault(piece)
    if _ANY in seen:
        return _ANY
    items = list(seen) + (["None"] if nullable else [])
    if not items:
        return "typing.Never"
    return " | ".join(items)


def _split_union(expr: str) -> list[str]:
    """Top-level ``|`` members of a type expression (brackets respected)."""
    out, depth, start, i = [], 0, 0, 0
    in_str = False
    while i < len(expr):
        ch = expr[i]
        if in_str:
            if ch == "\\":
                i += 1
            elif ch == '"':
                in_str = False
        elif ch == '"':
            in_str = True
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(expr[start:i].strip())
            start = i + 1
        i += 1
    out.append(expr[start:].strip())
    return [p for p in out if p]


def _literal(values: Sequence[Any]) -> str:
    """``typing.Literal[...]`` for the representable values; floats and objects widen."""
    lits: list[str] = []
    extra: list[str] = []
    for v in values:
        if v is None:
            extra.append("None")
        elif isinstance(v, bool):
            lits.append("True" if v else "False")
        elif isinstance(v, int):
            lits.append(str(v))
        elif isinstance(v, str):
            lits.append(_pystr(v))
        elif isinstance(v, float):
            extra.append("builtins.float")
        else:
            extra.append(_ANY)
    lits = list(dict.fromkeys(lits))
    parts = ([f"typing.Literal[{', '.join(lits)}]"] if lits else []) + extra
    return _union(parts)


def _type_name(component: str) -> str:
    """The Python name of a component schema (see the module docstring)."""
    name = identifier(component)
    if not name or name[0].isdigit():
        name = "T" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in _ROOTS:
        name += "_"
    return name


# -- definitions -------------------------------------------------------------------------------


@dataclass
class Field:
    key: str
    annotation: str
    required: bool

    @property
    def declared(self) -> str:
        return self.annotation if self.required else f"typing.NotRequired[{self.annotation}]"


@dataclass
class Definition:
    """A named type: a TypedDict (``fields``) or an alias (``expr``); names are tokens until named."""

    token: str
    base: str
    pointer: str
    mode: Mode
    kind: Literal["typeddict", "alias"]
    doc: str = ""
    fields: list[Field] = field(default_factory=list)
    expr: str = ""
    name: str = ""


class _SchemaTypes:
    """Schema -> type expression, collecting named definitions (see the module docstring)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.defs: dict[str, Definition] = {}
        self._sensitive: dict[str, bool] = {}
        self._filling: set[str] = set()
        self._expanding: list[str] = []

    # -- the public step ------------------------------------------------------------------
    def expr(self, schema: Any, pointer: str, mode: Mode, owner: str) -> str:
        """The type expression of ``schema`` (at ``pointer``) in ``mode``; ``owner`` names inline types."""
        if schema is True or schema is None:
            return _ANY
        if schema is False:
            return "typing.Never"
        if not isinstance(schema, Mapping):
            raise SpecError("schema must be an object or a boolean", pointer)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, pointer, mode)
        nullable = schema.get("nullable") is True
        out = self._plain(schema, pointer, mode, owner)
        return _union([out, "None"]) if nullable else out

    # -- references ------------------------------------------------------------------------
    def _ref(self, ref: str, at: str, mode: Mode) -> str:
        if not ref.startswith("#"):
            raise SpecError(f"stubs cannot follow the remote $ref {ref!r}", at)
        target = unquote(ref[1:])
        node = resolve_pointer(self.doc, target, at=at)
        if not target.startswith(_COMPONENT) or "/" in target[len(_COMPONENT):]:
            # not a component: expand in place (a cycle here cannot be named, so it is an error)
            if target in self._expanding:
                raise SpecError(f"recursive $ref {ref!r} outside components/schemas cannot be typed", at)
            self._expanding.append(target)
            try:
                return self.expr(node, target, mode, _type_name(target.rsplit("/", 1)[-1]))
            finally:
                self._expanding.pop()
        return self._named(target, node, mode)

    def _named(self, pointer: str, node: Any, mode: Mode) -> str:
        effective: Mode = mode if self.sensitive(pointer) else "out"
        token = f"{pointer}\x01{effective}"
        if token not in self.defs:
            base = _type_name(pointer[len(_COMPONENT):].replace("~1", "/").replace("~0", "~"))
            definition = Definition(token, base, pointer, effective, "alias")
            self.defs[token] = definition
            self._filling.add(token)
            try:
                self._fill(definition, node)
            finally:
                self._filling.discard(token)
        return f"\x00{token}\x00"

    def _fill(self, definition: Definition, node: Any) -> None:
        owner = f"\x00{definition.token}\x00"
        if isinstance(node, Mapping) and self._is_object(node):
            definition.kind = "typeddict"
            definition.doc = str(node.get("description") or "")
            definition.fields = self._fields(node, definition.pointer, definition.mode, owner)
        else:
            definition.expr = self.expr(node, definition.pointer, definition.mode, owner)
            if isinstance(node, Mapping):
                definition.doc = str(node.get("description") or "")

    # -- direction sensitivity -------------------------------------------------------------
    def sensitive(self, pointer: str) -> bool:
        """Whether the schema (through its references) holds arrays or maps."""
        hit = self._sensitive.get(pointer)
        if hit is not None:
            return hit
        seen: set[str] = set()
        stack = [pointer]
        found = False
        while stack and not found:
            current = stack.pop()
            if current in seen:
                continue
            seen.add(current)
            direct, refs = self._scan(resolve_pointer(self.doc, current, at=current))
            found = direct or any(self._sensitive.get(r) is True for r in refs)
            stack.extend(r for r in refs if r not in seen)
        if not found:
            for p in seen:
                self._sensitive[p] = False
        self._sensitive[pointer] = found
        return found

    def _scan(self, schema: Any) -> tuple[bool, set[str]]:
        """(holds an array or map itself, local $ref targets) for one schema tree."""
        direct = False
        refs: set[str] = set()
        for sub in _subschemas(schema):
            ref = sub.get("$ref")
            if isinstance(ref, str) and ref.startswith("#"):
                refs.add(unquote(ref[1:]))
                continue
            types = _types(sub)
            if "array" in types and "prefixItems" not in sub:
                direct = True
            if "object" in types and not self._is_object(sub):
                direct = True
        return direct, refs

    # -- shapes ----------------------------------------------------------------------------
    @staticmethod
    def _is_object(schema: Mapping[str, Any]) -> bool:
        """A schema rendered as a TypedDict: it declares properties (or required keys)."""
        if any(k in schema for k in ("oneOf", "anyOf", "allOf", "$ref", "enum", "const")):
            return False
        types = _types(schema)
        if types and types != {"object"}:
            return False
        return isinstance(schema.get("properties"), Mapping) or bool(schema.get("required"))

    def _plain(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        for combiner in ("oneOf", "anyOf"):
            if combiner in schema:
                if isinstance(schema.get("properties"), Mapping) and schema["properties"]:
                    raise SpecError(f"properties beside {combiner} cannot be typed", pointer)
                members = schema[combiner]
                if not isinstance(members, list):
                    raise SpecError(f"{combiner} must be a list", pointer)
                parts = [
                    self.expr(m, f"{pointer}/{combiner}/{i}", mode, f"{owner}_{i}") for i, m in enumerate(members)
                ]
                parts = self._tagged(schema, pointer, members, parts)
                return _union(parts)
        if "allOf" in schema:
            return self._all_of(schema, pointer, mode, owner)
        if "const" in schema:
            return _literal([schema["const"]])
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list):
                raise SpecError("enum must be a list", pointer)
            return _literal(values)
        types = _types(schema)
        if not types:
            return _ANY
        ordered = sorted(types, key=lambda t: (_TYPE_ORDER.index(t) if t in _TYPE_ORDER else len(_TYPE_ORDER), t))
        return _union([self._typed(t, schema, pointer, mode, owner) for t in ordered])

    def _typed(self, t: str, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        if t == "string":
            return "builtins.str"
        if t == "integer":
            return "builtins.int"
        if t == "number":
            return "builtins.float"
        if t == "boolean":
            return "builtins.bool"
        if t == "null":
            return "None"
        if t == "array":
            return self._array(schema, pointer, mode, owner)
        if t == "object":
            return self._object(schema, pointer, mode, owner)
        raise SpecError(f"unknown JSON Schema type {t!r}", pointer)

    def _array(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            parts = [
                self.expr(s, f"{pointer}/prefixItems/{i}", mode, f"{owner}_{i}") for i, s in enumerate(prefix)
            ]
            items = schema.get("items", True)
            closed = items is False or (
                isinstance(schema.get("maxItems"), int) and schema["maxItems"] <= len(prefix)
            )
            if not closed:
                rest = self.expr(items, f"{pointer}/items", mode, f"{owner}_item")
                parts.append(f"typing.Unpack[builtins.tuple[{rest}, ...]]")
            if not parts:
                return "builtins.tuple[()]"
            return f"builtins.tuple[{', '.join(parts)}]"
        item = self.expr(schema.get("items", True), f"{pointer}/items", mode, f"{owner}_item")
        container = "collections.abc.Sequence" if mode == "in" else "builtins.list"
        return f"{container}[{item}]"

    def _object(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        if self._is_object(schema):
            return self._inline_typeddict(schema, pointer, mode, owner)
        if isinstance(schema.get("properties"), Mapping) or schema.get("required"):
            # an object with properties that may also be something else (`type: [object, null]`)
            shape = {k: v for k, v in schema.items() if k != "type"}
            return self._inline_typeddict(shape, pointer, mode, f"{owner}_object")
        container = "collections.abc.Mapping" if mode == "in" else "builtins.dict"
        extra = schema.get("additionalProperties", True)
        values: list[str] = []
        patterns = schema.get("patternProperties")
        if isinstance(patterns, Mapping) and patterns:
            for key, sub in patterns.items():
                values.append(self.expr(sub, f"{pointer}/patternProperties/{escape_pointer_token(key)}",
                                        mode, f"{owner}_value"))
            if extra is not True and "additionalProperties" in schema:
                values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, f"{owner}_value"))
        else:
            values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, f"{owner}_value"))
        return f"{container}[builtins.str, {_union(values)}]"

    def _inline_typeddict(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        token = f"{pointer}\x01{mode}\x01inline"
        if token not in self.defs:
            definition = Definition(token, owner, pointer, mode, "typeddict", doc=str(schema.get("description") or ""))
            self.defs[token] = definition
            definition.fields = self._fields(schema, pointer, mode, f"\x00{token}\x00")
        return f"\x00{token}\x00"

    def _fields(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> list[Field]:
        props = schema.get("properties") or {}
        if not isinstance(props, Mapping):
            raise SpecError("properties must be an object", pointer)
        required = schema.get("required") or []
        if not isinstance(required, list):
            raise SpecError("required must be a list", pointer)
        fields = [
            Field(
                key,
                self.expr(sub, f"{pointer}/properties/{escape_pointer_token(key)}", mode, f"{owner}_{identifier(key)}"),
                key in required,
            )
            for key, sub in props.items()
        ]
        for key in required:
            if key not in props:  # required but undeclared: any JSON value
                fields.append(Field(key, _ANY, True))
        return fields

    def _all_of(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: str) -> str:
        members = schema["allOf"]
        if not isinstance(members, list) or not members:
            raise SpecError("allOf must be a non-empty list", pointer)
        own = {k: v for k, v in schema.items() if k != "allOf"}
        if len(members) == 1 and not self._is_object(own):
            return self.expr(members[0], f"{pointer}/allOf/0", mode, owner)
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        parts = [(f"{pointer}/allOf/{i}", m) for i, m in enumerate(members)]
        if self._is_object(own):
            parts.append((pointer, own))
        for where, member in parts:
            node = self._resolve(member, where)
            if not isinstance(node, Mapping) or not self._is_object(node):
                raise SpecError("allOf can be typed only when every member is an object with properties", where)
            merged["properties"].update(node.get("properties") or {})
            merged["required"].extend(r for r in node.get("required") or [] if r not in merged["required"])
        return self._inline_typeddict(merged, pointer, mode, owner)

    def _resolve(self, schema: Any, at: str) -> Any:
        seen: set[str] = set()
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if not ref.startswith("#") or ref in seen:
                raise SpecError(f"cannot follow $ref {ref!r}", at)
            seen.add(ref)
            at = unquote(ref[1:])
            schema = resolve_pointer(self.doc, at, at=at)
        return schema

    # -- discriminators ----------------------------------------------------------------------
    def _tagged(self, schema: Mapping[str, Any], pointer: str, members: list[Any], parts: list[str]) -> list[str]:
        """A discriminated union's members must carry a ``Literal`` tag; a member that does
        not (its property is a plain string) is replaced by a copy that does, ``<Name>_<tag>``."""
        disc = schema.get("discriminator")
        if not isinstance(disc, Mapping) or not isinstance(disc.get("propertyName"), str):
            return parts
        prop: str = disc["propertyName"]
        raw_mapping = disc.get("mapping")
        mapping: Mapping[str, Any] = raw_mapping if isinstance(raw_mapping, Mapping) else {}
        out = list(parts)
        for i, member in enumerate(members):
            ref = member.get("$ref") if isinstance(member, Mapping) else None
            m = _TOKEN.fullmatch(parts[i])
            if not isinstance(ref, str) or m is None:
                continue
            definition = self.defs.get(m.group(1))
            if definition is None or definition.kind != "typeddict" or definition.token in self._filling:
                continue  # a nested union (its members carry their own tags), or still being built
            current = next((f for f in definition.fields if f.key == prop), None)
            if current is not None and self._is_literal(current.annotation):
                continue
            tags = [tag for tag, target in mapping.items() if target == ref]
            if not tags and ref.startswith("#" + _COMPONENT):
                tags = [ref.rsplit("/", 1)[-1]]
            if not tags:
                raise SpecError(f"discriminator {prop!r}: cannot tell the tag of member {ref!r}", pointer)
            token = f"{definition.token}\x01tag\x01{tags[0]}"
            if token not in self.defs:
                tag_type = _literal(tags)
                fields = [replace(f, annotation=tag_type) if f.key == prop else f for f in definition.fields]
                if current is None:
                    fields.append(Field(prop, tag_type, True))
                self.defs[token] = replace(
                    definition, token=token, base=f"{definition.base}_{identifier(tags[0])}", fields=fields
                )
            out[i] = f"\x00{token}\x00"
        return out

    def _is_literal(self, annotation: str) -> bool:
        for _ in range(20):
            if annotation.startswith("typing.Literal["):
                return True
            m = _TOKEN.fullmatch(annotation)
            target = self.defs.get(m.group(1)) if m else None
            if target is None or target.kind != "alias":
                return False
            annotation = target.expr
        return False

    # -- naming ------------------------------------------------------------------------------
    def assign_names(self) -> dict[str, str]:
        """token -> final name, after checking no two definitions share a name."""
        modes: dict[str, set[str]] = {}
        for d in self.defs.values():
            modes.setdefault(d.pointer + "\x02" + d.base, set()).add(d.mode)
        names: dict[str, str] = {}
        for token, d in self.defs.items():
            base = self._resolve_tokens(d.base, names, partial=True)
            both = len(modes[d.pointer + "\x02" + d.base]) > 1
            names[token] = base + ("Param" if d.mode == "in" and both and "\x01inline" not in token else "")
        # inline names embed their owner's name: resolve until stable
        for _ in range(50):
            changed = False
            for token in self.defs:
                if "\x00" in names[token]:
                    new = self._resolve_tokens(names[token], names, partial=True)
                    changed |= new != names[token]
                    names[token] = new
            if not changed:
                break
        used: dict[str, str] = {}
        for token, name in names.items():
            if "\x00" in name or not name.isidentifier():
                raise SpecError(f"cannot name the type of this schema ({name!r})", self.defs[token].pointer)
            if name in used:
                raise SpecError(
                    f"two schemas would both be typed {name!r}: {self.defs[used[name]].pointer} and "
                    f"{self.defs[token].pointer}",
                    self.defs[token].pointer,
                )
            used[name] = token
        for token, d in self.defs.items():
            d.name = names[token]
        return names

    @staticmethod
    def _resolve_tokens(text: str, names: Mapping[str, str], partial: bool = False) -> str:
        def sub(m: re.Match[str]) -> str:
            hit = names.get(m.group(1))
            if hit is None:
                if partial:
                    return m.group(0)
                raise KeyError(m.group(1))
            return hit

        return _TOKEN.sub(sub, text)


_TYPE_ORDER = ["object", "array", "string", "integer", "number", "boolean", "null"]


def _types(schema: Mapping[str, Any]) -> set[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return {x for x in t if isinstance(x, str)}
    inferred = set()
    if any(k in schema for k in ("properties", "additionalProperties", "patternProperties", "required")):
        inferred.add("object")
    if any(k in schema for k in ("items", "prefixItems")):
        inferred.add("array")
    return inferred


def _subschemas(schema: Any) -> Iterator[Mapping[str, Any]]:
    """Every schema object in a schema tree, not crossing ``$ref``."""
    stack = [schema]
    while stack:
        node = stack.pop()
        if not isinstance(node, Mapping):
            continue
        yield node
        if "$ref" in node:
            continue
        for key in ("items", "additionalProperties", "not", "contains", "propertyNames", "if", "then", "else",
                    "unevaluatedItems", "unevaluatedProperties"):
            if key in node:
                stack.append(node[key])
        for key in ("prefixItems", "allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                stack.extend(node[key])
        for key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            if isinstance(node.get(key), Mapping):
                stack.extend(node[key].values())


# -- operations --------------------------------------------------------------------------------


@dataclass
class Argument:
    name: str
    annotation: str
    required: bool


@dataclass
class OperationStub:
    name: str
    method_name: str
    group: tuple[str, ...]
    summary: str
    arguments: list[Argument]
    returns: str
    kwargs_type: str | None  # set when a name cannot be a keyword parameter
    page_type: str | None
    item_type: str | None


def _needs_kwargs_typeddict(arguments: Sequence[Argument]) -> bool:
    return any(
        not a.name.isidentifier() or keyword.iskeyword(a.name) or a.name in {"self", "operation", "max_pages"}
        for a in arguments
    )


def _arguments_typeddict(types: _SchemaTypes, op: Operation, arguments: Sequence[Argument]) -> str:
    """``<operation>_Arguments``: the keyword arguments as a TypedDict, for ``**arguments: Unpack[...]``."""
    token = f"{op.pointer}\x01in\x01arguments"
    types.defs[token] = Definition(
        token, f"{op.name}_Arguments", op.pointer, "in", "typeddict",
        doc=f"Keyword arguments of {op.name} (some names cannot be Python parameters).",
        fields=[Field(a.name, a.annotation, a.required) for a in arguments],
    )
    return f"\x00{token}\x00"


def _returns(types: _SchemaTypes, op: Operation) -> str:
    responses = op.success_responses or tuple(r for r in op.responses if r.status == "default")
    if not responses:
        return _ANY
    parts = []
    for r in responses:
        if r.media_type is None:
            parts.append("None")
        elif not _JSON_MEDIA.match(r.media_type):
            parts.append("builtins.str")
        elif r.schema is None:
            parts.append(_ANY)
        else:
            parts.append(types.expr(r.schema.raw, r.schema.pointer, "out", f"{op.name}_response"))
    return _union(parts)


def _item_type(types: _SchemaTypes, op: Operation) -> str:
    pagination = op.pagination
    if pagination is None:
        return _ANY
    if pagination.item_schema is not None:
        return types.expr(pagination.item_schema.raw, pagination.item_schema.pointer, "out", f"{op.name}_item")
    for r in op.success_responses:
        if r.schema is None:
            continue
        node: Any = r.schema.raw
        pointer = r.schema.pointer
        for segment in pagination.results_path:
            node = types._resolve(node, pointer)
            props = node.get("properties") if isinstance(node, Mapping) else None
            if not isinstance(props, Mapping) or segment not in props:
                return _ANY
            pointer = f"{pointer}/properties/{escape_pointer_token(segment)}"
            node = props[segment]
        node = types._resolve(node, pointer)
        if isinstance(node, Mapping) and "items" in node:
            return types.expr(node["items"], f"{pointer}/items", "out", f"{op.name}_item")
    return _ANY


def _operation_stub(types: _SchemaTypes, op: Operation) -> OperationStub:
    arguments = [
        Argument(p.name, types.expr(p.schema.raw, p.schema.pointer, "in", f"{op.name}_{identifier(p.name)}"),
                 p.required)
        for p in op.parameters
    ]
    body = op.request_body
    if body is not None:
        annotation = (
            types.expr(body.schema.raw, body.schema.pointer, "in", f"{op.name}_body") if body.schema else _ANY
        )
        arguments.append(Argument("body", annotation, body.required))
    returns = _returns(types, op)
    paginated = op.pagination is not None
    return OperationStub(
        name=op.name,
        method_name=op.method_name,
        group=op.group,
        summary=op.summary,
        arguments=arguments,
        returns=returns,
        kwargs_type=_arguments_typeddict(types, op, arguments) if _needs_kwargs_typeddict(arguments) else None,
        page_type=returns if paginated else None,
        item_type=_item_type(types, op) if paginated else None,
    )


# -- groups and the runtime surface ---------------------------------------------------------


@dataclass
class Group:
    path: tuple[str, ...]
    sync_class: str
    async_class: str
    children: list[tuple[str, Group]] = field(default_factory=list)
    operations: list[OperationStub] = field(default_factory=list)


def _groups(ops: Sequence[OperationStub]) -> tuple[Group, list[Group]]:
    root = Group((), "Client", "AsyncClient")
    made: dict[tuple[str, ...], Group] = {(): root}
    for op in ops:
        node = root
        for i in range(len(op.group)):
            key = op.group[: i + 1]
            child = made.get(key)
            if child is None:
                stem = "__".join(key)
                child = made[key] = Group(key, f"_{stem}_Group", f"_{stem}_AsyncGroup")
                node.children.append((key[-1], child))
            node = child
        node.operations.append(op)
    return root, [g for k, g in made.items() if k]


@dataclass(frozen=True)
class Reexport:
    module: str
    name: str


def runtime_exports() -> tuple[tuple[str, ...], list[Reexport]]:
    """``dynclient.__all__`` and, for each name the template does not define, its defining module."""
    import dynclient

    names = tuple(dynclient.__all__)
    modules = sorted(m for m in sys.modules if m.startswith("dynclient._"))
    out = []
    for name in names:
        if name in _TEMPLATE_DEFINES:
            continue
        obj = getattr(dynclient, name)
        home = None
        for module_name in modules:
            module = importlib.import_module(module_name)
            if name in getattr(module, "__all__", ()) and getattr(module, name, None) is obj:
                home = module_name
                break
        if home is None:
            raise SpecError(f"dynclient.{name} is exported but no private module lists it in __all__")
        out.append(Reexport(home, name))
    return names, out


#: Names the ``__init__.pyi`` template writes itself (the typed clients); every other
#: exported name is re-exported from the module that defines it.
_TEMPLATE_DEFINES = frozenset({"Client", "AsyncClient"})


# -- rendering --------------------------------------------------------------------------------


def _templates_dir() -> Path:
    """``dynclient/_codegen_templates`` in an installed wheel; the checkout's ``codegen_templates/``."""
    for candidate in (_HERE / "_codegen_templates", _HERE.parent / "codegen_templates"):
        if (candidate / "__init__.pyi.jinja").is_file():
            return candidate
    raise SpecError("the stub templates are missing from this installation")


@dataclass
class _Rendered:
    types: _SchemaTypes
    ops: list[OperationStub]
    names: dict[str, str]


def _analyse(spec: ApiSpec) -> _Rendered:
    types = _SchemaTypes(spec.document)
    ops = [_operation_stub(types, op) for op in spec.operations]
    for op in spec.operations:  # error bodies are typed too, though no call returns them
        for r in op.error_responses:
            if r.schema is not None and r.media_type is not None and _JSON_MEDIA.match(r.media_type):
                types.expr(r.schema.raw, r.schema.pointer, "out", f"{op.name}_error_{r.status}")
    # every component schema reachable from an operation has been named on the way
    names = types.assign_names()
    return _Rendered(types, ops, names)


def schema_type_names(spec: ApiSpec) -> tuple[str, ...]:
    """The names ``schemas.pyi`` defines for ``spec`` (what ``dynclient.schemas`` exports)."""
    return tuple(sorted(_analyse(spec).names.values()))


def render_stubs(spec: ApiSpec) -> dict[str, str]:
    """Render the stubs for ``spec``: relative path (see ``STUB_FILES``) -> file text."""
    import jinja2

    analysed = _analyse(spec)
    names = analysed.names

    def resolve(text: str) -> str:
        return _SchemaTypes._resolve_tokens(text, names)

    def qualified(text: str) -> str:
        return _TOKEN.sub(lambda m: "_schemas." + names[m.group(1)], text)

    definitions = sorted(analysed.types.defs.values(), key=lambda d: d.name)
    schema_defs = []
    for d in definitions:
        fields = [
            {"key": f.key, "literal_key": _pystr(f.key), "annotation": resolve(f.declared), "plain": _class_key(f.key)}
            for f in d.fields
        ]
        schema_defs.append({
            "name": d.name,
            "kind": d.kind,
            "doc": _docstring(d.doc, "    "),
            "class_fields": [f for f in fields if f["plain"]],
            "functional_fields": [f for f in fields if not f["plain"]],
            "expr": resolve(d.expr),
        })
    exported, reexports = runtime_exports()
    root, groups = _groups(analysed.ops)
    _check_member_names(spec, root, groups, set(exported))
    op_ctx = [
        {
            "name": op.name,
            "literal": f"typing.Literal[{_pystr(op.name)}]",
            "method_name": op.method_name,
            "doc": _docstring(op.summary, "        "),
            "arguments": [
                {"name": a.name, "literal_name": _pystr(a.name), "annotation": qualified(a.annotation),
                 "required": a.required}
                for a in op.arguments
            ],
            "returns": qualified(op.returns),
            "kwargs_type": qualified(op.kwargs_type) if op.kwargs_type else None,
            "page_type": qualified(op.page_type) if op.page_type else None,
            "item_type": qualified(op.item_type) if op.item_type else None,
        }
        for op in analysed.ops
    ]
    by_name = {o["name"]: o for o in op_ctx}

    def group_ctx(g: Group) -> dict[str, Any]:
        return {
            "sync_class": g.sync_class,
            "async_class": g.async_class,
            "dotted": ".".join(g.path),
            "children": [{"attr": a, "sync_class": c.sync_class, "async_class": c.async_class} for a, c in g.children],
            "operations": [by_name[o.name] for o in g.operations],
        }

    errors = []
    seen_errors: set[str] = set()
    for title in spec.error_titles:
        name = identifier(title)
        if name in seen_errors:
            continue
        if not name.isidentifier() or keyword.iskeyword(name) or name in _ROOTS:
            raise SpecError(f"error class {name!r} (schema title {title!r}) cannot be a Python attribute")
        seen_errors.add(name)
        errors.append({"name": name, "title": title})
    context = {
        "header": _header(spec),
        "exports": exported,
        "reexports": reexports,
        "definitions": schema_defs,
        "schema_names": sorted(names.values()),
        "operations": op_ctx,
        "paginated": [o for o in op_ctx if o["page_type"]],
        "root": group_ctx(root),
        "groups": [group_ctx(g) for g in sorted(groups, key=lambda g: g.path)],
        "errors": errors,
    }
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - the output is Python source, not HTML
    )
    out = {
        "dynclient/__init__.pyi": env.get_template("__init__.pyi.jinja").render(context),
        "dynclient/schemas.pyi": env.get_template("schemas.pyi.jinja").render(context),
    }
    out = {path: _tidy(text) for path, text in out.items()}
    _check_rendered(out, exported)
    return out


def _class_key(key: str) -> bool:
    """Whether class syntax can declare this key unchanged (else it goes in a functional base)."""
    return (
        key.isidentifier()
        and not keyword.iskeyword(key)
        and not (key.startswith("__") and not key.endswith("__"))  # would be name-mangled
        and key not in _ROOTS
    )


def _check_member_names(spec: ApiSpec, root: Group, groups: Sequence[Group], exported: set[str]) -> None:
    """Group and method names must not hide a name the stub's annotations use."""
    taken = _ROOTS | exported | {g.sync_class for g in groups} | {g.async_class for g in groups}
    for op in spec.operations:
        for name in (*op.group, op.method_name):
            if name in taken or keyword.iskeyword(name):
                raise SpecError(f"{op.name}: the name {name!r} would hide a type in the stubs; rename it", op.pointer)


def _header(spec: ApiSpec) -> str:
    return (
        f"# Generated by dynclient's stub renderer from {spec.title} {spec.version} "
        f"(spec sha256 {spec.fingerprint[:16]}).\n"
        "# Do not edit: re-render with `python -m dynclient stubs` (see docs/stubs.md)."
    )


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.split("\n")]
    out: list[str] = []
    blank = 0
    for line in lines:
        blank = blank + 1 if not line else 0
        if blank <= 2:
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _check_rendered(files: Mapping[str, str], exported: Sequence[str]) -> None:
    """The output parses, and ``__init__.pyi`` defines exactly what the runtime exports."""
    for path, text in files.items():
        try:
            tree = ast.parse(text, filename=path)
        except SyntaxError as exc:  # a renderer bug, never the user's: say where
            raise SpecError(f"rendered {path} is not valid Python: {exc}") from exc
        if path.endswith("__init__.pyi"):
            defined = _top_level_names(tree)
            missing = [n for n in exported if n not in defined]
            if missing:
                raise SpecError(f"the stub does not define exported names {missing}")


def _top_level_names(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname or a.name for a in node.names)
    return names


def write_stubs(spec: ApiSpec, out_dir: str | Path) -> list[Path]:
    """Render and write the stubs under ``out_dir`` (``out_dir/dynclient/__init__.pyi`` ...)."""
    base = Path(out_dir)
    written = []
    for relative, text in render_stubs(spec).items():
        target = base / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
