"""Polar's whole spec (127 paths) loads and works: every operation prepared, form bodies, pagination."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import httpx
import pytest
from conftest import POLAR_CURRENT, POLAR_OLD

import dynclient
from dynclient._operation import runtime_for


@pytest.fixture(scope="module")
def full() -> dynclient.ApiSpec:
    return dynclient.load_spec(POLAR_CURRENT)


def test_full_spec_loads_and_every_validator_compiles(full: dynclient.ApiSpec) -> None:
    assert len({op.path for op in full}) == 127
    runtime = runtime_for(full)
    compiled = 0
    for op in full:
        prepared = runtime.prepared(op.name)
        prepared._input_validator()
        for response in op.responses:
            compiled += prepared._response_validator(response) is not None
    assert compiled > 300
    assert len(dynclient.load_spec(POLAR_OLD)) > 150


def test_recursive_schemas_validate(full: dynclient.ApiSpec) -> None:
    engine = runtime_for(full).engine
    schema = engine.for_pointer("/components/schemas/Filter")
    nested: dict[str, Any] = {
        "conjunction": "and",
        "clauses": [{"conjunction": "or", "clauses": [{"property": "name", "operator": "eq", "value": "x"}]}],
    }
    assert schema.is_valid(nested)
    nested["clauses"][0]["clauses"][0]["operator"] = "nope"
    assert not schema.is_valid(nested)
    assert [e.location for e in schema.errors(nested, "body")] == ["body.clauses[0].clauses[0].operator"]


def test_form_encoded_body(full: dynclient.ApiSpec) -> None:
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={})

    client: Any = dynclient.Client(  # the whole spec's client: not the one the stubs type
        full, http_client=httpx.Client(transport=httpx.MockTransport(handler)), validate_responses="off"
    )
    client.call("oauth2_revoke_token", body={"token": "t o&k", "client_id": "c", "client_secret": "s"})
    request = sent[0]
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qsl(request.content.decode()) == [("token", "t o&k"), ("client_id", "c"), ("client_secret", "s")]
    with pytest.raises(dynclient.RequestValidationError) as info:
        client.call("oauth2_revoke_token", body={"token": "t"})
    assert set(info.value.locations) == {"body.client_id", "body.client_secret"}
    assert len(sent) == 1


def test_groups_nest_from_operation_id_segments(full: dynclient.ApiSpec) -> None:
    client = dynclient.Client(full)
    assert callable(client.customers.members.get)
    assert callable(client.customer_portal.customers.get)
    assert client.operations["customers_members_get"].group == ("customers", "members")
