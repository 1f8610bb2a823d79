"""Typed stubs rendered from the IR: schema TypedDicts plus a typed client surface.

The renderer has three steps, each with one job:

1. ``_pytypes.analysis`` works out the Python type of every argument, return, page, item,
   webhook payload and error body, and the named definitions (TypedDicts and aliases)
   they use, as ``_pytypes.model`` trees (the same analysis ``help()`` reads).
2. ``_context`` builds plain data for the templates: definitions, operations with their
   keyword parameters and return types (rendered with ``model.render``), the group tree,
   the error classes, the webhook events and the runtime's public names.
3. jinja2 renders ``codegen_templates/*.pyi.jinja`` (found by ``_resources``) into
   ``dynclient/__init__.pyi`` and ``dynclient/schemas.pyi``.

Naming rules: ``_names`` (``type_name``, ``error_class_name``, ``is_class_key``) and
docs/stubs.md. Two schemas that would get one name are a ``SpecError``: nothing is renamed
or dropped silently.
"""

from __future__ import annotations

import ast
import importlib
import keyword
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._client import client_member_names
from .._errors import SpecError
from .._ir import ApiSpec
from .._names import MERGEABLE_GROUPS, RESERVED, check_member_names, identifier, is_class_key
from .._pytypes.analysis import Analysis, OperationTypes, analyse
from .._pytypes.model import literal_text
from .._resources import data_dir

__all__ = ["STUB_FILES", "render_stubs", "runtime_exports", "write_stubs"]

#: The files ``render_stubs`` produces, relative to the directory holding the package.
STUB_FILES = ("dynclient/__init__.pyi", "dynclient/schemas.pyi")


def _docstring(text: str, indent: str) -> str:
    text = text.strip().replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r", "")
    if not text:
        return ""
    if text.endswith('"'):
        text += " "
    lines = text.split("\n")
    body = ("\n" + indent).join(line.rstrip() for line in lines)
    return f'{indent}"""{body}"""\n'


# -- groups and the runtime surface ---------------------------------------------------------


@dataclass
class Group:
    path: tuple[str, ...]
    sync_class: str
    async_class: str
    children: list[tuple[str, Group]] = field(default_factory=list)
    operations: list[OperationTypes] = field(default_factory=list)
    raw_class: str = ""  # the group's class under client.with_raw_response (sync, async)
    araw_class: str = ""


def _groups(ops: Sequence[OperationTypes], groups: Mapping[str, tuple[str, ...]]) -> tuple[Group, list[Group]]:
    """The group tree of the operations (``groups``: each operation's group path)."""
    root = Group((), "Client", "AsyncClient", raw_class="_RawClient", araw_class="_AsyncRawClient")
    made: dict[tuple[str, ...], Group] = {(): root}
    for op in ops:
        node = root
        for i in range(len(groups[op.name])):
            key = groups[op.name][: i + 1]
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
    found = data_dir("codegen_templates", "__init__.pyi.jinja")
    if found is None:
        raise SpecError("the stub templates are missing from this installation")
    return found


def _event_class(name: str) -> str:
    return f"_{identifier(name)}_Event"


def _check_event_names(spec: ApiSpec) -> None:
    seen: dict[str, str] = {}
    for hook in spec.webhooks:
        class_name = _event_class(hook.name)
        if not class_name.isidentifier() or class_name in seen:
            raise SpecError(
                f"webhook {hook.name!r}: its event class {class_name!r} is not a usable name"
                + (f" (webhook {seen[class_name]!r} has it too)" if class_name in seen else ""),
                hook.pointer,
            )
        seen[class_name] = hook.name


def render_stubs(spec: ApiSpec) -> dict[str, str]:
    """Render the stubs for ``spec``: relative path (see ``STUB_FILES``) -> file text."""
    import jinja2

    _check_event_names(spec)
    analysed = analyse(spec)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(_templates_dir())),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - the output is Python source, not HTML
    )
    context = _context(spec, analysed)
    out = {
        "dynclient/__init__.pyi": env.get_template("__init__.pyi.jinja").render(context),
        "dynclient/schemas.pyi": env.get_template("schemas.pyi.jinja").render(context),
    }
    out = {path: _tidy(text) for path, text in out.items()}
    _check_rendered(out, context["exports"])
    return out


def _context(spec: ApiSpec, analysed: Analysis) -> dict[str, Any]:
    """Plain data for the templates (every type already text)."""

    def schema_text(t: Any) -> str:  # inside schemas.pyi: its own names
        return analysed.text(t, schemas="")

    def text(t: Any) -> str:  # inside __init__.pyi: through ``_schemas.``
        return analysed.text(t)

    schema_defs = []
    for d in sorted(analysed.types.defs.values(), key=lambda d: d.name):
        fields = [
            {
                "key": f.key,
                "literal_key": literal_text(f.key),
                "annotation": schema_text(f.declared),
                "plain": is_class_key(f.key),
            }
            for f in d.fields
        ]
        schema_defs.append(
            {
                "name": d.name,
                "kind": d.kind,
                "doc": _docstring(d.doc, "    "),
                "class_fields": [f for f in fields if f["plain"]],
                "functional_fields": [f for f in fields if not f["plain"]],
                "expr": schema_text(d.expr),
            }
        )
    exported, reexports = runtime_exports()
    ops = list(analysed.operations.values())
    root, groups = _groups(ops, {op.name: op.group for op in spec.operations})
    _check_member_names(spec, root, groups, set(exported))
    by_name = {op.name: op for op in spec.operations}
    op_ctx = [
        {
            "name": t.name,
            "literal": f"typing.Literal[{literal_text(t.name)}]",
            "method_name": by_name[t.name].method_name,
            "doc": _docstring(by_name[t.name].summary, "        "),
            "arguments": [
                {
                    "name": a.name,
                    "literal_name": literal_text(a.name),
                    "annotation": text(a.type),
                    "required": a.required,
                }
                for a in t.arguments
            ],
            "returns": text(t.returns),
            "kwargs_type": text(t.kwargs_annotation) if t.kwargs_annotation is not None else None,
            "page_type": text(t.page) if t.page is not None else None,
            "item_type": text(t.item) if t.item is not None else None,
        }
        for t in ops
    ]
    ctx_by_name = {o["name"]: o for o in op_ctx}

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
            "operations": [ctx_by_name[o.name] for o in g.operations],
            # a top-level group joining the client's webhooks() (_names.MERGEABLE_GROUPS)
            "calls_webhooks": g.path == ("webhooks",),
        }

    return {
        "header": _header(spec),
        "exports": exported,
        "reexports": reexports,
        "definitions": schema_defs,
        "schema_names": sorted(analysed.names.values()),
        "operations": op_ctx,
        "paginated": [o for o in op_ctx if o["page_type"]],
        "root": group_ctx(root),
        "groups": [group_ctx(g) for g in sorted(groups, key=lambda g: g.path)],
        "errors": _errors(spec),
        "events": [
            {
                "name": e.name,
                "class_name": _event_class(e.name),
                "literal": f"typing.Literal[{literal_text(hook.event_type)}]",
                "payload": text(e.payload),
                "data": text(e.data),
                "doc": _docstring(f"The {e.name!r} event" + (f": {_first_line(summary)}" if summary else "."), "    "),
            }
            for e, hook in zip(analysed.events, spec.webhooks, strict=True)
            for summary in [hook.description or hook.summary]
        ],
        # a spec group named ``webhooks`` replaces the client's ``webhooks()`` (as at run time)
        "client_webhooks": all(attr != "webhooks" for attr, _ in root.children)
        and all(by_name[o.name].method_name != "webhooks" for o in root.operations),
    }


def _errors(spec: ApiSpec) -> list[dict[str, str]]:
    """``client.errors``' classes as the runtime makes them (their names: ``_names.error_class_name``)."""
    from .._operation import make_error_classes

    errors = []
    seen: set[str] = set()
    for cls in make_error_classes(spec):
        name, title = cls.__name__, cls.schema_title or cls.__name__
        if name in seen:
            continue
        seen.add(name)
        bases = ", ".join("_APIError" if b.__name__ == "APIError" else b.__name__ for b in cls.__bases__)
        errors.append({"name": name, "title": title, "bases": bases})
    return errors


def _first_line(text: str) -> str:
    return text.strip().split("\n", 1)[0].strip()


def _check_member_names(spec: ApiSpec, root: Group, groups: Sequence[Group], exported: set[str]) -> None:
    """The runtime's rule (``_names``: no spec name shadows a client member), then the
    stub's own: group and method names must not hide a name the stub's annotations use."""
    check_member_names(spec.operations, client_member_names(), MERGEABLE_GROUPS)
    taken = (
        RESERVED
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
