"""Invalid calls raise RequestValidationError naming each bad field, and send nothing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from payloads import CUSTOMER_ID, ORG_ID

import dynclient

GOOD_CREATE = {"email": "customer@example.com", "type": "individual"}


def body(**changes: Any) -> dict[str, Any]:
    out = dict(GOOD_CREATE)
    for k, v in changes.items():
        if v is ...:
            out.pop(k, None)
        else:
            out[k] = v
    return out


# (operation, arguments, locations expected to be named)
BAD_CALLS: list[tuple[str, dict[str, Any], set[str]]] = [
    # wrong types
    ("customers_list", {"limit": "ten"}, {"query.limit"}),
    ("customers_list", {"page": 1.5}, {"query.page"}),
    ("customers_list", {"active": "yes"}, {"query.active"}),
    ("customers_list", {"email": 42}, {"query.email"}),
    ("customers_list", {"sorting": "-created_at"}, {"query.sorting"}),
    ("customers_delete", {"id": CUSTOMER_ID, "anonymize": "true"}, {"query.anonymize"}),
    ("customers_get_external", {"external_id": 1337}, {"path.external_id"}),
    # enum values
    ("customers_list", {"sorting": ["-updated_at"]}, {"query.sorting[0]"}),
    ("customers_list", {"sorting": ["email", "bogus"]}, {"query.sorting[1]"}),
    # out of range
    ("customers_list", {"limit": 0}, {"query.limit"}),
    ("customers_list", {"page": -1}, {"query.page"}),
    # uuid4
    ("customers_get", {"id": "not-a-uuid"}, {"path.id"}),
    ("customers_get", {"id": "1dbfc517-0bbf-1301-9ba8-555ca42b9737"}, {"path.id"}),  # version 1, not 4
    ("customers_get_state", {"id": "1dbfc517-0bbf-4301-7ba8-555ca42b9737"}, {"path.id"}),  # bad variant
    ("customers_export", {"organization_id": "xyz"}, {"query.organization_id"}),
    ("customers_list", {"organization_id": [ORG_ID, "nope"]}, {"query.organization_id[1]"}),
    # metadata filter
    ("customers_list", {"metadata": {"plan": {"nested": 1}}}, {"query.metadata.plan"}),
    ("customers_list", {"metadata": "plan=pro"}, {"query.metadata"}),
    # missing required
    ("customers_get", {}, {"path.id"}),
    ("customers_update", {"id": CUSTOMER_ID}, {"body"}),
    ("customers_create", {}, {"body"}),
    ("customers_get_external", {"external_id": ""}, {"path.external_id"}),
    # unknown keyword arguments
    ("customers_list", {"limt": 10}, {"argument.limt"}),
    ("customers_get", {"id": CUSTOMER_ID, "anonymize": True}, {"argument.anonymize"}),
    ("customers_export", {"body": {}}, {"argument.body"}),
    # bad nested body fields
    ("customers_create", {"body": body(billing_address={"country": "XX"})}, {"body.billing_address.country"}),
    ("customers_create", {"body": body(billing_address={"line1": "1 Main St"})}, {"body.billing_address.country"}),
    ("customers_create", {"body": body(email="not-an-email")}, {"body.email"}),
    ("customers_create", {"body": body(email=...)}, {"body.email"}),
    ("customers_create", {"body": body(organization_id="abc")}, {"body.organization_id"}),
    ("customers_create", {"body": body(metadata={"k" * 41: "v"})}, {"body.metadata"}),
    ("customers_create", {"body": body(metadata={"plan": ""})}, {"body.metadata.plan"}),
    ("customers_create", {"body": body(name="x" * 257)}, {"body.name"}),
    ("customers_create", {"body": body(owner={"email": "bad"})}, {"body.owner.email"}),
    ("customers_create", {"body": ["not", "an", "object"]}, {"body"}),
    ("customers_update", {"id": CUSTOMER_ID, "body": {"type": "robot"}}, {"body.type"}),
    (
        "customers_update",
        {"id": CUSTOMER_ID, "body": {"billing_address": {"country": "us"}}},
        {"body.billing_address.country"},
    ),
    ("customers_update_external", {"external_id": "x", "body": {"email": 5}}, {"body.email"}),
    # several problems at once: each is named
    (
        "customers_list",
        {"limit": "ten", "page": 0, "sorting": ["nope"]},
        {"query.limit", "query.page", "query.sorting[0]"},
    ),
    (
        "customers_update",
        {"id": "bad", "body": {"billing_address": {"country": "ZZ"}}},
        {"path.id", "body.billing_address.country"},
    ),
]


def test_there_are_at_least_thirty_distinct_bad_calls() -> None:
    assert len({(op, repr(sorted(args.items()))) for op, args, _ in BAD_CALLS}) >= 30


@pytest.mark.parametrize(("operation", "arguments", "locations"), BAD_CALLS)
def test_bad_call_is_rejected_before_sending(
    make_api: Any, operation: str, arguments: dict[str, Any], locations: set[str]
) -> None:
    api = make_api(lambda _r: httpx.Response(500))
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call(operation, **arguments)
    err = info.value
    assert set(err.locations) == locations, str(err)
    assert err.operation == operation
    assert all(e.message for e in err.errors)
    for loc in locations:
        assert loc in str(err)
    assert api.sent == []


def test_messages_are_short_for_large_enums() -> None:
    client = dynclient.Client()
    with pytest.raises(dynclient.RequestValidationError) as info:
        client.build_request("customers_create", body=body(billing_address={"country": "XX"}))  # type: ignore[call-overload]
    message = info.value.errors[0].message
    assert "'XX' is not one of" in message and "allowed values" in message
    assert len(message) < 200


def test_discriminated_request_body_names_the_variant_field() -> None:
    client = dynclient.Client()
    with pytest.raises(dynclient.RequestValidationError) as info:
        client.build_request("customers_create", body={"type": "team", "owner": {"email": "x"}})
    assert "body.owner.email" in info.value.locations


def test_unknown_argument_suggests_the_right_one() -> None:
    client = dynclient.Client()
    with pytest.raises(dynclient.RequestValidationError, match="did you mean 'limit'"):
        client.build_request("customers_list", limt=3)  # type: ignore[call-overload]  # the checkers say so too


def test_non_json_values_are_rejected_not_crashing() -> None:
    import uuid

    client = dynclient.Client()
    with pytest.raises(dynclient.RequestValidationError) as info:
        client.build_request("customers_get", id=uuid.UUID(CUSTOMER_ID))  # type: ignore[call-overload]
    assert info.value.locations == ("path.id",)
