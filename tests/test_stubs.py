"""Typed stubs: shipped = fresh render, deterministic, honest with the runtime, and checked by
mypy --strict and pyright strict (good usage passes, each marked misuse is flagged, nothing else).

Checker runs are the slow part, so each checker runs once per group of files (session fixtures).
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import re
import runpy
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from conftest import POLAR_CURRENT, ROOT

import dynclient
import dynclient.schemas
from dynclient._errors import SpecError
from dynclient._names import type_name as _type_name
from dynclient._stubs import STUB_FILES, render_stubs, schema_type_names, write_stubs

TYPING = ROOT / "tests" / "typing"
USAGE_OK = TYPING / "usage_ok.py"
USAGE_BAD = TYPING / "usage_bad.py"
CHECK_TIMEOUT = 600

# -- running the checkers ---------------------------------------------------------------------


def run_mypy(files: list[Path], cwd: Path, cache: Path, mypy_path: Path | None = None) -> dict[str, set[int]]:
    """``file name -> lines with an error`` from ``mypy --strict``."""
    env = dict(os.environ)
    if mypy_path is not None:
        env["MYPYPATH"] = str(mypy_path)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-error-summary",
            "--show-column-numbers",
            "--cache-dir",
            str(cache),
            *map(str, files),
        ],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT,
        check=False,
    )
    found: dict[str, set[int]] = {}
    for line in proc.stdout.splitlines():
        m = re.match(r"^(.+?):(\d+):(?:\d+:)? error: ", line)
        if m:
            found.setdefault(Path(m.group(1)).name, set()).add(int(m.group(2)))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr  # 2 would be a crash or a usage error
    assert proc.returncode == (1 if found else 0), proc.stdout + proc.stderr
    return found


def run_pyright(files: list[Path], cwd: Path) -> dict[str, set[int]]:
    """``file name -> lines with an error`` from pyright (strict where the file or config says so)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable, *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=CHECK_TIMEOUT,
        check=False,
        env={**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"},  # no "newer version?" look-up
    )
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        pytest.fail(f"pyright did not report: {proc.stdout[-2000:]} {proc.stderr[-2000:]}")
    found: dict[str, set[int]] = {}
    for diag in report["generalDiagnostics"]:
        if diag["severity"] == "error":
            found.setdefault(Path(diag["file"]).name, set()).add(diag["range"]["start"]["line"] + 1)
    return found


def marked_lines(path: Path) -> set[int]:
    return {i for i, line in enumerate(path.read_text().splitlines(), 1) if re.search(r"#\s*E:", line)}


@pytest.fixture(scope="session")
def mypy_usage(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[int]]:
    return run_mypy([USAGE_OK, USAGE_BAD], ROOT, tmp_path_factory.mktemp("mypy-cache"))


@pytest.fixture(scope="session")
def pyright_usage() -> dict[str, set[int]]:
    return run_pyright([USAGE_OK, USAGE_BAD], ROOT)


# -- the shipped stubs --------------------------------------------------------------------------


def test_shipped_stubs_equal_a_fresh_render_of_the_bundled_spec() -> None:
    rendered = render_stubs(dynclient.load_spec())
    assert sorted(rendered) == sorted(STUB_FILES)
    stale = [rel for rel, text in rendered.items() if (ROOT / rel).read_text(encoding="utf-8") != text]
    assert stale == [], f"stale stubs {stale}: re-render with `python -m dynclient stubs --out .` and commit them"
    assert (ROOT / "dynclient" / "py.typed").is_file()


def test_rendering_is_deterministic_across_processes_and_hash_seeds() -> None:
    first = render_stubs(dynclient.load_spec())
    again = render_stubs(dynclient.load_spec(dynclient.bundled_spec_path()))  # a fresh IR object
    assert again == first
    script = (
        "import json, dynclient; from dynclient._stubs import render_stubs; "
        "print(json.dumps(render_stubs(dynclient.load_spec())))"
    )
    for seed in ("1", "4242"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        assert json.loads(out.stdout) == first


def _stub_tree(rel: str) -> ast.Module:
    return ast.parse((ROOT / rel).read_text(encoding="utf-8"))


def _declared_all(tree: ast.Module) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            return [ast.literal_eval(e) for e in node.value.elts]  # type: ignore[attr-defined]
    raise AssertionError("no __all__")


def _defined(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.ImportFrom):
            names.update(a.asname for a in node.names if a.asname == a.name)  # explicit re-exports only
    return names


def test_stub_exports_exactly_what_the_runtime_exports() -> None:
    init = _stub_tree("dynclient/__init__.pyi")
    assert _declared_all(init) == list(dynclient.__all__)
    assert set(dynclient.__all__) <= _defined(init)
    schemas = _stub_tree("dynclient/schemas.pyi")
    assert _declared_all(schemas) == list(dynclient.schemas.__all__) == list(schema_type_names(dynclient.load_spec()))
    assert set(_declared_all(schemas)) == {n for n in _defined(schemas) if not n.startswith("_")}
    for name in dynclient.schemas.__all__:  # and each one imports at run time
        assert getattr(dynclient.schemas, name).__name__ == name
    with pytest.raises(AttributeError):
        _ = dynclient.schemas.NoSuchSchemaAnywhere  # type: ignore[attr-defined]  # a type error too


def _class_members(tree: ast.Module, name: str) -> dict[str, ast.AST]:
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)
    out: dict[str, ast.AST] = {}
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.setdefault(node.name, node)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
    return out


@pytest.mark.parametrize("cls", [dynclient.Client, dynclient.AsyncClient], ids=lambda c: c.__name__)
def test_client_stub_mirrors_the_runtime_class(cls: type[Any]) -> None:
    """Same public members, same constructor keywords, async exactly where the runtime awaits."""
    members = _class_members(_stub_tree("dynclient/__init__.pyi"), cls.__name__)
    spec = dynclient.load_spec()
    groups = {op.group[0] for op in spec if op.group} | {op.method_name for op in spec if not op.group}
    client = cls(access_token="stub-mirror-token")
    runtime = {n for n in dir(client) if not n.startswith("_")} - groups
    runtime |= {n for n in ("__init__", "__enter__", "__exit__", "__aenter__", "__aexit__") if hasattr(cls, n)}
    assert set(members) - groups == runtime
    init = members["__init__"]
    assert isinstance(init, ast.FunctionDef)
    stub_kw = [a.arg for a in init.args.kwonlyargs]
    runtime_params = inspect.signature(cls).parameters.values()  # what help(dynclient.Client) shows
    runtime_kw = [p.name for p in runtime_params if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert stub_kw == runtime_kw  # every option a real parameter, in the same order
    assert not any(p.kind is inspect.Parameter.VAR_KEYWORD for p in runtime_params)
    assert [a.arg for a in init.args.args] == ["self", "spec"]
    options = members["with_options"]
    assert isinstance(options, ast.FunctionDef)
    assert [a.arg for a in options.args.kwonlyargs] == [
        p.name
        for p in inspect.signature(cls.with_options).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    for name, node in members.items():
        attr = inspect.getattr_static(cls, name, None)
        if isinstance(node, ast.AsyncFunctionDef):
            assert inspect.iscoroutinefunction(attr), name
        elif isinstance(node, ast.FunctionDef) and callable(attr) and not isinstance(attr, property):
            assert not inspect.iscoroutinefunction(attr), name


def test_the_stub_has_no_catch_all() -> None:
    text = (ROOT / "dynclient" / "__init__.pyi").read_text()
    assert "__getattr__" not in text and "__getattribute__" not in text
    calls = re.findall(r"def call\(self, operation: ([^,]+),", text)
    assert calls and all(c.startswith("typing.Literal[") for c in calls)
    # one overload per operation: sync and async, plain and with_raw_response
    assert len(calls) == 4 * len(dynclient.load_spec())
    assert "def invoke(self, operation: builtins.str, /, **arguments: typing.Any) -> typing.Any" in text


# -- the usage files ------------------------------------------------------------------------------


def test_usage_ok_runs_for_real_against_a_mock_transport() -> None:
    seen = runpy.run_path(str(USAGE_OK), run_name="usage_ok")["main"]()
    assert "team Ada" in seen and "individual ada@example.com" in seen
    assert "('911144442', 'us_ein')" in seen and "not found 404" in seen and "id,email" in seen
    assert "state of 992fae2a-2a17-4b7a-8d9e-e287cf90131b: 0 active subscriptions" in seen
    assert "customer.created: team Ada" in seen and "unknown member.created" in seen
    assert "fake: fake@example.com, 1 listed" in seen and "fake async: fake@example.com" in seen


def test_usage_ok_passes_mypy_strict(mypy_usage: dict[str, set[int]]) -> None:
    assert mypy_usage.get(USAGE_OK.name, set()) == set()


def test_usage_ok_passes_pyright_strict(pyright_usage: dict[str, set[int]]) -> None:
    assert USAGE_OK.read_text().startswith("# pyright: strict")
    assert pyright_usage.get(USAGE_OK.name, set()) == set()


def test_usage_bad_marks_at_least_fifteen_lines() -> None:
    assert len(marked_lines(USAGE_BAD)) >= 15
    assert USAGE_BAD.read_text().startswith("# pyright: strict")


def test_mypy_flags_exactly_the_marked_lines(mypy_usage: dict[str, set[int]]) -> None:
    assert mypy_usage.get(USAGE_BAD.name, set()) == marked_lines(USAGE_BAD)


def test_pyright_flags_exactly_the_marked_lines(pyright_usage: dict[str, set[int]]) -> None:
    assert pyright_usage.get(USAGE_BAD.name, set()) == marked_lines(USAGE_BAD)


# -- a synthetic spec with every awkward shape -----------------------------------------------------

AWKWARD: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Awkward", "version": "1"},
    "servers": [{"url": "https://awkward.invalid"}],
    "paths": {
        "/things/{type}": {
            "get": {
                "operationId": "things:list",
                "parameters": [
                    {"name": "type", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "dict", "in": "query", "schema": {"$ref": "#/components/schemas/dict"}},
                    {
                        "name": "window",
                        "in": "query",
                        "schema": {"type": "array", "prefixItems": [{"type": "integer"}], "items": {"type": "string"}},
                    },
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/list"}}},
                    }
                },
            },
            "post": {
                "operationId": "things:type",
                "parameters": [
                    {"name": "type", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "from", "in": "query", "schema": {"type": "integer"}},
                    {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}},
                },
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Node"}}},
                    },
                    "404": {
                        "description": "missing",
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Cost-Input"}}},
                    },
                },
            },
        },
    },
    "components": {
        "schemas": {
            "list": {
                "type": "object",
                "required": ["items", "str"],
                "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Shape"}},
                    "str": {"type": ["string", "null"]},
                    "int": {"type": "integer"},
                    "from": {"type": "string"},
                    "cf-token": {"type": "string"},
                    "extra": {"type": "object", "additionalProperties": {"type": "integer"}},
                    "maybe": {"type": ["object", "null"], "required": ["a"], "properties": {"a": {"type": "integer"}}},
                    "opt": {"$ref": "#/components/schemas/Opt"},
                    "merged": {
                        "allOf": [
                            {"$ref": "#/components/schemas/Cost-Input"},
                            {"type": "object", "properties": {"note": {"type": "string"}}},
                        ]
                    },
                },
            },
            "dict": {"type": "string", "enum": ["a", "b"]},
            "Shape": {
                "oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
                "discriminator": {
                    "propertyName": "kind",
                    "mapping": {"circle": "#/components/schemas/Circle", "square": "#/components/schemas/Square"},
                },
            },
            "Circle": {
                "type": "object",
                "required": ["kind", "r"],
                "properties": {"kind": {"const": "circle"}, "r": {"type": "number"}},
            },
            "Square": {
                "type": "object",
                "required": ["kind", "side"],
                "properties": {"kind": {"type": "string"}, "side": {"type": "integer"}},
            },
            "Node": {
                "type": "object",
                "required": ["name"],
                "properties": {
                    "name": {"type": "string"},
                    "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                    "Node": {"anyOf": [{"$ref": "#/components/schemas/Node"}, {"type": "null"}]},
                },
            },
            "Opt": {"type": ["null", "object"], "properties": {"b": {"type": "string"}}},
            "Cost-Input": {"type": "object", "required": ["amount"], "properties": {"amount": {"type": "integer"}}},
        }
    },
}

AWKWARD_USAGE = """# pyright: strict
from typing import Literal, assert_type

import dynclient
from dynclient.schemas import Circle, Cost_Input, Node, NodeParam, Square_square, things_type_Arguments
from dynclient.schemas import dict as Choice
from dynclient.schemas import list as Page

c = dynclient.Client()
page = c.call("things_list", type="t", dict="a", window=(1, "x", "y"))
assert_type(page, Page)
assert_type(c.things.list(type="t"), Page)
assert_type(page["str"], str | None)
for shape in page["items"]:
    if shape["kind"] == "circle":
        assert_type(shape, Circle)
        assert_type(shape["r"], float)
    else:
        assert_type(shape, Square_square)
        assert_type(shape["kind"], Literal["square"])
assert_type(page.get("extra"), dict[str, int] | None)
if "merged" in page:
    assert_type(page["merged"]["amount"], int)
maybe = page.get("maybe")
if maybe is not None:
    assert_type(maybe["a"], int)
opt = page.get("opt")
if opt is not None:
    assert_type(opt.get("b"), str | None)
x: Choice = "b"
body: NodeParam = {"name": "root", "children": ({"name": "leaf"},), "Node": None}
arguments: things_type_Arguments = {"type": "t", "from": 1, "X-Trace": "abc", "body": body}
out = c.call("things_type", **arguments)
assert_type(out, Node)
assert_type(out.get("children"), list[Node] | None)
assert_type(out["name"], str)
assert_type(c.things.type(**arguments), Node)
try:
    pass
except c.errors.Cost_Input as exc:
    assert_type(exc.status_code, int)
cost: Cost_Input = {"amount": 1}
print(x, cost)
"""


@pytest.fixture(scope="session")
def awkward_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("awkward")
    write_stubs(dynclient.load_spec(AWKWARD), root / "typings")
    (root / "use.py").write_text(AWKWARD_USAGE)
    (root / "pyrightconfig.json").write_text(json.dumps({"stubPath": "typings", "typeCheckingMode": "strict"}))
    return root


def test_awkward_shapes_render_as_documented(awkward_render: Path) -> None:
    schemas = (awkward_render / "typings" / "dynclient" / "schemas.pyi").read_text()
    init = (awkward_render / "typings" / "dynclient" / "__init__.pyi").read_text()
    # keys that cannot be class attributes go in a functional base; no key is renamed
    assert '_list_keys = typing.TypedDict(\n    "_list_keys",' in schemas and "class list(_list_keys):" in schemas
    assert '"cf-token": typing.NotRequired[builtins.str],' in schemas and '"from": typing.NotRequired[' in schemas
    assert "    str: builtins.str | None\n    int: typing.NotRequired[builtins.int]\n" in schemas
    assert 'dict: typing.TypeAlias = typing.Literal["a", "b"]' in schemas
    assert "maybe: typing.NotRequired[list_maybe_object | None]" in schemas
    assert "Opt: typing.TypeAlias = Opt_object | None" in schemas
    # a direction-dependent schema used both ways gets an input twin; recursion by name
    assert "class Node(typing.TypedDict):" in schemas and "class NodeParam(typing.TypedDict):" in schemas
    assert "    children: typing.NotRequired[builtins.list[Node]]\n    Node: typing.NotRequired[Node | None]" in schemas
    assert "children: typing.NotRequired[collections.abc.Sequence[NodeParam]]" in schemas
    # the discriminated member without a Literal tag gets a tagged copy
    assert "Shape: typing.TypeAlias = Circle | Square_square" in schemas
    assert "builtins.tuple[builtins.int, typing.Unpack[builtins.tuple[builtins.str, ...]]]" in init
    # names that are not keyword-able go through a TypedDict of arguments
    assert '"from": typing.NotRequired[builtins.int],' in schemas and '"X-Trace": builtins.str,' in schemas
    assert "**arguments: typing.Unpack[_schemas.things_type_Arguments]" in init


def test_awkward_render_passes_mypy_strict(awkward_render: Path, tmp_path: Path) -> None:
    found = run_mypy([awkward_render / "use.py"], awkward_render, tmp_path / "cache", awkward_render / "typings")
    assert found == {}


def test_awkward_render_passes_pyright_strict(awkward_render: Path) -> None:
    assert run_pyright([awkward_render / "use.py"], awkward_render) == {}


def test_a_one_operation_spec_renders_without_overloads() -> None:
    doc = json.loads(json.dumps(AWKWARD))
    del doc["paths"]["/things/{type}"]["post"]
    init = render_stubs(dynclient.load_spec(doc))["dynclient/__init__.pyi"]
    assert "@typing.overload" not in init
    assert 'def call(self, operation: typing.Literal["things_list"], /, *, type: builtins.str' in init
    assert "def paginate(self, operation: typing.Never, /) -> typing.NoReturn: ..." in init  # nothing paginates


def test_two_schemas_with_one_python_name_fail_loudly() -> None:
    doc = json.loads(json.dumps(AWKWARD))
    doc["components"]["schemas"]["Cost_Input"] = {"type": "object", "properties": {"x": {"type": "string"}}}
    doc["paths"]["/things/{type}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"] = {
        "anyOf": [{"$ref": "#/components/schemas/Cost_Input"}, {"$ref": "#/components/schemas/list"}]
    }
    with pytest.raises(SpecError, match="Cost_Input"):
        render_stubs(dynclient.load_spec(doc))


def test_schema_names_map_deterministically() -> None:
    assert _type_name("ListResource_Customer_") == "ListResource_Customer_"
    assert _type_name("CostMetadata-Input") == "CostMetadata_Input"
    assert _type_name("2fa.Setup") == "T2fa_Setup"
    assert _type_name("class") == "class_" and _type_name("typing") == "typing_"
    assert _type_name("list") == "list"  # no clash: the stubs spell builtins.list


# -- the whole Polar spec ----------------------------------------------------------------------------


def _reachable_components(spec: dynclient.ApiSpec) -> set[str]:
    doc = spec.document
    prefix = "#/components/schemas/"
    roots: list[Any] = []
    for op in spec:
        roots += [p.schema.raw for p in op.parameters]
        roots += [op.request_body.schema.raw] if op.request_body and op.request_body.schema else []
        roots += [r.schema.raw for r in op.responses if r.schema is not None]
    found: set[str] = set()

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix):
                yield ref[len(prefix) :]
            for key, value in node.items():
                if key not in ("examples", "example", "default", "const", "enum"):
                    yield from walk(value)
        elif isinstance(node, list):
            for value in node:
                yield from walk(value)

    stack = roots
    while stack:
        for name in walk(stack.pop()):
            if name not in found:
                found.add(name)
                stack.append(doc["components"]["schemas"][name])
    return found


@pytest.fixture(scope="session")
def polar_render(tmp_path_factory: pytest.TempPathFactory) -> tuple[dynclient.ApiSpec, Path]:
    spec = dynclient.load_spec(POLAR_CURRENT)
    root = tmp_path_factory.mktemp("polar")
    write_stubs(spec, root / "typings")
    return spec, root


def test_the_whole_polar_spec_renders_with_no_schema_dropped(polar_render: tuple[dynclient.ApiSpec, Path]) -> None:
    spec, root = polar_render
    assert len(spec.document["paths"]) == 127
    defined = set(_declared_all(ast.parse((root / "typings" / "dynclient" / "schemas.pyi").read_text())))
    reachable = _reachable_components(spec)
    assert len(reachable) > 500
    missing = sorted(name for name in reachable if _type_name(name) not in defined)
    assert missing == []
    assert "Filter" in defined  # recursive
    init = (root / "typings" / "dynclient" / "__init__.pyi").read_text()
    # Client.call and Client.with_raw_response.call: one overload per operation each
    assert len(re.findall(r"    def call\(self, operation: typing\.Literal\[", init)) == 2 * len(spec)


POLAR_USAGE = """from typing import assert_type

import dynclient
from dynclient.schemas import Customer, Filter, ListResource_Customer_

c = dynclient.Client()
assert_type(c.customers.get(id="x"), Customer)
assert_type(c.call("customers_list", limit=1), ListResource_Customer_)
f: Filter = {"conjunction": "and", "clauses": [{"conjunction": "or", "clauses": []}]}
print(f)
"""


@pytest.mark.slow
def test_the_whole_polar_render_passes_mypy(polar_render: tuple[dynclient.ApiSpec, Path], tmp_path: Path) -> None:
    _, root = polar_render
    (root / "use.py").write_text(POLAR_USAGE)
    assert run_mypy([root / "use.py"], root, tmp_path / "cache", root / "typings") == {}
