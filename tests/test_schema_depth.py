"""Deep data never reaches recursive code (issue 10, item 5).

Arguments and responses nested deeper than ``MAX_DATA_DEPTH`` are refused before json
parsing recursion, python-jsonschema, jsonschema-rs (which overflows its stack, i.e.
segfaults, near 100,000 levels) or ``json.dumps`` run, with a ``RequestValidationError`` /
``ResponseValidationError`` naming the first place past the limit. Reproductions that used
to kill the process run in a subprocess, so a regression fails the test instead of pytest.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import POLAR_CURRENT, ROOT, Api, json_response

import dynclient
from dynclient._limits import MAX_DATA_DEPTH, too_deep
from dynclient._validation import SchemaEngine


def nested_list(levels: int, leaf: Any = 1) -> Any:
    value = leaf
    for _ in range(levels):
        value = [value]
    return value


def filter_nested(levels: int, operator: str = "eq") -> dict[str, Any]:
    value: dict[str, Any] = {"conjunction": "and", "clauses": [{"property": "p", "operator": operator, "value": "v"}]}
    for _ in range(levels):
        value = {"conjunction": "and", "clauses": [value]}
    return value


@pytest.fixture(scope="module")
def full() -> dynclient.ApiSpec:
    return dynclient.load_spec(POLAR_CURRENT, tags=["meters"])


# -- the measure ----------------------------------------------------------------------------
def test_depth_is_counted_in_containers() -> None:
    assert too_deep(nested_list(MAX_DATA_DEPTH)) is None
    deep = too_deep(nested_list(MAX_DATA_DEPTH + 1), "body")
    assert deep is not None
    assert deep.location == "body" + "[0]" * MAX_DATA_DEPTH
    assert deep.path == ("body", *[0] * MAX_DATA_DEPTH)
    assert deep.keyword == "depth" and f"limit of {MAX_DATA_DEPTH}" in deep.message
    assert too_deep("x" * 10_000) is None and too_deep({}) is None


def test_the_first_place_past_the_limit_is_named_in_document_order() -> None:
    value = {"a": [1, {"b": 2}], "c": {"d": [[3]]}, "e": [[[4]]]}
    found = too_deep(value, "body", limit=3)
    assert found is not None and found.location == "body.c.d[0]"
    assert too_deep(value, "body", limit=4) is None


def test_tuples_subclasses_and_cycles_count() -> None:
    value: Any = (1, OrderedDict(a=[(2,)]))
    found = too_deep(value, "query.q", limit=3)
    assert found is not None and found.location == "query.q[1].a[0]"
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    found = too_deep(cycle, "body")
    assert found is not None and found.location == "body" + ".self" * MAX_DATA_DEPTH


# -- arguments ---------------------------------------------------------------------------
_SEGFAULT = textwrap.dedent(
    """
    import sys, dynclient
    sys.path.insert(0, "tests")
    from test_hostile_specs import base
    doc = base()
    doc["paths"]["/things/{id}"]["put"] = {
        "operationId": "things:put",
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Tree"}}}},
        "responses": {"204": {"description": "ok"}},
    }
    doc["components"]["schemas"]["Tree"] = {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}
    body = []
    for _ in range(100_000):
        body = [body]
    for engine in ("auto", "python"):
        client = dynclient.Client(dynclient.load_spec(doc), access_token="t", engine=engine)
        try:
            client.build_request("things_put", id="a", body=body)
        except dynclient.RequestValidationError as err:
            print(engine, err.errors[0].location[:13], len(err.errors[0].path))
    """
)


def test_a_body_nested_100000_deep_is_refused_not_a_segfault() -> None:
    """A recursive schema and a body nested 100,000 deep: jsonschema-rs overflowed its stack
    (SIGSEGV) and python-jsonschema raised RecursionError. Run in a subprocess."""
    proc = subprocess.run(
        [sys.executable, "-c", _SEGFAULT], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, (proc.returncode, proc.stderr[-2000:])
    assert proc.stdout.split("\n")[:2] == [
        f"auto body[0][0][0] {MAX_DATA_DEPTH + 1}",
        f"python body[0][0][0] {MAX_DATA_DEPTH + 1}",
    ]


def test_a_deep_filter_with_a_bad_leaf_is_located(make_api: Callable[..., Api], full: dynclient.ApiSpec) -> None:
    """Polar's ``meters_create`` with a filter nested 200 deep and a bad leaf raised a raw
    RecursionError while being explained; now the depth limit names where it was crossed."""
    api = make_api(lambda r: httpx.Response(500), full)
    body = {"name": "meter", "filter": filter_nested(200, operator="nope"), "aggregation": {"func": "count"}}
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call("meters_create", body=body)
    (error,) = info.value.errors
    assert error.keyword == "depth"
    assert error.location.startswith("body.filter.clauses[0].clauses[0]")
    assert len(error.path) == 1 + MAX_DATA_DEPTH
    assert api.sent == []


def test_a_realistic_filter_is_explained_normally(make_api: Callable[..., Api], full: dynclient.ApiSpec) -> None:
    api = make_api(lambda r: httpx.Response(500), full)
    body = {"name": "meter", "filter": filter_nested(20, operator="nope"), "aggregation": {"func": "count"}}
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call("meters_create", body=body)
    (error,) = info.value.errors
    assert error.location == "body.filter" + ".clauses[0]" * 21 + ".operator"
    assert error.keyword == "enum"


def test_a_body_nested_1000_deep_is_refused_before_encoding(make_api: Callable[..., Api]) -> None:
    """``json.dumps`` of ~1,000 levels raised RecursionError while encoding."""
    api = make_api(lambda r: json_response(200, {}))
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call("customers_update", id="1dbfc517-0bbf-4301-9ba8-555ca42b9737", body={"metadata": nested_list(1000)})
    assert info.value.errors[0].location == "body.metadata" + "[0]" * (MAX_DATA_DEPTH - 1)
    assert api.sent == []


def test_a_deep_query_argument_is_located_in_the_query(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(200, {}))
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call("customers_list", metadata={"k": nested_list(100)})
    assert info.value.errors[0].location.startswith("query.metadata.k[0][0]")
    assert api.sent == []


# -- responses -----------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["strict", "warn", "off"])
def test_a_response_nested_100000_deep_is_a_response_validation_error(make_api: Callable[..., Api], mode: str) -> None:
    """json.loads raised a raw RecursionError in both clients; a limit, in every mode."""
    payload = b"[" * 100_000 + b"]" * 100_000
    api = make_api(
        lambda r: httpx.Response(200, content=payload, headers={"content-type": "application/json"}),
        validate_responses=mode,
    )
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_list")
    assert info.value.errors[0].location == "body"
    assert "nested too deeply" in info.value.errors[0].message


@pytest.mark.parametrize("mode", ["strict", "warn", "off"])
def test_a_response_past_the_limit_names_the_place(make_api: Callable[..., Api], mode: str) -> None:
    page = {"items": [{"metadata": {"k": nested_list(200)}}], "pagination": {"total_count": 1, "max_page": 1}}
    api = make_api(lambda r: json_response(200, page), validate_responses=mode)
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_list")
    (error,) = info.value.errors
    assert error.location == "body.items[0].metadata.k" + "[0]" * (MAX_DATA_DEPTH - 4)
    assert error.keyword == "depth"


def test_explanations_never_see_deep_data() -> None:
    """Whoever asks for an explanation (webhooks, drift judging) gets the depth error, not
    python-jsonschema's RecursionError."""
    doc = {"components": {"schemas": {"T": {"type": "array", "items": {"$ref": "#/components/schemas/T"}}}}}
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/T")
        errors = compiled.errors(nested_list(500, leaf="x"), "body")
        assert [e.keyword for e in errors] == ["depth"]
        judged = compiled.judged(nested_list(500, leaf="x"), "body")
        assert [(e.keyword, drift) for e, drift in judged] == [("depth", False)]


def test_a_reference_chain_too_long_to_explain_never_raises_recursion_error() -> None:
    """python-jsonschema recurses once per ``$ref``: a 2,000-link chain of aliases is refused at
    load (``_metaschema.MAX_IN_PLACE``); an engine built on such a document anyway answers
    with errors, never a RecursionError."""
    schemas: dict[str, Any] = {f"S{i}": {"$ref": f"#/components/schemas/S{i + 1}"} for i in range(2000)}
    schemas["S2000"] = {"type": "integer"}
    doc = {"components": {"schemas": schemas}}
    with pytest.raises(dynclient.SpecError, match="in-place references"):
        dynclient.load_spec({"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, **doc})
    for engine in ("rs", "python"):
        compiled = SchemaEngine(doc, engine=engine).for_pointer("/components/schemas/S0")
        errors = compiled.errors("x", "body")
        assert len(errors) == 1 and errors[0].location == "body"


@pytest.mark.parametrize("levels", [200, 5000])
def test_an_error_body_past_the_limit_is_kept_as_text_only(make_api: Callable[..., Api], levels: int) -> None:
    """An error response nested past the limit: the error keeps the raw text, never the deep
    value (which would break pickling and every recursive consumer); its class is the status class."""
    deep = ("[" * levels + "]" * levels).encode()
    api = make_api(lambda _r: httpx.Response(404, content=deep, headers={"polar-version": "2026-10"}))
    with pytest.raises(dynclient.NotFoundError) as info:
        api.call("customers_get", id="992fae2a-2a17-4b7a-8d9e-e287cf90131b")
    assert info.value.body is None
    assert info.value.text == deep.decode()
    assert type(pickle.loads(pickle.dumps(info.value))) is dynclient.NotFoundError
