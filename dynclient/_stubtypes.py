"""Schema -> Python type expression, for the stub renderer (``_stubs``).

``SchemaTypes`` turns every schema the operations reach into a type expression and a set
of named definitions (TypedDicts and aliases). While it works, references to named
definitions are *tokens* (``\\x00<pointer>\\x01<mode>\\x00``); names are given once the
whole set is known, since a schema used as both input and output may need two types.
The naming rules are in ``_stubs``'s docstring and docs/stubs.md.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import unquote

from ._errors import SpecError
from ._names import identifier
from ._schema.pointer import escape_pointer_token, follow_refs, resolve_pointer

__all__ = ["ANY", "ROOTS", "TOKEN", "Definition", "Field", "Mode", "SchemaTypes", "pystr", "type_name", "union"]

Mode = Literal["in", "out"]

_COMPONENT = "/components/schemas/"
#: Module names the stubs use in annotations; no generated name may take them.
ROOTS = frozenset({"builtins", "collections", "typing", "httpx", "dynclient", "_schemas", "_APIError"})
TOKEN = re.compile(r"\x00([^\x00]*)\x00")
ANY = "typing.Any"


def pystr(text: str) -> str:
    """A double-quoted Python string literal for ``text``."""
    return json.dumps(text, ensure_ascii=False)


def union(parts: Sequence[str]) -> str:
    """``A | B | None``: members flattened and deduplicated, ``None`` last; ``Any`` absorbs the rest."""
    seen: dict[str, None] = {}
    nullable = False
    for part in parts:
        for piece in _split_union(part):
            if piece == "None":
                nullable = True
            else:
                seen.setdefault(piece)
    if ANY in seen:
        return ANY
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
            lits.append(pystr(v))
        elif isinstance(v, float):
            extra.append("builtins.float")
        else:
            extra.append(ANY)
    lits = list(dict.fromkeys(lits))
    parts = ([f"typing.Literal[{', '.join(lits)}]"] if lits else []) + extra
    return union(parts)


def type_name(component: str) -> str:
    """The Python name of a component schema (see the module docstring)."""
    name = identifier(component)
    if not name or name[0].isdigit():
        name = "T" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in ROOTS:
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


class SchemaTypes:
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
            return ANY
        if schema is False:
            return "typing.Never"
        if not isinstance(schema, Mapping):
            raise SpecError("schema must be an object or a boolean", pointer)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, pointer, mode)
        nullable = schema.get("nullable") is True
        out = self._plain(schema, pointer, mode, owner)
        return union([out, "None"]) if nullable else out

    # -- references ------------------------------------------------------------------------
    def _ref(self, ref: str, at: str, mode: Mode) -> str:
        if not ref.startswith("#"):
            raise SpecError(f"stubs cannot follow the remote $ref {ref!r}", at)
        target = unquote(ref[1:])
        node = resolve_pointer(self.doc, target, at=at)
        if not target.startswith(_COMPONENT) or "/" in target[len(_COMPONENT) :]:
            # not a component: expand in place (a cycle here cannot be named, so it is an error)
            if target in self._expanding:
                raise SpecError(f"recursive $ref {ref!r} outside components/schemas cannot be typed", at)
            self._expanding.append(target)
            try:
                return self.expr(node, target, mode, type_name(target.rsplit("/", 1)[-1]))
            finally:
                self._expanding.pop()
        return self._named(target, node, mode)

    def _named(self, pointer: str, node: Any, mode: Mode) -> str:
        effective: Mode = mode if self.sensitive(pointer) else "out"
        token = f"{pointer}\x01{effective}"
        if token not in self.defs:
            base = type_name(pointer[len(_COMPONENT) :].replace("~1", "/").replace("~0", "~"))
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
                parts = [self.expr(m, f"{pointer}/{combiner}/{i}", mode, f"{owner}_{i}") for i, m in enumerate(members)]
                parts = self._tagged(schema, pointer, members, parts)
                return union(parts)
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
            return ANY
        ordered = sorted(types, key=lambda t: (_TYPE_ORDER.index(t) if t in _TYPE_ORDER else len(_TYPE_ORDER), t))
        return union([self._typed(t, schema, pointer, mode, owner) for t in ordered])

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
            parts = [self.expr(s, f"{pointer}/prefixItems/{i}", mode, f"{owner}_{i}") for i, s in enumerate(prefix)]
            items = schema.get("items", True)
            closed = items is False or (isinstance(schema.get("maxItems"), int) and schema["maxItems"] <= len(prefix))
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
                values.append(
                    self.expr(sub, f"{pointer}/patternProperties/{escape_pointer_token(key)}", mode, f"{owner}_value")
                )
            if extra is not True and "additionalProperties" in schema:
                values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, f"{owner}_value"))
        else:
            values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, f"{owner}_value"))
        return f"{container}[builtins.str, {union(values)}]"

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
                fields.append(Field(key, ANY, True))
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
        return follow_refs(self.doc, schema, at)[0]

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
            m = TOKEN.fullmatch(parts[i])
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
            m = TOKEN.fullmatch(annotation)
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

        return TOKEN.sub(sub, text)


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
        for key in (
            "items",
            "additionalProperties",
            "not",
            "contains",
            "propertyNames",
            "if",
            "then",
            "else",
            "unevaluatedItems",
            "unevaluatedProperties",
        ):
            if key in node:
                stack.append(node[key])
        for key in ("prefixItems", "allOf", "anyOf", "oneOf"):
            if isinstance(node.get(key), list):
                stack.extend(node[key])
        for key in ("properties", "patternProperties", "$defs", "dependentSchemas"):
            if isinstance(node.get(key), Mapping):
                stack.extend(node[key].values())
