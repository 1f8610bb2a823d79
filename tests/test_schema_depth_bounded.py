"""The depth-bounded verdict (``dynclient/_schema/depth.py``, ``SchemaEngine.bounded``).

A response's verdict and its depth bound are checked in one jsonschema-rs walk once a schema
has been validated before. The copy the engine compiles for that must never accept what the
spec refuses, never accept a value past the depth limit, and must bound every response schema
of Polar's specs; a response past the limit is refused on every call, in every mode.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

import httpx
import hypothesis.strategies as st
import jsonschema_rs
import pytest
from conftest import POLAR_CURRENT, ROOT, Api, json_response
from hypothesis import example, given

import dynclient
from dynclient._limits import MAX_DATA_DEPTH
from dynclient._schema.depth import DEPTH_KEY, depth_bounded
from dynclient._validation import SchemaEngine

URI = "urn:test:doc"
LIMIT = 4  # small, so generated values cross it


def engine_of(client: Any) -> SchemaEngine:
    engine: SchemaEngine = client._runtime.engine  # the spec's shared runtime
    return engine


def depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(depth, value), default=0)
    return 0


def nested(levels: int) -> Any:
    value: Any = 1
    for i in range(levels):  # exactly ``levels`` deep, arrays and objects in turn
        value = [value] if i % 2 else {"x": value}
    return value


# Schemas chosen for the ways a careless bound goes wrong: a oneOf whose branch admitting less
# admits more overall, not / if / contains, a component shared by a oneOf and a plain property,
# true schemas, prefixItems, patternProperties, a recursive schema, allOf and anyOf.
SCHEMAS: dict[str, Any] = {
    "Free": {},
    "Object": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/Free"}}},
    "OneOfTrue": {"oneOf": [True, {"type": "array"}]},
    "OneOfShared": {"oneOf": [{"$ref": "#/components/schemas/Shared"}, {"type": "object", "required": ["b"]}]},
    "Shared": {"type": "object", "properties": {"a": {}}},
    "UsesShared": {"type": "object", "properties": {"s": {"$ref": "#/components/schemas/Shared"}}},
    "Not": {"not": {"type": "object", "properties": {"a": {"type": "array"}}, "required": ["a"]}},
    "IfThen": {"if": {"type": "array"}, "then": {"items": {"type": "array"}}, "else": {"type": "object"}},
    "Contains": {"type": "array", "contains": {"type": "array"}, "maxContains": 1},
    "Tuple": {"type": "array", "prefixItems": [{"type": "integer"}, True]},
    "Patterns": {"type": "object", "patternProperties": {"^a": {"type": "array"}}, "additionalProperties": True},
    "Tree": {
        "type": "object",
        "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Tree"}}},
    },
    "AllOf": {"allOf": [{"$ref": "#/components/schemas/Object"}, {"required": ["a"]}]},
    "AnyOf": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/Tree"}, True]},
    # bounded in place (by Wide) while holding a oneOf: only freezing the oneOf's branches
    # keeps a value both branches accept from passing once one of them admits less
    "Wide": {"type": "object", "properties": {"a": {"type": "object", "properties": {"z": {}}}}},
    "MaskedOneOf": {
        "allOf": [{"$ref": "#/components/schemas/Wide"}],
        "oneOf": [{"$ref": "#/components/schemas/Shared"}, {"type": "object", "required": ["b"]}],
    },
    "Closed": {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": False},
}
DOC = {"openapi": "3.1.0", "components": {"schemas": SCHEMAS}}
FROZEN = {"Shared"}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.sampled_from(["", "a"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["a", "b", "x", "z", "kids", "s"]), inner, max_size=3)
    ),
    max_leaves=12,
)


@functools.cache
def validators(name: str) -> tuple[Callable[[Any], bool], Callable[[Any], bool] | None]:
    ref = {"$ref": f"{URI}#/components/schemas/{name}"}
    original = jsonschema_rs.validator_for(ref, registry=jsonschema_rs.Registry([(URI, DOC)])).is_valid
    copy = depth_bounded(DOC, LIMIT)
    assert copy is not None
    if not copy.bounds(f"/components/schemas/{name}"):
        return original, None
    bounded = jsonschema_rs.validator_for(ref, registry=jsonschema_rs.Registry([(URI, copy.document)])).is_valid
    return original, bounded


@pytest.mark.parametrize("name", sorted(SCHEMAS))
@given(value=json_values)
@example(value={"a": {"z": [1]}, "b": 1})  # MaskedOneOf's trap (found by hand; hypothesis rarely gets there)
@example(value={"a": {"z": {"a": 1}}, "b": 1})
def test_the_copy_accepts_only_what_the_spec_accepts_within_the_limit(name: str, value: Any) -> None:
    original, bounded = validators(name)
    # every schema here bounds its value, but one a oneOf reaches: it keeps its exact meaning,
    # and whoever holds it (UsesShared) bounds it instead
    assert (bounded is None) == (name in FROZEN)
    if bounded is not None and bounded(value):
        assert original(value) and depth(value) <= LIMIT, value


def shaped(k: int) -> list[Any]:
    """Values nested k deep below the places the schemas above describe."""
    inner = [nested(k), [nested(k)], {"z": nested(k)}, {"a": nested(k)}]
    return [
        *inner,
        *({"a": v} for v in inner),
        *({"a": v, "b": 1} for v in inner),
        *({"s": v} for v in inner),
        {"kids": [{"kids": [v]} for v in inner]},
        [1, *inner],
    ]


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_copy_holds_the_limit_exactly_where_the_schemas_reach(name: str) -> None:
    """Every depth around the limit, at every place the schemas describe (what random values
    rarely hit): a value the copy accepts is valid and within the limit."""
    original, bounded = validators(name)
    if bounded is None:
        return
    accepted = [v for k in range(LIMIT + 3) for v in shaped(k) if bounded(v)]
    assert accepted  # not vacuous
    assert all(original(v) and depth(v) <= LIMIT for v in accepted)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_the_copy_is_not_needlessly_strict_on_shallow_values(name: str) -> None:
    """Conservative, but not absurd: a valid value two levels shallower than the limit passes."""
    original, bounded = validators(name)
    if bounded is None:
        assert name in FROZEN
        return
    candidates: list[Any] = [[], {}, [1], {"a": 1}, {"a": [1]}, [[1]], {"kids": []}, 1, "a", None]
    shallow = [v for v in candidates if original(v)]
    assert shallow and all(bounded(v) for v in shallow if depth(v) <= LIMIT - 2)


def test_the_chain_and_what_cannot_be_bounded() -> None:
    copy = depth_bounded(DOC, LIMIT)
    assert copy is not None
    chain = copy.document[DEPTH_KEY]
    assert "d0" in chain and len(chain) <= LIMIT + 1
    assert DEPTH_KEY not in DOC and SCHEMAS["Free"] == {}  # the document itself is never touched
    unevaluated = {"components": {"schemas": {"A": {"type": "object", "unevaluatedProperties": False}}}}
    remote = {"components": {"schemas": {"A": {"$ref": "https://example.com/a.json"}}}}
    assert depth_bounded(unevaluated, LIMIT) is None and depth_bounded(remote, LIMIT) is None
    assert depth_bounded(DOC, 0) is None and depth_bounded([], LIMIT) is None


@pytest.mark.parametrize("spec", [None, POLAR_CURRENT], ids=["bundled", "polar-full"])
def test_every_response_schema_of_polar_is_bounded(spec: Any) -> None:
    client = dynclient.Client(spec, access_token="polar_oat_test-token-0123456789")
    engine = engine_of(client)
    pointers = {r.schema.pointer for op in client.spec for r in op.responses if r.schema is not None}
    assert len(pointers) > 10
    assert all(engine.bounded(p) is not None for p in pointers)


def test_valid_polar_payloads_pass_the_bounded_verdict() -> None:
    from payloads import customer, customer_state

    client = dynclient.Client(access_token="polar_oat_test-token-0123456789")
    engine = engine_of(client)
    page = {"items": [customer(i) for i in range(20)], "pagination": {"total_count": 20, "max_page": 1}}
    checks = [
        ("/components/schemas/ListResource_Customer_", page),
        ("/components/schemas/CustomerState", customer_state()),
    ]
    for pointer, value in checks:
        verdict = engine.bounded(pointer)
        assert verdict is not None and engine.for_pointer(pointer).is_valid(value) and verdict(value)
        assert not verdict({**value, "extra": nested(MAX_DATA_DEPTH + 5)})  # valid for the spec, too deep


# -- through the client: every call, every mode ------------------------------------------------
PAGE: dict[str, Any] = {"items": [], "pagination": {"total_count": 0, "max_page": 0}}


@pytest.mark.parametrize("mode", ["compatible", "strict", "warn", "off"])
def test_a_response_past_the_limit_is_refused_on_every_call(make_api: Callable[..., Api], mode: str) -> None:
    """The spec allows extra properties, so only the depth limit refuses this page; the first
    call measures by walking, later ones by the bounded verdict: both refuse it."""
    deep = {**PAGE, "extra": nested(MAX_DATA_DEPTH + 1)}
    api = make_api(lambda r: json_response(200, deep), validate_responses=mode)
    for _ in range(4):
        with pytest.raises(dynclient.ResponseValidationError) as info:
            api.call("customers_list")
        (error,) = info.value.errors
        assert error.keyword == "depth" and error.location.startswith("body.extra")


@pytest.mark.parametrize("mode", ["compatible", "strict"])
def test_a_deep_but_allowed_response_still_passes_on_every_call(make_api: Callable[..., Api], mode: str) -> None:
    """Past the copy's conservative bound but within the limit: the usual way accepts it."""
    allowed = {**PAGE, "extra": nested(MAX_DATA_DEPTH - 2)}
    api = make_api(lambda r: json_response(200, allowed), validate_responses=mode)
    for _ in range(4):
        assert api.call("customers_list") == allowed


def test_the_bounded_verdict_is_made_on_a_schema_second_validation(make_api: Callable[..., Api]) -> None:
    doc = json.loads((ROOT / "specs" / "polar-customers.openapi.json").read_text(encoding="utf-8"))
    doc["info"]["description"] = f"a spec of this test alone ({id(doc)})"  # a runtime of its own
    api = make_api(lambda r: json_response(200, PAGE), spec=dynclient.load_spec(doc), validate_responses="compatible")
    engine = engine_of(api.client)
    assert engine._bounded == {}
    api.call("customers_list")
    assert engine._bounded == {}  # the first call walks: a cold start never pays for the copy
    api.call("customers_list")
    api.call("customers_list")
    (ok,) = [r for r in api.client.operations["customers_list"].responses if r.status == "200"]
    assert ok.schema is not None and list(engine._bounded) == [ok.schema.pointer]


def test_the_python_engine_has_no_bounded_verdict_and_still_refuses(make_api: Callable[..., Api]) -> None:
    deep = {**PAGE, "extra": nested(MAX_DATA_DEPTH + 1)}
    api = make_api(lambda r: json_response(200, deep), validate_responses="strict", engine="python")
    for _ in range(3):
        with pytest.raises(dynclient.ResponseValidationError):
            api.call("customers_list")
    assert engine_of(api.client).bounded("/components/schemas/ListResource_Customer_") is None


def test_nan_in_a_response_never_escapes_as_a_raw_error(make_api: Callable[..., Api]) -> None:
    body = b'{"items": [], "pagination": {"total_count": NaN, "max_page": 0}}'
    api = make_api(
        lambda r: httpx.Response(200, content=body, headers={"content-type": "application/json"}),
        validate_responses="strict",
    )
    for _ in range(3):
        with pytest.raises(dynclient.ResponseValidationError):
            api.call("customers_list")


def test_spec_files_are_untouched() -> None:
    before = (ROOT / "specs" / "polar-customers.openapi.json").read_bytes()
    engine_of(dynclient.Client(access_token="polar_oat_test-token-0123456789")).bounded(
        "/components/schemas/ListResource_Customer_"
    )
    assert (ROOT / "specs" / "polar-customers.openapi.json").read_bytes() == before
    assert json.loads(before)["components"]["schemas"]["ListResource_Customer_"].get("additionalProperties") is None


# -- what an adversarial review found (each was a counterexample or a crash before the fix) ----
def _doc(**schemas: Any) -> dict[str, Any]:
    return {"components": {"schemas": schemas}}


X_ARRAY = {"type": "object", "properties": {"a": {"type": "array"}}}
X_ALLOF = {"type": "object", "properties": {"a": {"allOf": [{}, {"type": "integer"}]}}}
X_NESTED = {"type": "object", "properties": {"a": {"type": "object", "properties": {"b": {"type": "integer"}}}}}
REF_A = {"$ref": "#/components/schemas/X/properties/a"}
REVIEWED: dict[str, tuple[dict[str, Any], str, int]] = {
    # a member replaced in its parent changed what a path $ref from under `not` named
    "not-through-a-member-path": (_doc(X=X_ARRAY, N={"not": REF_A}), "N", 2),
    "oneOf-through-a-member-path": (_doc(X=X_ARRAY, N={"oneOf": [REF_A, {"type": "array", "maxItems": 5}]}), "N", 2),
    # a path that went through a replaced member landed on the depth chain
    "path-shifted-onto-the-chain": (
        _doc(X=X_ALLOF, F={"not": REF_A}, R={"$ref": "#/components/schemas/X/properties/a/allOf/1"}),
        "R",
        3,
    ),
    # a $ref looked up again in the changed copy: a raw error escaped
    "ref-resolved-after-a-change": (
        _doc(X=X_NESTED, F={"not": REF_A}, R={"$ref": "#/components/schemas/X/properties/a/properties/b"}),
        "R",
        3,
    ),
    # a $ref into data: the const value was rewritten as if it were a schema
    "ref-into-const": (_doc(X={"const": {"type": "object"}}, Y={"$ref": "#/components/schemas/X/const"}), "Y", 3),
}
VALUES: list[Any] = [1, "s", [1], [[1]], [[[1]]], {"type": "object"}, {"a": [[1]]}, {"a": {"b": 1}}, {"a": 1}]


@pytest.mark.parametrize("case", sorted(REVIEWED))
def test_what_the_review_found_holds(case: str) -> None:
    doc, name, limit = REVIEWED[case]
    copy = depth_bounded(doc, limit)  # never raises
    if copy is None or not copy.bounds(f"/components/schemas/{name}"):
        return
    ref = {"$ref": f"{URI}#/components/schemas/{name}"}
    original = jsonschema_rs.validator_for(ref, registry=jsonschema_rs.Registry([(URI, doc)])).is_valid
    bounded = jsonschema_rs.validator_for(ref, registry=jsonschema_rs.Registry([(URI, copy.document)])).is_valid
    for value in VALUES:
        if bounded(value):
            assert original(value) and depth(value) <= limit, value


def test_a_document_that_has_the_chain_key_already_gets_no_copy() -> None:
    """The chain's key is the copy's own: a document using it is left to the usual way."""
    doc = {DEPTH_KEY: {"d1": {"type": "integer"}}, **_doc(X={"$ref": f"#/{DEPTH_KEY}/d1"})}
    assert depth_bounded(doc, 3) is None
    assert depth_bounded(_doc(X={"const": {"type": "object"}}, Y={"$ref": "#/components/schemas/X/const"}), 3) is None
