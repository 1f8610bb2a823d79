"""Drift that does not sink a 200 (issue 11): ``validate_responses="compatible"``, the default.

Against ``tests/_polar_server.py`` (a real HTTP server on 127.0.0.1), with ``Client`` and
``AsyncClient``: a new enum value deep in a list item, an unknown discriminator value and an
extra property under ``additionalProperties: false`` (a spec edited in code) each come back
unchanged with exactly one ``ResponseDriftWarning`` over 100 calls; violations still raise;
the four modes side by side.
"""

from __future__ import annotations

import copy
import logging
import warnings
from typing import Any

import pytest
from _polar_server import Api, PolarServer, fixtures
from _server import Reply
from payloads import CUSTOMER_ID, customer, customer_page

import dynclient

GET_PATH = f"/v1/customers/{CUSTOMER_ID}"
CALLS = 100


polar, make = fixtures(retry=dynclient.RetryPolicy.none())


def drift_warnings(record: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, dynclient.ResponseDriftWarning)]


def with_new_country(page: dict[str, Any], index: int) -> dict[str, Any]:
    out = copy.deepcopy(page)
    out["items"][index]["billing_address"]["country"] = "XK"  # Kosovo: a code the spec does not list yet
    return out


def strict_address_spec() -> dict[str, Any]:
    """The bundled spec with ``additionalProperties: false`` on Address (an edit in code)."""
    doc = copy.deepcopy(dict(dynclient.load_spec().document))
    doc["components"]["schemas"]["Address"]["additionalProperties"] = False
    return doc


async def calls(api: Api, operation: str, n: int = CALLS, **arguments: Any) -> list[Any]:
    return [await api.call(operation, **arguments) for _ in range(n)]


# -- the three kinds of additive drift, 100 calls, one warning ---------------------------------------


async def test_a_new_enum_value_deep_in_a_list_item_warns_once(make: Any, polar: PolarServer, caplog: Any) -> None:
    page = with_new_country(customer_page(20), 13)
    polar.force("GET", "/v1/customers/", [Reply(200, json=page)])
    api = make()
    with caplog.at_level(logging.INFO, logger="dynclient"), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = await calls(api, "customers_list")
    assert all(r == page for r in results)  # returned as it came
    found = drift_warnings(record)
    assert len(found) == 1
    message = found[0]
    for needed in ("customers_list", "body.items[13].billing_address.country", "'XK'", "'AD', 'AE'", "allowed values"):
        assert needed in message
    assert "dynclient spec update" in message
    logged = [r for r in caplog.records if "does not know yet" in r.getMessage()]
    assert len(logged) == 1 and logged[0].levelno == logging.INFO


async def test_the_same_new_value_in_every_item_is_still_one_warning(make: Any, polar: PolarServer) -> None:
    page = customer_page(100)
    for item in page["items"]:
        item["billing_address"]["country"] = "XK"
    polar.force("GET", "/v1/customers/", [Reply(200, json=page)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = await calls(make(), "customers_list")
    assert results[-1] == page
    found = drift_warnings(record)
    assert len(found) == 1
    assert "and 99 more places like it" in found[0]


async def test_an_unknown_discriminator_value_warns_once(make: Any, polar: PolarServer) -> None:
    robot = {**customer(0), "type": "robot"}  # a new kind of customer
    polar.customers[CUSTOMER_ID] = robot
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = await calls(make(), "customers_get", id=CUSTOMER_ID)
    assert all(r == robot for r in results)
    found = drift_warnings(record)
    assert len(found) == 1
    assert "body.type" in found[0] and "'robot'" in found[0] and "'individual', 'team'" in found[0]


async def test_an_extra_property_under_additional_properties_false_warns_once(make: Any, polar: PolarServer) -> None:
    extra = customer(0)
    extra["billing_address"]["county"] = "Kings"
    polar.customers[CUSTOMER_ID] = extra
    api = make(strict_address_spec())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        results = await calls(api, "customers_get", id=CUSTOMER_ID)
    assert all(r == extra for r in results)
    found = drift_warnings(record)
    assert len(found) == 1
    assert "body.billing_address.county" in found[0] and "unknown field" in found[0]
    # the same edit refuses the field in strict mode (so the edit is real)
    with pytest.raises(dynclient.ResponseValidationError, match="county"):
        await make(strict_address_spec(), validate_responses="strict").call("customers_get", id=CUSTOMER_ID)


async def test_each_place_warns_once_and_clones_share_the_client_ledger(make: Any, polar: PolarServer) -> None:
    polar.customers[CUSTOMER_ID] = {**customer(0), "type": "robot"}
    polar.force("GET", "/v1/customers/", [Reply(200, json=with_new_country(customer_page(5), 2))])
    api = make()
    clone = api.with_options(retry=dynclient.RetryPolicy(attempts=2))
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(10):
            await api.call("customers_get", id=CUSTOMER_ID)
            await clone.call("customers_get", id=CUSTOMER_ID)
            await clone.call("customers_list")
            await api.call("customers_list")
    assert len(drift_warnings(record)) == 2  # two places, whatever client of the family met them
    with warnings.catch_warnings(record=True) as fresh:
        warnings.simplefilter("always")
        await make().call("customers_get", id=CUSTOMER_ID)
    assert len(drift_warnings(fresh)) == 1  # a new client reports again


# -- violations still raise ----------------------------------------------------------------------


async def test_a_wrong_type_still_raises_in_compatible(make: Any, polar: PolarServer) -> None:
    polar.customers[CUSTOMER_ID] = {**customer(0), "email_verified": "yes"}
    with pytest.raises(dynclient.ResponseValidationError) as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert [e.location for e in info.value.errors] == ["body.email_verified"]


async def test_a_missing_required_field_still_raises_in_compatible(make: Any, polar: PolarServer) -> None:
    broken = customer(0)
    del broken["email"]
    polar.customers[CUSTOMER_ID] = broken
    with pytest.raises(dynclient.ResponseValidationError) as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert [e.location for e in info.value.errors] == ["body.email"]


async def test_drift_next_to_a_violation_raises_with_the_violation(make: Any, polar: PolarServer) -> None:
    page = with_new_country(customer_page(5), 1)
    page["items"][3]["created_at"] = 12
    polar.force("GET", "/v1/customers/", [Reply(200, json=page)])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        with pytest.raises(dynclient.ResponseValidationError) as info:
            await make().call("customers_list")
    assert [e.location for e in info.value.errors] == ["body.items[3].created_at"]
    assert not drift_warnings(record)


# -- the four modes side by side -------------------------------------------------------------------


MODES = ("strict", "compatible", "warn", "off")


@pytest.mark.parametrize("mode", MODES)
async def test_the_four_modes_on_drift_and_on_a_violation(make: Any, polar: PolarServer, mode: str) -> None:
    drifted = {**customer(0), "type": "robot"}
    broken = {**customer(0), "created_at": 12}
    polar.customers[CUSTOMER_ID] = drifted
    polar.customers["a1f1c1b2-0000-4000-8000-000000000001"] = broken
    api = make(validate_responses=mode)
    outcome: dict[str, str] = {}
    for name, cid, value in (("drift", CUSTOMER_ID, drifted), ("violation", list(polar.customers)[-1], broken)):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                got = await api.call("customers_get", id=cid)
            except dynclient.ResponseValidationError:
                outcome[name] = "raises"
                continue
        assert got == value
        kinds = {w.category for w in record}
        outcome[name] = (
            "drift warning"
            if kinds == {dynclient.ResponseDriftWarning}
            else "validation warning"
            if kinds == {dynclient.ResponseValidationWarning}
            else "returned"
            if not kinds
            else f"unexpected {kinds}"
        )
    expected = {
        "strict": {"drift": "raises", "violation": "raises"},
        "compatible": {"drift": "drift warning", "violation": "raises"},
        "warn": {"drift": "validation warning", "violation": "validation warning"},
        "off": {"drift": "returned", "violation": "returned"},
    }
    assert outcome == expected[mode]


def test_compatible_is_the_default_and_modes_are_checked() -> None:
    client = dynclient.Client(access_token="t")
    assert client.validate_responses == "compatible"
    assert client.with_options(validate_responses="strict").validate_responses == "strict"
    with pytest.raises(dynclient.ConfigurationError, match="compatible"):
        dynclient.Client(access_token="t", validate_responses="lenient")  # type: ignore[arg-type]
    with pytest.raises(dynclient.ConfigurationError):
        client.with_options(validate_responses="loose")  # type: ignore[arg-type]
