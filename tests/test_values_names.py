"""Names from a spec (issue 10, items 4 and 9).

* No spec name may shadow a client's attribute or method, public or private (the rule is in
  ``dynclient._names``): checked against every attribute real clients of both kinds have,
  ``with_options`` clones included; the stub renderer refuses exactly what the runtime does.
* Parameter names that are not identifiers (``X-Trace``, ``page-size``, ``filter[name]``)
  load, are callable (``call()`` and the group method), and show in ``help()`` and in the
  stubs as ``**arguments: Unpack[<op>_Arguments]``, which both checkers accept.
* Header and cookie parameter names must be HTTP tokens, and a header parameter may not
  set a header HTTP or the client controls.
"""

from __future__ import annotations

import copy
import inspect
import json
import pydoc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import json_response
from payloads import CUSTOMER_ID, customer_page
from test_stubs import run_mypy, run_pyright

import dynclient
from dynclient._client import client_member_names
from dynclient._names import CLIENT_ATTRIBUTES, MERGEABLE_GROUPS, is_keyword_parameter
from dynclient._stubs import render_stubs, write_stubs

BUNDLED: dict[str, Any] = json.loads(dynclient.bundled_spec_path().read_text())


def one_operation_spec(operation_id: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "names", "version": "1"},
        "servers": [{"url": "https://names.invalid"}],
        "paths": {
            "/x": {
                "get": {
                    "operationId": operation_id,
                    "responses": {"204": {"description": "none"}},
                }
            }
        },
    }


@pytest.fixture(params=["sync", "async"])
def client_cls(request: pytest.FixtureRequest) -> type[dynclient.Client] | type[dynclient.AsyncClient]:
    return dynclient.Client if request.param == "sync" else dynclient.AsyncClient


def real_clients() -> Iterator[Any]:
    """A client of each kind from the bundled spec, and with_options clones of each."""
    for cls in (dynclient.Client, dynclient.AsyncClient):
        client = cls(access_token="names-test-token-0123")
        yield client
        yield client.with_options(retry=dynclient.RetryPolicy.none(), headers={"X-A": "1"})
        yield client.with_options(validate_responses="warn").with_options(timeout=3.0)


def every_client_name() -> set[str]:
    """Every attribute and method name real clients have, except the spec's own groups."""
    names: set[str] = set()
    for client in real_clients():
        spec_names = {op.group[0] if op.group else op.method_name for op in client.operations.values()}
        names |= (set(dir(client)) | set(vars(client))) - spec_names
    return names


CLIENT_NAMES = sorted(every_client_name())


def test_the_walk_sees_the_attributes_the_issue_names() -> None:
    named = {"operations", "errors", "base_url", "retry", "validate_responses", "_token", "_headers"}
    named |= {"_log_bodies", "_http", "_owns_http", "__class__", "__dict__", "call", "with_options", "close"}
    assert named <= set(CLIENT_NAMES)
    assert {"paginate", "pages", "invoke", "build_request", "aclose", "__aenter__", "__exit__"} <= set(CLIENT_NAMES)


def test_every_public_attribute_of_a_client_is_reserved_by_the_static_rule() -> None:
    # what the stub renderer knows (no instance at hand) covers every attribute a client sets
    reserved = client_member_names()
    unlisted = {n for n in CLIENT_NAMES if not n.startswith("_") and n not in reserved}
    assert not unlisted, f"add {sorted(unlisted)} to dynclient._names.CLIENT_ATTRIBUTES"
    assert reserved >= CLIENT_ATTRIBUTES


@pytest.mark.parametrize("name", CLIENT_NAMES)
def test_no_spec_name_may_shadow_a_client_member(
    name: str, client_cls: type[dynclient.Client] | type[dynclient.AsyncClient]
) -> None:
    for operation_id in (f"{name}:list", name, f"things:{name}" if name.startswith("_") else None):
        if operation_id is None or (operation_id == f"{name}:list" and name in MERGEABLE_GROUPS):
            continue  # a group joining the method of its name: see the next test
        spec = dynclient.load_spec(one_operation_spec(operation_id))
        with pytest.raises(dynclient.SpecError) as info:
            client_cls(spec)
        assert repr(name) in str(info.value) and "shadow" in str(info.value)
        assert info.value.pointer == "/paths/~1x/get"
        with pytest.raises(dynclient.SpecError, match="shadow"):  # the stubs refuse exactly the same
            render_stubs(spec)


@pytest.mark.parametrize("name", sorted(MERGEABLE_GROUPS))
def test_a_group_named_like_a_mergeable_method_joins_it_instead_of_shadowing_it(
    name: str, client_cls: type[dynclient.Client] | type[dynclient.AsyncClient]
) -> None:
    # Polar's full spec has a `webhooks` group: the group object stays callable as the
    # client's webhooks(secret) (nothing is shadowed) and holds the group's operations
    client = client_cls(one_operation_spec(f"{name}:list"), access_token="polar_oat_0123456789")
    group = getattr(client, name)
    assert isinstance(group, dynclient.OperationGroup)
    joined: Any = group  # another spec's group: untyped
    assert callable(joined.list)
    assert isinstance(joined("whsec_c2VjcmV0LWtleS0wMTIz"), dynclient.Webhooks)
    assert isinstance(getattr(client.with_options(retry=None), name)("a-secret-key"), dynclient.Webhooks)
    stub = render_stubs(dynclient.load_spec(one_operation_spec(f"{name}:list")))["dynclient/__init__.pyi"]
    assert "def __call__(" in stub and f"    {name}: _{name}_Group" in stub


def test_the_issue_cases_no_longer_reach_the_client_state(
    client_cls: type[dynclient.Client] | type[dynclient.AsyncClient],
) -> None:
    for operation_id in ("validate_responses:get", "_log_bodies:get", "_owns_http:get", "things:__class__"):
        with pytest.raises(dynclient.SpecError):
            client_cls(one_operation_spec(operation_id))


@pytest.mark.parametrize("name", ["things", "customers", "list", "get", "typing_", "Operations", "retry_"])
def test_other_names_are_allowed_at_the_top_and_client_names_below_it(
    name: str, client_cls: type[dynclient.Client] | type[dynclient.AsyncClient]
) -> None:
    top = client_cls(one_operation_spec(f"{name}:list"))
    assert callable(getattr(top, name).list)
    nested = client_cls(one_operation_spec(f"things:{'operations' if name == 'things' else name}"))
    assert callable(getattr(getattr(nested, "things"), "operations" if name == "things" else name))
    for client in (top, nested):
        clone = client.with_options(retry=dynclient.RetryPolicy.none())  # re-attaching is not a clash
        assert clone.operations is client.operations
    render_stubs(dynclient.load_spec(one_operation_spec(f"{name}:list")))


def test_a_with_options_clone_gets_its_own_groups_and_keeps_the_rule() -> None:
    client = dynclient.Client(one_operation_spec("things:list"))
    clone = client.with_options(headers={"X-A": "1"})
    assert clone.things is not client.things  # type: ignore[attr-defined]
    assert vars(clone)["_spec_members"] == frozenset({"things"})
    shallow = copy.copy(clone)
    assert shallow.with_options().things is not clone.things  # type: ignore[attr-defined]


# -- parameter names that are not identifiers ----------------------------------------------------------


def spec_with_odd_names() -> dict[str, Any]:
    """The bundled spec, customers_list given three parameters whose names are not identifiers."""
    doc = copy.deepcopy(BUNDLED)
    op = doc["paths"]["/v1/customers/"]["get"]
    op["parameters"] += [
        {"name": "X-Trace", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 16}},
        {"name": "page-size", "in": "query", "required": False, "schema": {"type": "integer", "maximum": 100}},
        {"name": "filter[name]", "in": "query", "required": False, "schema": {"type": "string"}},
    ]
    return doc


ODD = {"X-Trace": "abc", "page-size": 5, "filter[name]": "Ada"}


@pytest.fixture(scope="module")
def odd_spec() -> dynclient.ApiSpec:
    return dynclient.load_spec(spec_with_odd_names())


def test_odd_names_are_callable_through_call_and_the_group_method(make_api: Any, odd_spec: dynclient.ApiSpec) -> None:
    api = make_api(lambda _r: json_response(200, customer_page(1)), spec=odd_spec)
    api.call("customers_list", limit=2, **ODD)
    api.group("customers.list")(limit=2, **ODD)
    for request in api.sent:
        assert request.headers["X-Trace"] == "abc"
        assert request.url.params["page-size"] == "5" and request.url.params["filter[name]"] == "Ada"
        assert "filter%5Bname%5D=Ada" in str(request.url) and "page-size=5" in str(request.url)


def test_odd_names_are_located_in_validation_errors(make_api: Any, odd_spec: dynclient.ApiSpec) -> None:
    api = make_api(lambda _r: httpx.Response(500), spec=odd_spec)
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call("customers_list", **{"X-Trace": "x" * 17, "page-size": 101, "filter[name]": 3})
    assert set(info.value.locations) == {"header.X-Trace", "query.page-size", "query.filter[name]"}
    assert {e.path for e in info.value.errors} == {
        ("header", "X-Trace"),
        ("query", "page-size"),
        ("query", "filter[name]"),
    }
    assert api.sent == []


def test_help_shows_the_typeddict_form_the_stubs_use(odd_spec: dynclient.ApiSpec) -> None:
    for cls in (dynclient.Client, dynclient.AsyncClient):
        client = cls(odd_spec)
        method = client.customers.list
        signature = inspect.signature(method)
        # the stub's annotation text (help() and the stubs render the same type model)
        assert str(signature) == (
            "(**arguments: typing.Unpack[_schemas.customers_list_Arguments]) -> _schemas.ListResource_Customer_"
        )
        stub = render_stubs(odd_spec)["dynclient/__init__.pyi"]
        assert "def list(self, **arguments: typing.Unpack[_schemas.customers_list_Arguments])" in stub
        text = pydoc.render_doc(method)
        assert "**arguments" in text and "page-size (query, optional)" in text and "X-Trace (header" in text
        assert inspect.signature(client.customers.get).parameters["id"].kind is inspect.Parameter.KEYWORD_ONLY


def test_the_rule_for_keyword_parameters() -> None:
    assert is_keyword_parameter("limit") and is_keyword_parameter("match") and is_keyword_parameter("_x")
    for name in ("X-Trace", "page-size", "filter[name]", "from", "class", "__x", "self", "operation"):
        assert not is_keyword_parameter(name), name
    assert not is_keyword_parameter("ﬁle")  # NFKC would make it "file" in a signature
    assert not is_keyword_parameter("max_pages")


ODD_USAGE = """# pyright: strict
from typing import assert_type

import dynclient
from dynclient.schemas import Customer, ListResource_Customer_, customers_list_Arguments

c = dynclient.Client()
arguments: customers_list_Arguments = {"limit": 2, "X-Trace": "abc", "page-size": 5, "filter[name]": "Ada"}
assert_type(c.customers.list(**arguments), ListResource_Customer_)
assert_type(c.call("customers_list", **arguments), ListResource_Customer_)
assert_type(c.customers.get(id="x"), Customer)
"""


@pytest.fixture(scope="module")
def odd_render(tmp_path_factory: pytest.TempPathFactory, odd_spec: dynclient.ApiSpec) -> Path:
    root = tmp_path_factory.mktemp("odd-names")
    write_stubs(odd_spec, root / "typings")
    (root / "use.py").write_text(ODD_USAGE)
    (root / "pyrightconfig.json").write_text(json.dumps({"stubPath": "typings", "typeCheckingMode": "strict"}))
    return root


def test_odd_names_render_as_an_arguments_typeddict(odd_render: Path) -> None:
    init = (odd_render / "typings" / "dynclient" / "__init__.pyi").read_text()
    schemas = (odd_render / "typings" / "dynclient" / "schemas.pyi").read_text()
    assert "def list(self, **arguments: typing.Unpack[_schemas.customers_list_Arguments])" in init
    assert '"X-Trace": typing.NotRequired[builtins.str],' in schemas and '"filter[name]"' in schemas


def test_odd_names_stub_passes_mypy_strict(odd_render: Path, tmp_path: Path) -> None:
    assert run_mypy([odd_render / "use.py"], odd_render, tmp_path / "cache", odd_render / "typings") == {}


def test_odd_names_stub_passes_pyright_strict(odd_render: Path) -> None:
    assert run_pyright([odd_render / "use.py"], odd_render) == {}


def test_the_usage_really_runs(odd_spec: dynclient.ApiSpec) -> None:
    sent: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return json_response(200, customer_page(1))

    client = dynclient.Client(odd_spec, http_client=httpx.Client(transport=httpx.MockTransport(respond)))
    arguments: dict[str, Any] = {"limit": 2, "X-Trace": "abc", "page-size": 5, "filter[name]": "Ada"}
    untyped: Any = client  # the shipped stubs know the bundled spec, not this edited one
    assert untyped.customers.list(**arguments)["items"]
    assert sent[0].headers["X-Trace"] == "abc"
    assert client.build_request("customers_get", id=CUSTOMER_ID).url.path.endswith(CUSTOMER_ID)


# -- header and cookie parameter names ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "name", "message"),
    [
        ("header", "X Trace", "not an HTTP token"),
        ("header", "X-Trace\r\nX-Evil", "not an HTTP token"),
        ("header", "X-Trace:", "not an HTTP token"),
        ("cookie", "a=b", "not an HTTP token"),
        ("cookie", "sid;", "not an HTTP token"),
        ("header", "Host", "controls"),
        ("header", "authorization", "controls"),
        ("header", "Content-Length", "controls"),
        ("header", "Cookie", "controls"),
        ("header", "Transfer-Encoding", "controls"),
    ],
)
def test_header_and_cookie_names_are_checked_at_load(location: str, name: str, message: str) -> None:
    doc = one_operation_spec("things:get")
    doc["paths"]["/x"]["get"]["parameters"] = [{"name": name, "in": location, "schema": {"type": "string"}}]
    with pytest.raises(dynclient.SpecError, match=message) as info:
        dynclient.load_spec(doc)
    assert info.value.pointer == "/paths/~1x/get/parameters/0"


def test_a_subclass_s_own_methods_are_protected_too() -> None:
    class Mine(dynclient.Client):
        def report(self) -> str:
            return "mine"

    with pytest.raises(dynclient.SpecError, match="'report'"):
        Mine(one_operation_spec("report:list"))
    assert Mine(one_operation_spec("things:list")).report() == "mine"
