"""One schema toolkit (issue 12): help() says what the stubs say, the package has no import
cycle, each piece of schema knowledge has one home, and the toolkit's own rules hold."""

from __future__ import annotations

import ast
import inspect
import json
import pydoc
import re
from pathlib import Path
from typing import Any, cast

import pytest
from conftest import POLAR_CURRENT, ROOT
from hypothesis import given
from hypothesis import strategies as st

import dynclient
from dynclient._errors import FieldError, location_text
from dynclient._pytypes import analysis
from dynclient._pytypes.model import ANY, NEVER, NONE, Generic, Literal, Name, Ref, Union, render, union
from dynclient._resources import data_dir
from dynclient._schema import keywords, media, pointer, types, unions
from dynclient._stubs import render_stubs

PLAIN: Any = cast(Any, pydoc).plaintext  # typeshed does not declare it

# -- help() and the stubs: the same text ---------------------------------------------------------


Methods = dict[str, ast.FunctionDef | ast.AsyncFunctionDef]


def _stub_classes(stub: str) -> dict[str, Methods]:
    """The stub's classes and their methods."""
    return {
        node.name: {f.name: f for f in node.body if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)}
        for node in ast.parse(stub).body
        if isinstance(node, ast.ClassDef)
    }


class _Source:
    """The text of a node of a large stub (``ast.get_source_segment`` re-splits the whole file
    on every call); offsets are UTF-8 byte offsets, as ``ast`` counts them."""

    def __init__(self, text: str) -> None:
        self.lines = [line.encode() for line in text.split("\n")]

    def __call__(self, node: ast.expr | ast.stmt | None) -> str:
        assert node is not None and node.end_lineno is not None and node.end_col_offset is not None
        first, last = node.lineno - 1, node.end_lineno - 1
        if first == last:
            return str(self.lines[first][node.col_offset : node.end_col_offset].decode())
        parts = [
            self.lines[first][node.col_offset :],
            *self.lines[first + 1 : last],
            self.lines[last][: node.end_col_offset],
        ]
        return b"\n".join(parts).decode()


def _compare(spec: dynclient.ApiSpec) -> int:
    """Every parameter's annotation and every return annotation of every operation, help()
    against the stub (sync and async clients). Returns how many annotations were compared."""
    stub = render_stubs(spec)["dynclient/__init__.pyi"]
    classes = _stub_classes(stub)
    text = _Source(stub)
    compared = 0
    for cls, flavour in ((dynclient.Client, "Group"), (dynclient.AsyncClient, "AsyncGroup")):
        client = cls(spec, access_token="t", base_url="http://127.0.0.1:9")
        for op in spec.operations:
            owner = cls.__name__ if not op.group else f"_{'__'.join(op.group)}_{flavour}"
            stub_fn = classes[owner][op.method_name]
            target: Any = client
            for segment in op.group:
                target = getattr(target, segment)
            sig = inspect.signature(getattr(target, op.method_name))
            stub_args = {a.arg: a for a in stub_fn.args.kwonlyargs}
            if stub_fn.args.kwarg is not None:
                stub_args["arguments"] = stub_fn.args.kwarg
            assert list(sig.parameters) == list(stub_args), op.name
            for name, param in sig.parameters.items():
                assert repr(param.annotation) == text(stub_args[name].annotation), (op.name, name)
                compared += 1
            assert repr(sig.return_annotation) == text(stub_fn.returns), op.name
            compared += 1
            # the whole line reads the same too (defaults `...`, keyword-only `*`)
            header = text(stub_fn).split("\n", 1)[0].removeprefix("async ").removeprefix("def ")
            header = header.removesuffix(":").replace("(self, ", "(").replace("(self)", "()")
            assert header == f"{op.method_name}{sig}", op.name
    return compared


def test_help_signatures_equal_the_stubs_for_the_bundled_spec() -> None:
    assert _compare(dynclient.load_spec()) > 100


@pytest.mark.slow
def test_help_signatures_equal_the_stubs_for_polar_s_full_spec() -> None:
    spec = dynclient.load_spec(POLAR_CURRENT)
    assert len(spec.operations) > 150
    assert _compare(spec) > 1000


def test_the_comparison_can_fail() -> None:
    spec = dynclient.load_spec()
    stub = render_stubs(spec)["dynclient/__init__.pyi"]
    list_fn = _stub_classes(stub)["_customers_Group"]["list"]
    email = next(a for a in list_fn.args.kwonlyargs if a.arg == "email")
    # the text help() used to show is not the stub's
    shown = _Source(stub)(email.annotation)
    assert shown == "builtins.str | None"
    assert shown != "str | None | None"


def test_help_of_the_issue_s_examples() -> None:
    client = dynclient.Client(access_token="t")
    listed = pydoc.render_doc(client.customers.list, renderer=PLAIN)
    first = listed.splitlines()[2]
    assert "email: builtins.str | None = ..." in first
    assert "None | None" not in listed and "'" not in first
    assert first.endswith("-> _schemas.ListResource_Customer_")
    assert "ListResource[Customer]" not in listed  # the title no longer contradicts the return type
    assert listed.count("customers:read") == 1  # the description lists the scopes: not again
    created = pydoc.render_doc(client.customers.create, renderer=PLAIN)
    assert "create(*, body: _schemas.CustomerCreate) -> _schemas.Customer" in created
    body = created[created.index("Body (application/json, required):") :]
    assert 'variant 1 (type: "individual"):' in body and 'variant 2 (type: "team"):' in body
    email_lines = [line.split() for line in body.splitlines() if line.strip().startswith("email ")]
    assert [words[:2] for words in email_lines] == [["email", "required"], ["email", "optional"]]
    assert "422: Validation Error (raises client.errors.HTTPValidationError)" in created


def test_scopes_are_listed_when_the_description_does_not() -> None:
    doc = json.loads((ROOT / "specs" / "polar-customers.openapi.json").read_text())
    doc["paths"]["/v1/customers/"]["get"]["description"] = "List customers."
    client = dynclient.Client(doc, access_token="t")
    assert "Scopes: customers:read customers:write" in pydoc.render_doc(client.customers.list)


def test_making_a_client_or_calling_never_analyses_the_types() -> None:
    spec = dynclient.load_spec(dynclient.bundled_spec_path())  # a fresh spec object
    client = dynclient.Client(spec, access_token="t", http_client=_answering({}), validate_responses="off")
    answer: Any = client.call("customers_get_state", id="1dbfc517-0bbf-4301-9ba8-555ca42b9737")
    assert answer == {}
    assert spec not in analysis._CACHE and client.customers.get.__doc__
    str(inspect.signature(client.customers.get))  # help() shows it: now it is worked out, once
    assert spec in analysis._CACHE
    again = dynclient.Client(spec, access_token="t")
    assert inspect.signature(again.customers.get) == inspect.signature(client.customers.get)


def _answering(body: Any) -> Any:
    import httpx

    return httpx.Client(transport=httpx.MockTransport(lambda _r: httpx.Response(200, json=body)))


def test_cli_describe_spells_the_same_types_short() -> None:
    from dynclient._describe import describe_text

    spec = dynclient.load_spec()
    text = describe_text(spec, spec["customers_list"])
    row = next(line.split(None, 2) for line in text.splitlines() if line.strip().startswith("sorting"))
    assert row[1] == "query" and row[2].startswith("Sequence[CustomerSortProperty] | None  no")
    stub = render_stubs(spec)["dynclient/__init__.pyi"]
    assert "sorting: collections.abc.Sequence[_schemas.CustomerSortProperty] | None = ..." in stub


# -- the type model ----------------------------------------------------------------------------


def test_union_flattens_dedupes_and_puts_none_last() -> None:
    s, i = Name("builtins", "str"), Name("builtins", "int")
    assert union([]) == NEVER
    assert union([s]) == s
    assert union([NONE, Union((s, i)), s]) == Union((s, i, NONE))
    assert union([s, ANY, i]) == ANY
    text = render(union([Generic(Name("builtins", "list"), (Ref("t"),)), Literal(('"a"',)), NONE]), {"t": "X"})
    assert text == 'builtins.list[_schemas.X] | typing.Literal["a"] | None'
    assert render(Generic(Name("builtins", "tuple"), ()), {}) == "builtins.tuple[()]"
    assert render(union([Ref("t"), Name("collections.abc", "Sequence")]), {"t": "X"}, short=True) == "X | Sequence"


# -- no import cycles --------------------------------------------------------------------------

PACKAGE = ROOT / "dynclient"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def import_graph() -> dict[str, set[str]]:
    """Every module of the package -> the package modules it imports, at the top or inside a
    function (both run); imports under ``if TYPE_CHECKING:`` never run and are left out."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        deps: set[str] = set()
        stack: list[ast.AST] = [ast.parse(path.read_text())]
        while stack:
            node = stack.pop()
            if isinstance(node, ast.If) and _is_type_checking(node):
                stack.extend(node.orelse)
                continue
            stack.extend(ast.iter_child_nodes(node))
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    up = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                    base = ".".join([*up, *([node.module] if node.module else [])])
                targets = [f"{base}.{a.name}" for a in node.names]  # a name that is no module: its module
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and target.startswith("dynclient"):
                    deps.add(target)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph (as a path that returns to its start), or None."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*path[path.index(dep) :], dep]
            if dep not in state:
                found = visit(dep)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph()
    assert len(graph) > 50 and "dynclient._schema.pointer" in graph
    assert "dynclient._schema.unions" in graph["dynclient._describe"]
    assert find_cycle(graph) is None


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    graph = import_graph()
    graph["dynclient._schema.pointer"] = {*graph["dynclient._schema.pointer"], "dynclient._client"}
    assert find_cycle(graph) is not None  # the pointer module importing the client would be one


def test_the_schema_toolkit_imports_nothing_above_it() -> None:
    """The toolkit (``_schema``) sits at the bottom: only the errors, ``_names`` and itself."""
    graph = import_graph()
    for module, deps in graph.items():
        if module.startswith("dynclient._schema"):
            outside = {d for d in deps if not d.startswith("dynclient._schema")}
            assert outside <= {"dynclient._errors", "dynclient._secrets"}, (module, outside)


# -- one home per piece of knowledge -----------------------------------------------------------

#: (what, a regular expression that re-derives it, the files allowed to hold it)
HOMES = [
    ("JSON pointer unescaping", r"""replace\(["']~1["']""", {"dynclient/_schema/pointer.py"}),
    ("JSON pointer escaping", r"""replace\(["']~["'], ["']~0["']\)""", {"dynclient/_schema/pointer.py"}),
    ("local $ref -> pointer", r"unquote\(ref", {"dynclient/_schema/pointer.py"}),
    ("the JSON media-type rule", r"""\+json|application/\(""", {"dynclient/_schema/media.py"}),
    (
        "discriminator resolution",
        r"""\.get\(["']discriminator["']\)""",
        {"dynclient/_schema/unions.py", "dynclient/_document.py"},
    ),
    ("union members", r"""\(["'](?:oneOf|anyOf)["'], ["'](?:oneOf|anyOf)["']\)""", {"dynclient/_schema/keywords.py"}),
    (
        "subschema keyword lists",
        r"""["']unevaluatedItems["']""",
        {"dynclient/_schema/keywords.py", "dynclient/_explain.py", "dynclient/_validation.py"},
    ),
    ("data keyword lists", r"""["']examples["'], ["']example["']""", {"dynclient/_schema/keywords.py"}),
    ("the identifier rule", r"\[\^0-9A-Za-z_\]", {"dynclient/_names.py"}),
    ("path templates", r"""\{\(\[\^\{\}\]\+\)\}""", {"dynclient/_schema/openapi.py"}),
    ("HTTP methods of a path item", r"""["']options["'], ["']head["']""", {"dynclient/_schema/openapi.py"}),
    ("instance locations from paths", r"""f["']\[\{part\}\]["']""", {"dynclient/_errors.py"}),
    (
        "the data dirs of a checkout and a wheel",
        r"""["']_specs["']|["']_codegen_templates["']|_\{name\}""",
        {"dynclient/_resources.py"},
    ),
    (
        "type expressions as text",
        r"""["']typing\.Literal\[""",
        {"dynclient/_pytypes/model.py", "dynclient/_stubs/render.py"},
    ),
]


@pytest.mark.parametrize(("what", "pattern", "homes"), HOMES, ids=[h[0] for h in HOMES])
def test_each_piece_of_schema_knowledge_has_one_home(what: str, pattern: str, homes: set[str]) -> None:
    found = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py") if re.search(pattern, p.read_text())}
    assert found <= homes, f"{what} is re-derived in {sorted(found - homes)}"
    assert found, f"{what}: the pattern no longer finds its home (update the table)"


# -- the toolkit's rules -----------------------------------------------------------------------


def test_the_subschema_keywords_are_referencing_s() -> None:
    """Our keyword lists agree with referencing's knowledge of draft 2020-12 (a dependency that
    is not imported on a client's path)."""
    import referencing.jsonschema

    spec = referencing.jsonschema.DRAFT202012
    probe: dict[str, Any] = {}
    expected: list[Any] = []
    for key in sorted(keywords.IN_VALUE):
        probe[key] = {"title": key}
        expected.append(probe[key])
    for key in sorted(keywords.IN_LIST):
        probe[key] = [{"title": key}]
        expected.append(probe[key][0])
    for key in sorted(keywords.IN_MAP):
        probe[key] = {"name": {"title": key}}
        expected.append(probe[key]["name"])
    for key in ("const", "enum", "default", "examples", "title", "type"):
        probe[key] = {"title": "data"}  # data, never a subschema
    theirs = sorted(s["title"] for s in spec.subresources_of(probe))
    ours = sorted(s["title"] for s in list(keywords.subschemas(probe))[1:])
    assert theirs == ours == sorted(s["title"] for s in expected)


@given(st.lists(st.text(max_size=8), max_size=5))
def test_pointers_round_trip(tokens: list[str]) -> None:
    joined = pointer.pointer_join("", *tokens)
    assert pointer.split_pointer(joined) == tokens
    assert pointer.resolve_pointer(_nest(tokens), joined) == "leaf"


def _nest(tokens: list[str]) -> Any:
    node: Any = "leaf"
    for token in reversed(tokens):
        node = {token: node}
    return node


def test_components_and_refs() -> None:
    assert pointer.ref_pointer("#/components/schemas/A~1B") == "/components/schemas/A~1B"
    assert pointer.ref_pointer("other.json#/x") is None
    assert pointer.component_name("/components/schemas/A~1B") == "A/B"
    assert pointer.component_name("/components/schemas/A/properties/x") is None
    assert pointer.component_of("/components/responses/E/content") == ("responses", "E")


def test_media_types() -> None:
    assert media.is_json("application/json") and media.is_json("Application/JSON; charset=utf-8")
    assert media.is_json("application/problem+json") and media.is_json("application/vnd.api+json")
    assert not media.is_json("text/csv") and not media.is_json(None) and not media.is_json("application/json-seq")
    assert media.is_supported_body("application/x-www-form-urlencoded; charset=utf-8")
    assert media.pick_media({"text/csv": 1, "application/json": 2}) == ("application/json", 2)


def test_types_read_one_way() -> None:
    assert types.declared_types({"type": ["string", "null"]}) == frozenset({"string", "null"})
    assert types.declared_types({"enum": [1]}) is None
    assert types.intended_types({"enum": ["a", None]}) == {"string", "null"}
    assert types.intended_types({"enum": ["a"]}, values=False) == frozenset()
    assert types.intended_types({"additionalProperties": {}}) == {"object"}
    assert types.intended_types({"prefixItems": []}) == {"array"}
    assert types.single_value({"const": 3}) == (True, 3) and types.single_value({"enum": [1, 2]})[0] is False
    assert types.json_type_of(True) == "boolean" and types.json_type_of(1.0) == "number"


def test_the_discriminator_rule() -> None:
    """Explicit mapping entries, and each member no entry names by its schema's name."""
    schema = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind", "mapping": {"kitty": "#/components/schemas/Cat"}},
    }
    disc = unions.discriminator(schema)
    assert disc is not None and disc.property == "kind"
    assert disc.mapping == {"kitty": "#/components/schemas/Cat", "Dog": "#/components/schemas/Dog"}
    assert disc.target("Dog") == "#/components/schemas/Dog" and disc.target("Cat") is None
    assert disc.tags("#/components/schemas/Cat") == ["kitty"]
    assert unions.discriminator({"oneOf": []}) is None


def test_alternatives_nullable_and_all_of() -> None:
    doc = {
        "components": {
            "schemas": {
                "A": {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]},
                "N": {"anyOf": [{"$ref": "#/components/schemas/A"}, {"type": "null"}]},
                "M": {"allOf": [{"$ref": "#/components/schemas/A"}], "properties": {"b": {}}, "required": ["b"]},
            }
        }
    }
    alts = unions.alternatives(doc, {"$ref": "#/components/schemas/N"})
    assert [where for _, where in alts] == ["/components/schemas/A", "/components/schemas/N/anyOf/1"]
    assert unions.nullable(doc, {"$ref": "#/components/schemas/N"})
    assert not unions.nullable(doc, {"$ref": "#/components/schemas/A"})
    merged = unions.merged_properties(unions.object_parts(doc, {"$ref": "#/components/schemas/M"}))
    assert list(merged.properties) == ["b", "a"] and merged.required == ["b", "a"]
    assert merged.properties["a"][1] == "/components/schemas/A/properties/a"


def test_field_errors_carry_paths_their_locations_are_made_from() -> None:
    assert location_text(("body", "items", 2, "id")) == "body.items[2].id"
    error = FieldError.at(("items", 0), "bad", "type", prefix="query.filter")
    assert error.path == ("query", "filter", "items", 0) and error.location == "query.filter.items[0]"
    client = dynclient.Client(access_token="t")
    with pytest.raises(dynclient.RequestValidationError) as caught:
        cast(Any, client).build_request("customers_list", limit="ten", nope=1, sorting=["x"])
    for fe in caught.value.errors:
        assert fe.path and fe.location == location_text(fe.path), fe


def test_error_classes_and_types_share_one_naming_rule() -> None:
    from dynclient._names import error_class_name, type_name

    assert type_name("2fa") == "T2fa" and type_name("class") == "class_" and type_name("typing") == "typing_"
    assert error_class_name("ListResource[Customer]") == type_name("ListResource[Customer]") == "ListResource_Customer_"
    doc = json.loads((ROOT / "specs" / "polar-customers.openapi.json").read_text())
    doc["components"]["schemas"]["HTTPValidationError"]["title"] = "404 error"
    client = dynclient.Client(doc, access_token="t")
    assert cast(Any, client.errors).T404_error.schema_title == "404 error"
    stub = render_stubs(client.spec)["dynclient/__init__.pyi"]
    assert "class T404_error(" in stub


# -- where the data files are ------------------------------------------------------------------


def test_data_dirs_are_found_in_a_wheel_and_in_a_checkout(tmp_path: Path) -> None:
    wheel = tmp_path / "site" / "dynclient"
    (wheel / "_specs").mkdir(parents=True)
    (wheel / "_specs" / "x.openapi.json").write_text("{}")
    assert data_dir("specs", "*.openapi.json", package=wheel) == wheel / "_specs"
    checkout = tmp_path / "repo" / "dynclient"
    checkout.mkdir(parents=True)
    (tmp_path / "repo" / "codegen_templates").mkdir()
    (tmp_path / "repo" / "codegen_templates" / "__init__.pyi.jinja").write_text("")
    assert (
        data_dir("codegen_templates", "__init__.pyi.jinja", package=checkout) == tmp_path / "repo" / "codegen_templates"
    )
    assert data_dir("specs", "*.openapi.json", package=checkout) is None
    assert data_dir("specs", "*.openapi.json") == ROOT / "specs"  # this checkout


@pytest.mark.parametrize("cls", [dynclient.Client, dynclient.AsyncClient])
def test_every_client_option_is_a_real_documented_parameter(cls: type[Any]) -> None:
    """help(dynclient.Client) shows every option (was: ``**options: Any`` and "see the README")."""
    params = inspect.signature(cls).parameters
    assert all(p.kind is not inspect.Parameter.VAR_KEYWORD for p in params.values())
    doc = inspect.getdoc(cls) or ""  # the class docstring: help() shows it above the signature
    rendered = pydoc.render_doc(cls, renderer=PLAIN)
    for name in params:  # an entry of its own: see test_daily_options for the entries' format
        assert re.search(rf"^([a-z_]+, )*{name}\b", doc, re.M), name
        assert name in rendered, name
    with pytest.raises(dynclient.ConfigurationError, match=f"{cls.__name__} needs an httpx.{cls.__name__}"):
        cls(access_token="t", http_client=object())
