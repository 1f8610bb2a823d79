"""A status the operation does not declare is never success (issue 10 item 8).

Against ``tests/_polar_server.py`` with ``Client`` and ``AsyncClient``: an undeclared 3xx
raises an ``APIError`` naming ``Location`` (redirects are not followed: the target never sees
the request, nor the token); an undeclared 2xx (202, or a 200 for an operation that declares
204) follows the response-validation mode.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from _polar_server import TOKEN, PolarServer, fixtures
from _server import LocalServer, Reply
from payloads import CUSTOMER_ID, customer

import dynclient

GET_PATH = f"/v1/customers/{CUSTOMER_ID}"


polar, make = fixtures(retry=dynclient.RetryPolicy.none())


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_an_undeclared_redirect_raises_naming_location_and_is_not_followed(
    make: Any, polar: PolarServer, status: int
) -> None:
    with LocalServer() as elsewhere:
        target = f"{elsewhere.url}/v1/customers/{CUSTOMER_ID}"
        polar.force("GET", GET_PATH, [Reply(status, headers={"Location": target})])
        with pytest.raises(dynclient.APIError) as info:
            await make().call("customers_get", id=CUSTOMER_ID)
        assert type(info.value) is dynclient.APIError
        assert info.value.status_code == status
        assert target in str(info.value) and "not followed" in str(info.value)
        assert elsewhere.seen == []  # never followed: the token stayed home
    assert len(polar.requests_to("GET", GET_PATH)) == 1


async def test_a_redirect_of_a_delete_and_a_304_raise_too(make: Any, polar: PolarServer) -> None:
    polar.force("DELETE", GET_PATH, [Reply(307, headers={"Location": "/v1/elsewhere"})])
    polar.force("GET", GET_PATH, [Reply(304)])
    api = make()
    with pytest.raises(dynclient.APIError, match="/v1/elsewhere"):
        await api.call("customers_delete", id=CUSTOMER_ID)
    with pytest.raises(dynclient.APIError, match="without a Location header, not followed") as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.status_code == 304


async def test_a_token_echoed_in_location_is_redacted(make: Any, polar: PolarServer) -> None:
    polar.force("GET", GET_PATH, [Reply(302, headers={"Location": f"https://login.example/?token={TOKEN}"})])
    with pytest.raises(dynclient.APIError) as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert TOKEN not in str(info.value) and TOKEN not in repr(info.value.headers)
    assert "https://login.example/?token=[redacted]" in str(info.value)


MODES = ("strict", "compatible", "warn", "off")


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("operation", "method", "path", "reply", "value"),
    [
        ("customers_list", "GET", "/v1/customers/", Reply(202), None),  # accepted, empty
        ("customers_delete", "DELETE", GET_PATH, Reply(200, json={"deleted": True}), {"deleted": True}),
        ("customers_delete", "DELETE", GET_PATH, Reply(200), None),  # declares 204, answered an empty 200
        ("customers_get", "GET", GET_PATH, Reply(203, json=customer(0)), customer(0)),
    ],
    ids=["202-empty", "200-for-204-json", "200-for-204-empty", "203"],
)
async def test_an_undeclared_2xx_follows_the_validation_mode(
    make: Any, polar: PolarServer, mode: str, operation: str, method: str, path: str, reply: Reply, value: Any
) -> None:
    polar.force(method, path, [reply])
    api = make(validate_responses=mode)
    arguments = {"id": CUSTOMER_ID} if path == GET_PATH else {}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        if mode in ("strict", "compatible"):
            with pytest.raises(dynclient.ResponseValidationError) as info:
                await api.call(operation, **arguments)
            assert info.value.errors[0].location == "status"
            assert f"HTTP {reply.status} is not declared" in str(info.value)
            assert info.value.body == value
            return
        got = await api.call(operation, **arguments)
    assert got == value
    found = [w for w in record if issubclass(w.category, dynclient.ResponseValidationWarning)]
    assert len(found) == (1 if mode == "warn" else 0)


async def test_declared_statuses_are_unchanged(make: Any) -> None:
    api = make()
    assert await api.call("customers_delete", id=CUSTOMER_ID) is None  # the declared 204
    assert (await api.call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
