"""Typed stubs rendered from the IR: schema TypedDicts plus a typed client surface.

The renderer has three steps, each with one job:

1. ``_stubtypes.SchemaTypes`` turns every schema the operations reach into a Python
   type expression and a set of named definitions (TypedDicts and type aliases). While
   it works, references to named definitions are *tokens*; names are given once the
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
import keyword
import re
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._build import identifier
from ._client import client_member_names
from ._document import escape_pointer_token
from ._errors import SpecError
from ._ir import ApiSpec, Operation, Webhook
from ._names import MERGEABLE_GROUPS, check_member_names, is_keyword_parameter
from ._stubtypes import ANY, ROOTS, TOKEN, Definition, Field, SchemaTypes, pystr, union

__all__ = ["STUB_FILES", "render_stubs", "schema_type_names", "write_stubs"]

#: The files ``render_stubs`` produces, relative to the directory holding the package.
STUB_FILES = ("dynclient/__init__.pyi", "dynclient/schemas.pyi")

_HERE = Path(__file__).resolve().parent
_JSON_MEDIA = re.compile(r"^application/([\w.+-]+\+)?json\b", re.I)


def _docstring(text: str, indent: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r", "")
    if not text:
        return ""
    if text.endswith('"'):
        text += " "
    lines = text.split("\n")
    body = ("\n" + indent).join(line.rstrip() for line in lines)
    return f'{indent}"""{body}"""\n'


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
    return not all(is_keyword_parameter(a.name) for a in arguments)  # the rule: _names


def _arguments_typeddict(types: SchemaTypes, op: Operation, arguments: Sequence[Argument]) -> str:
    """``<operation>_Arguments``: the keyword arguments as a TypedDict, for ``**arguments: Unpack[...]``."""
    token = f"{op.pointer}\x01in\x01arguments"
    types.defs[token] = Definition(
        token,
        f"{op.name}_Arguments",
        op.pointer,
        "in",
        "typeddict",
        doc=f"Keyword arguments of {op.name} (some names cannot be Python parameters).",
        fields=[Field(a.name, a.annotation, a.required) for a in arguments],
    )
    return f"\x00{token}\x00"


def _returns(types: SchemaTypes, op: Operation) -> str:
    responses = op.success_responses or tuple(r for r in op.responses if r.status == "default")
    if not responses:
        return ANY
    parts = []
    for r in responses:
        if r.media_type is None:
            parts.append("None")
        elif not _JSON_MEDIA.match(r.media_type):
            parts.append("builtins.str")
        elif r.schema is None:
            parts.append(ANY)
        else:
            parts.append(types.expr(r.schema.raw, r.schema.pointer, "out", f"{op.name}_response"))
    return union(parts)


def _item_type(types: SchemaTypes, op: Operation) -> str:
    pagination = op.pagination
    if pagination is None:
        return ANY
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
                return ANY
            pointer = f"{pointer}/properties/{escape_pointer_token(segment)}"
            node = props[segment]
        node = types._resolve(node, pointer)
        if isinstance(node, Mapping) and "items" in node:
            return types.expr(node["items"], f"{pointer}/items", "out", f"{op.name}_item")
    return ANY


def _operation_stub(types: SchemaTypes, op: Operation) -> OperationStub:
    arguments = [
        Argument(
            p.name, types.expr(p.schema.raw, p.schema.pointer, "in", f"{op.name}_{identifier(p.name)}"), p.required
        )
        for p in op.parameters
    ]
    body = op.request_body
    if body is not None:
        annotation = types.expr(body.schema.raw, body.schema.pointer, "in", f"{op.name}_body") if body.schema else ANY
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
    raw_class: str = ""  # the group's class under client.with_raw_response (sync, async)
    araw_class: str = ""


def _groups(ops: Sequence[OperationStub]) -> tuple[Group, list[Group]]:
    root = Group((), "Client", "AsyncClient", raw_class="_RawClient", araw_class="_AsyncRawClient")
    made: dict[tuple[str, ...], Group] = {(): root}
    for op in ops:
        node = root
        for i in range(len(op.group)):
            key = op.group[: i + 1]
            child = made.get(key)
            if child is None:
                stem = "__".join(key)
                child = made[key] = Group(
                    key,
                    f"_{stem}_Group",
                    f"_{stem}_AsyncGroup",
                    raw_class=f"_{stem}_RawGroup",
                    araw_class=f"_{stem}_AsyncRawGroup",
                )
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
_TEMPLATE_DEFINES = frozenset({"Client", "AsyncClient", "Webhooks"})


# -- rendering --------------------------------------------------------------------------------


def _templates_dir() -> Path:
    """``dynclient/_codegen_templates`` in an installed wheel; the checkout's ``codegen_templates/``."""
    for candidate in (_HERE / "_codegen_templates", _HERE.parent / "codegen_templates"):
        if (candidate / "__init__.pyi.jinja").is_file():
            return candidate
    raise SpecError("the stub templates are missing from this installation")


# -- webhooks ---------------------------------------------------------------------------------


@dataclass
class EventStub:
    """One webhook event: its class (``_<name>_Event``), ``type`` literal, payload and data types."""

    name: str
    event_type: str
    class_name: str
    payload: str
    data: str
    summary: str


def _event_stub(types: SchemaTypes, hook: Webhook) -> EventStub:
    stem = identifier(hook.name)
    payload = types.expr(hook.payload.raw, hook.payload.pointer, "out", f"{stem}_payload")
    data = types.expr(hook.data.raw, hook.data.pointer, "out", f"{stem}_data") if hook.data is not None else ANY
    return EventStub(hook.name, hook.event_type, f"_{stem}_Event", payload, data, hook.description or hook.summary)


def _check_event_names(events: Sequence[EventStub], spec: ApiSpec) -> None:
    seen: dict[str, str] = {}
    for event, hook in zip(events, spec.webhooks, strict=True):
        if not event.class_name.isidentifier() or event.class_name in seen:
            raise SpecError(
                f"webhook {event.name!r}: its event class {event.class_name!r} is not a usable name"
                + (f" (webhook {seen[event.class_name]!r} has it too)" if event.class_name in seen else ""),
                hook.pointer,
            )
        seen[event.class_name] = event.name


# -- analysis ---------------------------------------------------------------------------------


@dataclass
class _Rendered:
    types: SchemaTypes
    ops: list[OperationStub]
    names: dict[str, str]
    events: list[EventStub]


def _analyse(spec: ApiSpec) -> _Rendered:
    types = SchemaTypes(spec.document)
    ops = [_operation_stub(types, op) for op in spec.operations]
    for op in spec.operations:  # error bodies are typed too, though no call returns them
        for r in op.error_responses:
            if r.schema is not None and r.media_type is not None and _JSON_MEDIA.match(r.media_type):
                types.expr(r.schema.raw, r.schema.pointer, "out", f"{op.name}_error_{r.status}")
    events = [_event_stub(types, hook) for hook in spec.webhooks]
    _check_event_names(events, spec)
    # every component schema reachable from an operation or a webhook has been named on the way
    names = types.assign_names()
    return _Rendered(types, ops, names, events)


def schema_type_names(spec: ApiSpec) -> tuple[str, ...]:
    """The names ``schemas.pyi`` defines for ``spec`` (what ``dynclient.schemas`` exports)."""
    return tuple(sorted(_analyse(spec).names.values()))


def render_stubs(spec: ApiSpec) -> dict[str, str]:
    """Render the stubs for ``spec``: relative path (see ``STUB_FILES``) -> file text."""
    import jinja2

    analysed = _analyse(spec)
    names = analysed.names

    def resolve(text: str) -> str:
        return SchemaTypes._resolve_tokens(text, names)

    def qualified(text: str) -> str:
        return TOKEN.sub(lambda m: "_schemas." + names[m.group(1)], text)

    definitions = sorted(analysed.types.defs.values(), key=lambda d: d.name)
    schema_defs = []
    for d in definitions:
        fields = [
            {"key": f.key, "literal_key": pystr(f.key), "annotation": resolve(f.declared), "plain": _class_key(f.key)}
            for f in d.fields
        ]
        schema_defs.append(
            {
                "name": d.name,
                "kind": d.kind,
                "doc": _docstring(d.doc, "    "),
                "class_fields": [f for f in fields if f["plain"]],
                "functional_fields": [f for f in fields if not f["plain"]],
                "expr": resolve(d.expr),
            }
        )
    exported, reexports = runtime_exports()
    root, groups = _groups(analysed.ops)
    _check_member_names(spec, root, groups, set(exported))
    op_ctx = [
        {
            "name": op.name,
            "literal": f"typing.Literal[{pystr(op.name)}]",
            "method_name": op.method_name,
            "doc": _docstring(op.summary, "        "),
            "arguments": [
                {
                    "name": a.name,
                    "literal_name": pystr(a.name),
                    "annotation": qualified(a.annotation),
                    "required": a.required,
                }
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
            "raw_class": g.raw_class,
            "araw_class": g.araw_class,
            "children": [
                {
                    "attr": a,
                    "sync_class": c.sync_class,
                    "async_class": c.async_class,
                    "raw_class": c.raw_class,
                    "araw_class": c.araw_class,
                }
                for a, c in g.children
            ],
            "operations": [by_name[o.name] for o in g.operations],
            # a top-level group joining the client's webhooks() (_names.MERGEABLE_GROUPS)
            "calls_webhooks": g.path == ("webhooks",),
        }

    errors = []
    seen_errors: set[str] = set()
    from ._operation import make_error_classes

    for cls in make_error_classes(spec):
        name, title = cls.__name__, cls.schema_title or cls.__name__
        if name in seen_errors:
            continue
        if not name.isidentifier() or keyword.iskeyword(name) or name in ROOTS:
            raise SpecError(f"error class {name!r} (schema title {title!r}) cannot be a Python attribute")
        seen_errors.add(name)
        bases = ", ".join("_APIError" if b.__name__ == "APIError" else b.__name__ for b in cls.__bases__)
        errors.append({"name": name, "title": title, "bases": bases})
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
        "events": [
            {
                "name": e.name,
                "class_name": e.class_name,
                "literal": f"typing.Literal[{pystr(e.event_type)}]",
                "payload": qualified(e.payload),
                "data": qualified(e.data),
                "doc": _docstring(
                    f"The {e.name!r} event" + (f": {_first_line(e.summary)}" if e.summary else "."), "    "
                ),
            }
            for e in analysed.events
        ],
        # a spec group named ``webhooks`` replaces the client's ``webhooks()`` (as at run time)
        "client_webhooks": all(attr != "webhooks" for attr, _ in root.children)
        and all(o.method_name != "webhooks" for o in root.operations),
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


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def _class_key(key: str) -> bool:
    """Whether class syntax can declare this key unchanged (else it goes in a functional base)."""
    return (
        key.isidentifier()
        and not keyword.iskeyword(key)
        and not (key.startswith("__") and not key.endswith("__"))  # would be name-mangled
        and key not in ROOTS
    )


def _check_member_names(spec: ApiSpec, root: Group, groups: Sequence[Group], exported: set[str]) -> None:
    """The runtime's rule (``_names``: no spec name shadows a client member), then the
    stub's own: group and method names must not hide a name the stub's annotations use."""
    check_member_names(spec.operations, client_member_names(), MERGEABLE_GROUPS)
    taken = (
        ROOTS
        | exported
        | {c for g in (root, *groups) for c in (g.sync_class, g.async_class, g.raw_class, g.araw_class)}
    )
    for op in spec.operations:
        for name in (*op.group, op.method_name):
            if name in taken or keyword.iskeyword(name):
                raise SpecError(f"{op.name}: the name {name!r} would hide a type in the stubs; rename it", op.pointer)


def _header(spec: ApiSpec) -> str:
    return (
        f"# Generated by dynclient's stub renderer from {spec.title} {spec.version} "
        f"(spec sha256 {spec.fingerprint[:16]}).\n"
        "# Do not edit: re-render with `python -m dynclient stubs --out .` (see docs/stubs.md)."
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
