"""Issue 11 item 5: ``client.with_raw_response``.

It has the client's call surface (``call``, ``invoke`` and the operation groups; async too) and
returns ``dynclient.RawResponse``: ``.parsed`` (exactly what the plain call returns),
``.status_code``, ``.headers``, ``.api_version`` (the response header named by the client's
version header, or None), ``.elapsed`` and ``.http_response``. Errors raise as in a plain call.
All eleven operations, sync and async (the ``make_api`` fixture), then a real server.
"""

from __future__ import annotations

import datetime
import json
import pickle
from typing import Any

import httpx
import pytest
from _netkit import close, make_client, run
from _server import LocalServer, Reply
from conftest import TOKEN, Api, internals
from payloads import CUSTOMER_ID, NOT_FOUND, customer
from test_eleven_ops import CASES, Case

import dynclient

ECHO = "2026-10"


def _echoing(case: Case) -> Any:
    def respond(request: httpx.Request) -> httpx.Response:
        response = case.respond(request)
        response.headers["Polar-Version"] = ECHO
        return response

    return respond


def _raw_group(api: Api, dotted: str) -> Any:
    target: Any = api.client.with_raw_response
    for part in dotted.split("."):
        target = getattr(target, part)
    return lambda **arguments: api.run(target(**arguments))


def test_eleven_operations_have_a_raw_form() -> None:
    assert len(CASES) == 11
    client = dynclient.Client(access_token=TOKEN)
    for case in CASES:
        group, method = case.group.split(".")
        assert callable(getattr(getattr(client.with_raw_response, group), method))


@pytest.mark.parametrize("case", CASES, ids=[c.operation for c in CASES])
def test_each_operation_through_with_raw_response(make_api: Any, case: Case) -> None:
    api: Api = make_api(_echoing(case))
    plain = api.call(case.operation, **case.arguments)
    for raw in (
        api.run(internals(api.client).with_raw_response.call(case.operation, **case.arguments)),
        _raw_group(api, case.group)(**case.arguments),
        api.run(api.client.with_raw_response.invoke(case.operation, **case.arguments)),
    ):
        assert isinstance(raw, dynclient.RawResponse)
        assert raw.parsed == plain == case.expected
        assert raw.status_code == case.status == raw.http_response.status_code
        assert isinstance(raw.headers, httpx.Headers) and raw.headers is raw.http_response.headers
        assert raw.api_version == ECHO
        assert isinstance(raw.elapsed, datetime.timedelta) and raw.elapsed.total_seconds() >= 0
        assert isinstance(raw.http_response, httpx.Response)
        assert raw.http_response.request.method == case.method
    assert len(api.sent) == 4  # the plain call and three raw ones, one request each


@pytest.mark.parametrize("case", [c for c in CASES if 404 in c.errors], ids=lambda c: c.operation)
def test_errors_raise_as_in_a_plain_call(make_api: Any, case: Case) -> None:
    api: Api = make_api(lambda request: httpx.Response(404, json=NOT_FOUND))
    with pytest.raises(api.errors.ResourceNotFound) as plain:
        api.call(case.operation, **case.arguments)
    with pytest.raises(api.errors.ResourceNotFound) as raw:
        api.run(internals(api.client).with_raw_response.call(case.operation, **case.arguments))
    assert type(raw.value) is type(plain.value) and raw.value.body == plain.value.body


def test_response_validation_applies_to_raw_calls(make_api: Any) -> None:
    api: Api = make_api(lambda request: httpx.Response(200, json={"id": "not a customer"}), validate_responses="strict")
    with pytest.raises(dynclient.ResponseValidationError):
        api.run(api.client.with_raw_response.customers.get(id=CUSTOMER_ID))


def test_no_version_echo_is_none_and_the_header_name_follows_the_client(make_api: Any) -> None:
    api: Api = make_api(lambda request: httpx.Response(200, json=customer(0), headers={"X-Api-Version": "v9"}))
    assert api.run(api.client.with_raw_response.customers.get(id=CUSTOMER_ID)).api_version is None
    other: Api = make_api(
        lambda request: httpx.Response(200, json=customer(0), headers={"X-Api-Version": "v9"}),
        version_header="X-Api-Version",
    )
    with pytest.warns(dynclient.ApiVersionWarning, match="answered in API version 'v9'"):  # and it says so
        assert other.run(other.client.with_raw_response.customers.get(id=CUSTOMER_ID)).api_version == "v9"


def test_a_clone_has_its_own_raw_facade(make_api: Any) -> None:
    api: Api = make_api(lambda request: httpx.Response(200, json=customer(0)))
    clone = api.client.with_options(headers={"X-Trace": "clone"})
    assert clone.with_raw_response is not api.client.with_raw_response
    assert api.client.with_raw_response is api.client.with_raw_response  # made once per client
    api.run(clone.with_raw_response.customers.get(id=CUSTOMER_ID))
    assert api.sent[-1].headers["X-Trace"] == "clone"
    assert repr(api.client.with_raw_response).startswith("<with_raw_response of ")
    assert TOKEN not in repr(api.client.with_raw_response)


def test_raw_response_repr_is_short_and_it_pickles(make_api: Any) -> None:
    api: Api = make_api(lambda request: httpx.Response(200, json=customer(0), headers={"Polar-Version": ECHO}))
    raw = api.run(api.client.with_raw_response.customers.get(id=CUSTOMER_ID))
    text = repr(raw)
    assert text.startswith("RawResponse(parsed=") and "status_code=200" in text and "api_version='2026-10'" in text
    assert "http_response" not in text and TOKEN not in text
    pickled = pickle.dumps(raw)
    assert TOKEN.encode() not in pickled  # the request's Authorization is redacted in a pickle
    again = pickle.loads(pickled)
    assert (again.parsed, again.status_code, again.api_version, again.elapsed) == (
        raw.parsed,
        raw.status_code,
        raw.api_version,
        raw.elapsed,
    )
    assert again.headers == raw.headers and again.http_response.content == raw.http_response.content
    assert again.http_response.request.headers["authorization"] == "[redacted]"
    assert raw.http_response.request.headers["authorization"] == f"Bearer {TOKEN}"  # in-process: as sent


# -- against a real server ----------------------------------------------------------------------


async def test_raw_response_over_the_network_after_retries(kind: str, server: LocalServer) -> None:
    path = f"/v1/customers/{CUSTOMER_ID}"
    server.script(
        "GET",
        path,
        [Reply(503), Reply(200, json=customer(0), headers={"Polar-Version": ECHO, "X-Request-Id": "r-1"}, delay=0.2)],
    )
    client = make_client(kind, base_url=server.url)
    try:
        raw = await run(client.with_raw_response.customers.get(id=CUSTOMER_ID))
    finally:
        await close(client)
    assert raw.parsed == customer(0) and raw.status_code == 200
    assert raw.headers["X-Request-Id"] == "r-1" and raw.api_version == ECHO
    assert raw.elapsed.total_seconds() >= 0.2  # the answer that was kept (the last attempt)
    assert json.loads(raw.http_response.content) == customer(0)
    assert len(server.requests_to("GET", path)) == 2
