"""openapi-core (an independent OpenAPI 3.1 implementation) as the oracle for what goes on the wire.

- Valid inputs, generated from the spec's schemas, are built into requests by dynclient
  (never sent) and every one must pass openapi-core's request validator.
- Invalid inputs (one fault each) must be refused by dynclient before sending; those whose
  fault survives serialization are built without dynclient's check and openapi-core must
  refuse them too.
- Generated valid responses must pass dynclient's strict response validation and
  openapi-core's; single-fault mutations must fail both.

openapi-core's copy of the spec is adjusted in code (``_support.oracle_document``); each
adjustment is listed and justified in docs/peers.md.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from conftest import internals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker

import dynclient
from dynclient import RequestValidationError

from ._mutate import Shape, Walker
from ._support import (
    CORE_OPS,
    arguments_strategy,
    bundled_document,
    count,
    is_uuid4_independent,
    offline_client,
    oracle,
    oracle_rejects_request,
    oracle_rejects_response,
    schema_strategy,
    spec,
    strategies,
    unchecked,
)

SUITE = "oracle"
REQUESTS_PER_OP = 180
RESPONSES_PER_STATUS = 12
_SETTINGS = settings(
    max_examples=REQUESTS_PER_OP,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)

_FORMATS = FormatChecker()
_FORMATS.checks("uuid4")(internals(is_uuid4_independent))  # a (str) -> bool check, as jsonschema calls it


@pytest.fixture(scope="module")
def client() -> dynclient.Client:
    return offline_client()


def test_oracle_copy_adjustments_are_the_documented_ones() -> None:
    api, notes = oracle()
    kinds = {n.kind for n in notes}
    assert kinds == {"openIdConnect", "deepObject-explode", "anyOf-param"}
    # the original document is left as it was
    doc = bundled_document()
    assert doc["components"]["securitySchemes"]["oidc"]["type"] == "openIdConnect"
    assert api is not None


def test_unadjusted_spec_trips_openapi_core() -> None:
    """Why the copy exists: openapi-core 0.23.1 cannot take Polar's spec as it is."""
    import warnings

    from openapi_core import OpenAPI

    raw = OpenAPI.from_dict(json.loads(json.dumps(bundled_document())))
    from ._support import OracleRequest

    # anyOf without a top-level type: one sorting value is not read as an array
    req = offline_client().build_request("customers_list", sorting=["-created_at"])
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(Exception, match="sorting"):
            raw.validate_request(OracleRequest(req))
    assert any("Unsupported scheme type" in str(w.message) for w in seen)  # openIdConnect
    # deepObject without explode: not read at all
    req = offline_client().build_request("customers_list", metadata={"k": "v"})
    with warnings.catch_warnings(record=True), pytest.raises(Exception, match="metadata"):
        warnings.simplefilter("always")
        raw.validate_request(OracleRequest(req))


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_generated_requests_pass_openapi_core(client: dynclient.Client, op_name: str) -> None:
    rejected: list[str] = []
    refused: list[str] = []

    @_SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        args = data.draw(arguments_strategy(op_name), label="arguments")
        try:
            request = internals(client).build_request(op_name, **args)
        except RequestValidationError as exc:
            refused.append(f"{args!r}: {exc}")
            return
        count(SUITE, "generated requests")
        problem = oracle_rejects_request(request)
        if problem is not None:
            rejected.append(
                f"{request.method} {request.url} body={request.content[:200]!r}: {problem!r} ({problem.__cause__!r})"
            )

    check()
    count(SUITE, "operations")
    count(SUITE, "rejected by openapi-core", len(rejected))
    assert refused == [], f"dynclient refused valid input: {refused[:3]}"
    assert rejected == [], f"openapi-core rejected: {rejected[:3]}"


# -- invalid inputs --------------------------------------------------------------------------------


def _argument_schema(op: dynclient.Operation) -> dict[str, Any]:
    props: dict[str, Any] = {p.name: p.schema.raw for p in op.parameters}
    required = [p.name for p in op.parameters if p.required]
    if op.request_body is not None and op.request_body.schema is not None:
        props["body"] = op.request_body.schema.raw
        if op.request_body.required:
            required.append("body")
    return {"type": "object", "properties": props, "required": required}


def _reference(schema: Mapping[str, Any]) -> Draft202012Validator:
    v = strategies().validator(schema)
    return Draft202012Validator(v.schema, registry=v._registry, format_checker=_FORMATS)  # type: ignore[attr-defined]


def _argument_shapes(walker: Walker, op: dynclient.Operation) -> list[Shape]:
    """Full argument sets; a oneOf body gives one per branch."""
    schema = _argument_schema(op)
    base_shapes = walker.full(
        {k: v for k, v in schema.items() if k != "properties"}
        | {"properties": {k: v for k, v in schema["properties"].items() if k != "body"}}
    )
    if "body" not in schema["properties"]:
        return base_shapes
    out = []
    for body_shape in walker.full(schema["properties"]["body"]):
        shape = Shape({**base_shapes[0].value, "body": body_shape.value})
        shape.leaves = list(base_shapes[0].leaves) + [
            type(leaf)(("body", *leaf.path), leaf.schema) for leaf in body_shape.leaves
        ]
        shape.objects = list(base_shapes[0].objects) + [(("body", *p), o) for p, o in body_shape.objects]
        out.append(shape)
    return out


def _wire_visible(op: dynclient.Operation, label: str) -> bool:
    """Would this fault still be visible after serialization into a URL?"""
    where = label.split(" at /", 1)[1] if " at /" in label else ""
    head = where.split("/", 1)[0]
    if head == "body":
        return True
    params = {p.name: p for p in op.parameters}
    p = params.get(head)
    if p is None or label.startswith("missing"):
        return False
    if label.startswith("wrong type"):
        allowed = Walker(bundled_document()).allowed_types(p.schema.raw)
        return allowed is not None and "string" not in allowed
    return True


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_invalid_inputs_refused_by_dynclient_and_openapi_core(client: dynclient.Client, op_name: str) -> None:
    op = spec()[op_name]
    walker = Walker(bundled_document())
    reference = _reference(_argument_schema(op))
    accepted: list[str] = []
    oracle_missed: list[str] = []
    n = 0
    for shape in _argument_shapes(walker, op):
        assert reference.is_valid(shape.value), f"the unmutated arguments must be valid: {shape.value!r}"
        assert internals(client).build_request(op_name, **shape.value) is not None
        for label, mutated in walker.mutations(shape):
            if label.endswith(" at /") or reference.is_valid(mutated):
                continue  # not an argument-level fault, or one another branch still accepts
            n += 1
            try:
                internals(client).build_request(op_name, **mutated)
            except RequestValidationError:
                pass
            else:
                accepted.append(label)
                continue
            if not _wire_visible(op, label):
                continue
            try:
                with unchecked(client, op_name):
                    request = internals(client).build_request(op_name, **mutated)
            except (TypeError, ValueError, RequestValidationError):
                continue  # cannot be put on the wire at all (serializing refuses it, by name)
            count(SUITE, "invalid inputs confirmed by openapi-core")
            if oracle_rejects_request(request) is None:
                oracle_missed.append(f"{label}: {request.url} {request.content[:200]!r}")
    count(SUITE, "invalid inputs refused by dynclient", n - len(accepted))
    assert n > 0
    assert accepted == [], f"dynclient accepted invalid input: {accepted}"
    assert oracle_missed == [], f"openapi-core accepted: {oracle_missed}"


# -- responses -------------------------------------------------------------------------------------


def _json_responses() -> list[tuple[str, str, str]]:
    out = []
    for name in CORE_OPS:
        for r in spec()[name].responses:
            if r.schema is not None:
                out.append((name, r.status, r.media_type or ""))
    return out


def _response(request: httpx.Request, status: int, media: str, value: Any) -> httpx.Response:
    if media.endswith("json"):
        return httpx.Response(
            status, content=json.dumps(value).encode(), headers={"Content-Type": media}, request=request
        )
    return httpx.Response(status, text=str(value), headers={"Content-Type": media}, request=request)


def _sample_request(client: dynclient.Client, op_name: str) -> httpx.Request:
    walker = Walker(bundled_document())
    shape = _argument_shapes(walker, spec()[op_name])[0]
    request: httpx.Request = internals(client).build_request(op_name, **shape.value)
    return request


@pytest.mark.parametrize(("op_name", "status", "media"), _json_responses())
def test_generated_responses_pass_both(client: dynclient.Client, op_name: str, status: str, media: str) -> None:
    op = spec()[op_name]
    declared = next(r for r in op.responses if r.status == status)
    assert declared.schema is not None
    prep = internals(client)._prepared(op_name)
    request = _sample_request(client, op_name)
    code = int(status)
    failures: list[str] = []

    values = schema_strategy(declared.schema.raw)
    if not media.endswith("json"):
        # openapi-core reports an empty body as missing data even where the schema (a string)
        # allows "", so non-JSON bodies are generated non-empty (docs/peers.md)
        values = values.filter(lambda v: v != "")

    @settings(
        max_examples=RESPONSES_PER_STATUS,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(values)
    def check(value: Any) -> None:
        response = _response(request, code, media, value)
        count(SUITE, "generated responses")
        if code < 400:
            _, problem = prep.decode(response, "strict")
            if problem is not None:
                failures.append(f"dynclient: {problem}")
        else:
            with pytest.raises(dynclient.APIError) as info:
                prep.decode(response, "strict")
            expected = getattr(client.errors, declared.schema_title or "", dynclient.APIError)
            assert isinstance(info.value, expected)
        problem = oracle_rejects_response(request, response)
        if problem is not None:
            failures.append(f"openapi-core: {problem!r} ({problem.__cause__!r}) for {value!r}"[:600])

    check()
    assert failures == [], failures[:3]


_SUCCESS_JSON = [(o, s, m) for (o, s, m) in _json_responses() if s.startswith("2") and m.endswith("json")]


@pytest.mark.parametrize(("op_name", "status", "media"), _SUCCESS_JSON)
def test_mutated_responses_fail_both(client: dynclient.Client, op_name: str, status: str, media: str) -> None:
    op = spec()[op_name]
    declared = next(r for r in op.responses if r.status == status)
    assert declared.schema is not None
    walker = Walker(bundled_document())
    reference = _reference(declared.schema.raw)
    prep = internals(client)._prepared(op_name)
    request = _sample_request(client, op_name)
    kinds: set[str] = set()
    dyn_missed: list[str] = []
    oracle_missed: list[str] = []
    for shape in walker.full(declared.schema.raw):
        assert reference.is_valid(shape.value)
        ok = _response(request, int(status), media, shape.value)
        assert prep.decode(ok, "strict")[1] is None
        assert oracle_rejects_response(request, ok) is None
        for label, mutated in walker.mutations(shape):
            if reference.is_valid(mutated):
                continue
            kinds.add("missing" if label.startswith("missing") else label.split(" at ")[0])
            count(SUITE, "mutated responses")
            response = _response(request, int(status), media, mutated)
            if prep.decode(response, "strict")[1] is None:
                dyn_missed.append(label)
            if oracle_rejects_response(request, response) is None:
                oracle_missed.append(label)
    assert {"missing", "wrong type", "bad const"} <= kinds  # bad const on "type" = a bad discriminator
    assert dyn_missed == [], f"dynclient accepted: {dyn_missed}"
    assert oracle_missed == [], f"openapi-core accepted: {oracle_missed}"


def test_empty_query_value_refused_as_openapi_core_does(client: dynclient.Client) -> None:
    """Found by this oracle: ``?email=`` needs allowEmptyValue, which the spec never sets.

    dynclient used to send it (the schema, a string, allows ""); it now refuses it up front.
    """
    with pytest.raises(RequestValidationError) as info:
        internals(client).build_request("customers_list", email="")
    assert info.value.locations == ("query.email",)
    with unchecked(client, "customers_list"):
        request = internals(client).build_request("customers_list", email="")
    assert request.url.query == b"email="
    problem = oracle_rejects_request(request)
    assert problem is not None and "email" in repr(problem)
