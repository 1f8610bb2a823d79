"""Schema -> Python type expression (``model``), collecting the named definitions it needs.

``SchemaTypes`` turns every schema the operations reach into a type expression and a set
of named definitions (TypedDicts and aliases). Definitions are referred to by token
(``Ref``) while the set grows; names are given once it is complete (``assign_names``), since
a schema used as both input and output may need two types. The naming rules are in
``_names`` and docs/stubs.md. A schema the renderer cannot represent is a ``SpecError`` from
here, naming its JSON pointer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from .._errors import SpecError
from .._names import identifier, type_name
from .._schema.keywords import subschemas
from .._schema.pointer import component_name, follow_refs, pointer_join, ref_pointer, resolve_pointer
from .._schema.types import JSON_TYPES, intended_types, openapi_nullable
from .._schema.unions import Discriminator, discriminator, merged_properties, union_members
from . import model
from .model import ANY, NEVER, NONE, STR, UNPACK, Generic, Name, PyType, Ref, union

__all__ = ["Definition", "Field", "Mode", "OwnerName", "SchemaTypes"]

Mode = Literal["in", "out"]

_SCALARS: dict[str, PyType] = {
    "string": STR,
    "integer": Name("builtins", "int"),
    "number": Name("builtins", "float"),
    "boolean": Name("builtins", "bool"),
    "null": NONE,
}
_TUPLE = Name("builtins", "tuple")
_NOT_REQUIRED = Name("typing", "NotRequired")
_CONTAINERS: dict[Mode, tuple[Name, Name]] = {  # (array, map) by direction
    "in": (Name("collections.abc", "Sequence"), Name("collections.abc", "Mapping")),
    "out": (Name("builtins", "list"), Name("builtins", "dict")),
}


@dataclass(frozen=True)
class OwnerName:
    """A name that starts with another definition's final name (``token``, when set) and
    goes on with ``suffix``: how inline types are named after where they sit."""

    token: str | None
    suffix: str

    def child(self, part: str | int) -> OwnerName:
        return OwnerName(self.token, f"{self.suffix}_{part}")


def literal(values: Sequence[Any]) -> PyType:
    """``typing.Literal[...]`` of the values it can hold; ``None`` adds ``None``, floats widen
    to ``builtins.float``, objects and arrays to ``typing.Any``."""
    lits: list[str] = []
    extra: list[PyType] = []
    for v in values:
        if v is None:
            extra.append(NONE)
        elif isinstance(v, bool | int | str):
            lits.append(model.literal_text(v))
        elif isinstance(v, float):
            extra.append(Name("builtins", "float"))
        else:
            extra.append(ANY)
    lits = list(dict.fromkeys(lits))
    return union([*([model.Literal(tuple(lits))] if lits else []), *extra])


@dataclass
class Field:
    key: str
    annotation: PyType
    required: bool

    @property
    def declared(self) -> PyType:
        return self.annotation if self.required else Generic(_NOT_REQUIRED, (self.annotation,))


@dataclass
class Definition:
    """A named type: a TypedDict (``fields``) or an alias (``expr``)."""

    token: str
    base: OwnerName
    pointer: str
    mode: Mode
    kind: Literal["typeddict", "alias"]
    doc: str = ""
    fields: list[Field] = field(default_factory=list)
    expr: PyType = ANY
    name: str = ""
    inline: bool = False


class SchemaTypes:
    """Schema -> type expression, collecting named definitions (see the module docstring)."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.defs: dict[str, Definition] = {}
        self._sensitive: dict[str, bool] = {}
        self._filling: set[str] = set()
        self._expanding: list[str] = []

    # -- the public step ------------------------------------------------------------------
    def expr(self, schema: Any, pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        """The type of ``schema`` (at ``pointer``) in ``mode``; ``owner`` names inline types."""
        if schema is True or schema is None:
            return ANY
        if schema is False:
            return NEVER
        if not isinstance(schema, Mapping):
            raise SpecError("schema must be an object or a boolean", pointer)
        ref = schema.get("$ref")
        if isinstance(ref, str):
            return self._ref(ref, pointer, mode)
        out = self._plain(schema, pointer, mode, owner)
        return union([out, NONE]) if openapi_nullable(schema) else out

    def add(self, definition: Definition) -> Ref:
        """Add a definition made elsewhere (``<operation>_Arguments``); its reference."""
        self.defs[definition.token] = definition
        return Ref(definition.token)

    def resolve(self, schema: Any, at: str) -> Any:
        return follow_refs(self.doc, schema, at)[0]

    # -- references ------------------------------------------------------------------------
    def _ref(self, ref: str, at: str, mode: Mode) -> PyType:
        target = ref_pointer(ref)
        if target is None:
            raise SpecError(f"stubs cannot follow the remote $ref {ref!r}", at)
        node = resolve_pointer(self.doc, target, at=at)
        component = component_name(target)
        if component is None:
            # not a component: expand in place (a cycle here cannot be named, so it is an error)
            if target in self._expanding:
                raise SpecError(f"recursive $ref {ref!r} outside components/schemas cannot be typed", at)
            self._expanding.append(target)
            try:
                return self.expr(node, target, mode, OwnerName(None, type_name(target.rsplit("/", 1)[-1])))
            finally:
                self._expanding.pop()
        return self._named(target, component, node, mode)

    def _named(self, pointer: str, component: str, node: Any, mode: Mode) -> Ref:
        effective: Mode = mode if self.sensitive(pointer) else "out"
        token = f"{pointer}\x01{effective}"
        if token not in self.defs:
            definition = Definition(token, OwnerName(None, type_name(component)), pointer, effective, "alias")
            self.defs[token] = definition
            self._filling.add(token)
            try:
                self._fill(definition, node)
            finally:
                self._filling.discard(token)
        return Ref(token)

    def _fill(self, definition: Definition, node: Any) -> None:
        owner = OwnerName(definition.token, "")
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
        for sub in subschemas(schema):
            ref = sub.get("$ref")
            target = ref_pointer(ref) if isinstance(ref, str) else None
            if target is not None:
                refs.add(target)
                continue
            types = intended_types(sub, values=False)
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
        types = intended_types(schema, values=False)
        if types and types != {"object"}:
            return False
        return isinstance(schema.get("properties"), Mapping) or bool(schema.get("required"))

    def _plain(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        members = union_members(schema)  # lists: the load-time schema check saw to that
        if members is not None:
            combiner, branches = members
            if isinstance(schema.get("properties"), Mapping) and schema["properties"]:
                raise SpecError(f"properties beside {combiner} cannot be typed", pointer)
            parts = [
                self.expr(m, pointer_join(pointer, combiner, i), mode, owner.child(i)) for i, m in enumerate(branches)
            ]
            return union(self._tagged(schema, pointer, branches, parts))
        if "allOf" in schema:
            return self._all_of(schema, pointer, mode, owner)
        if "const" in schema:
            return literal([schema["const"]])
        if "enum" in schema:
            values = schema["enum"]
            if not isinstance(values, list):
                raise SpecError("enum must be a list", pointer)
            return literal(values)
        types = intended_types(schema, values=False)
        if not types:
            return ANY
        ordered = sorted(types, key=lambda t: (JSON_TYPES.index(t) if t in JSON_TYPES else len(JSON_TYPES), t))
        return union([self._typed(t, schema, pointer, mode, owner) for t in ordered])

    def _typed(self, t: str, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        scalar = _SCALARS.get(t)
        if scalar is not None:
            return scalar
        if t == "array":
            return self._array(schema, pointer, mode, owner)
        if t == "object":
            return self._object(schema, pointer, mode, owner)
        raise SpecError(f"unknown JSON Schema type {t!r}", pointer)

    def _array(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        prefix = schema.get("prefixItems")
        if isinstance(prefix, list):
            parts = [
                self.expr(s, pointer_join(pointer, "prefixItems", i), mode, owner.child(i))
                for i, s in enumerate(prefix)
            ]
            items = schema.get("items", True)
            closed = items is False or (isinstance(schema.get("maxItems"), int) and schema["maxItems"] <= len(prefix))
            if not closed:
                rest = self.expr(items, f"{pointer}/items", mode, owner.child("item"))
                parts.append(Generic(UNPACK, (Generic(_TUPLE, (rest, model.ELLIPSIS)),)))
            return Generic(_TUPLE, tuple(parts))
        item = self.expr(schema.get("items", True), f"{pointer}/items", mode, owner.child("item"))
        return Generic(_CONTAINERS[mode][0], (item,))

    def _object(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        if self._is_object(schema):
            return self._inline_typeddict(schema, pointer, mode, owner)
        if isinstance(schema.get("properties"), Mapping) or schema.get("required"):
            # an object with properties that may also be something else (`type: [object, null]`)
            shape = {k: v for k, v in schema.items() if k != "type"}
            return self._inline_typeddict(shape, pointer, mode, owner.child("object"))
        extra = schema.get("additionalProperties", True)
        values: list[PyType] = []
        patterns = schema.get("patternProperties")
        value_owner = owner.child("value")
        if isinstance(patterns, Mapping) and patterns:
            for key, sub in patterns.items():
                values.append(self.expr(sub, pointer_join(pointer, "patternProperties", key), mode, value_owner))
            if extra is not True and "additionalProperties" in schema:
                values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, value_owner))
        else:
            values.append(self.expr(extra, f"{pointer}/additionalProperties", mode, value_owner))
        return Generic(_CONTAINERS[mode][1], (STR, union(values)))

    def _inline_typeddict(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> Ref:
        token = f"{pointer}\x01{mode}\x01inline"
        if token not in self.defs:
            doc = str(schema.get("description") or "")
            definition = Definition(token, owner, pointer, mode, "typeddict", doc=doc, inline=True)
            self.defs[token] = definition
            definition.fields = self._fields(schema, pointer, mode, OwnerName(token, ""))
        return Ref(token)

    def _fields(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> list[Field]:
        props = schema.get("properties") or {}
        if not isinstance(props, Mapping):
            raise SpecError("properties must be an object", pointer)
        required = schema.get("required") or []
        if not isinstance(required, list):
            raise SpecError("required must be a list", pointer)
        fields = [
            Field(
                key,
                self.expr(sub, pointer_join(pointer, "properties", key), mode, owner.child(identifier(key))),
                key in required,
            )
            for key, sub in props.items()
        ]
        for key in required:
            if key not in props:  # required but undeclared: any JSON value
                fields.append(Field(key, ANY, True))
        return fields

    def _all_of(self, schema: Mapping[str, Any], pointer: str, mode: Mode, owner: OwnerName) -> PyType:
        members = schema["allOf"]
        if not isinstance(members, list) or not members:
            raise SpecError("allOf must be a non-empty list", pointer)
        own = {k: v for k, v in schema.items() if k != "allOf"}
        if len(members) == 1 and not self._is_object(own):
            return self.expr(members[0], f"{pointer}/allOf/0", mode, owner)
        parts: list[tuple[Mapping[str, Any], str]] = [(own, pointer)] if self._is_object(own) else []
        for i, member in enumerate(members):
            where = pointer_join(pointer, "allOf", i)
            node = self.resolve(member, where)
            if not isinstance(node, Mapping) or not self._is_object(node):
                raise SpecError("allOf can be typed only when every member is an object with properties", where)
            parts.append((node, where))
        merged = merged_properties(parts)
        shape = {
            "type": "object",
            "properties": {key: sub for key, (sub, _) in merged.properties.items()},
            "required": merged.required,
        }
        return self._inline_typeddict(shape, pointer, mode, owner)

    # -- discriminators ----------------------------------------------------------------------
    def _tagged(self, schema: Mapping[str, Any], pointer: str, members: list[Any], parts: list[PyType]) -> list[PyType]:
        """A discriminated union's members must carry a ``Literal`` tag; a member that does
        not (its property is a plain string) is replaced by a copy that does, ``<Name>_<tag>``."""
        disc = discriminator(schema)
        if disc is None:
            return parts
        out = list(parts)
        for i, member in enumerate(members):
            ref = member.get("$ref") if isinstance(member, Mapping) else None
            part = parts[i]
            if not isinstance(ref, str) or not isinstance(part, Ref):
                continue
            definition = self.defs.get(part.token)
            if definition is None or definition.kind != "typeddict" or definition.token in self._filling:
                continue  # a nested union (its members carry their own tags), or still being built
            current = next((f for f in definition.fields if f.key == disc.property), None)
            if current is not None and self._is_literal(current.annotation):
                continue
            out[i] = self._tag_copy(definition, disc, ref, current, pointer)
        return out

    def _tag_copy(
        self, definition: Definition, disc: Discriminator, ref: str, current: Field | None, pointer: str
    ) -> Ref:
        tags = disc.tags(ref)
        if not tags:
            raise SpecError(f"discriminator {disc.property!r}: cannot tell the tag of member {ref!r}", pointer)
        token = f"{definition.token}\x01tag\x01{tags[0]}"
        if token not in self.defs:
            tag_type = literal(tags)
            fields = [replace(f, annotation=tag_type) if f.key == disc.property else f for f in definition.fields]
            if current is None:
                fields.append(Field(disc.property, tag_type, True))
            base = definition.base.child(identifier(tags[0]))
            self.defs[token] = replace(definition, token=token, base=base, fields=fields)
        return Ref(token)

    def _is_literal(self, annotation: PyType) -> bool:
        """Whether a tag property's type is (or starts with) a ``Literal``, through aliases."""
        for _ in range(20):
            first = annotation.members[0] if isinstance(annotation, model.Union) else annotation
            if isinstance(first, model.Literal):
                return True
            target = self.defs.get(annotation.token) if isinstance(annotation, Ref) else None
            if target is None or target.kind != "alias":
                return False
            annotation = target.expr
        return False

    # -- naming ------------------------------------------------------------------------------
    def assign_names(self) -> dict[str, str]:
        """token -> final name, after checking no two definitions share a name."""
        modes: dict[tuple[str, OwnerName], set[str]] = {}
        for d in self.defs.values():
            modes.setdefault((d.pointer, d.base), set()).add(d.mode)
        names: dict[str, str] = {}

        def name_of(token: str, chain: tuple[str, ...] = ()) -> str:
            hit = names.get(token)
            if hit is not None:
                return hit
            d = self.defs[token]
            if token in chain or (d.base.token is not None and d.base.token not in self.defs):
                raise SpecError("cannot name the type of this schema", d.pointer)
            head = name_of(d.base.token, (*chain, token)) if d.base.token is not None else ""
            both = len(modes[(d.pointer, d.base)]) > 1
            names[token] = head + d.base.suffix + ("Param" if d.mode == "in" and both and not d.inline else "")
            return names[token]

        used: dict[str, str] = {}
        for token in self.defs:
            name = name_of(token)
            if not name.isidentifier():
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
