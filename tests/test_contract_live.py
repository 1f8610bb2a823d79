"""The live contract (issue 11): pinned versions, refused versions, errors chosen by status and body.

Every test runs against ``tests/_polar_server.py`` (a real HTTP server on 127.0.0.1 that behaves
like Polar's where the spec is silent) with ``Client`` and with ``AsyncClient`` (the ``kind``
fixture), through one test body.
"""

from __future__ import annotations

import logging
import pickle
import warnings
from typing import Any

import pytest
from _polar_server import DEFAULT_VERSION, INVALID_TOKEN, NOT_FOUND, PolarServer, fixtures
from _server import Reply
from payloads import CUSTOMER_ID

import dynclient

MISSING_ID = "00000000-0000-4000-8000-000000000000"
GET_PATH = f"/v1/customers/{CUSTOMER_ID}"
FAST = dynclient.RetryPolicy(attempts=3, backoff=0.0, max_backoff=0.0, max_retry_after=0.01)


polar, make = fixtures(retry=FAST)


def caught(record: list[warnings.WarningMessage], category: type[Warning]) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, category)]


# -- which version is sent -----------------------------------------------------------------------


async def test_default_client_sends_the_spec_version(make: Any, polar: PolarServer) -> None:
    api = make()
    assert api.client.api_version == "2026-10" == api.client.spec_version
    assert api.client.version_header == "Polar-Version"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the echo matches: nothing to say
        got = await api.call("customers_get", id=CUSTOMER_ID)
    assert got["id"] == CUSTOMER_ID
    assert polar.versions_seen() == ["2026-10"]


async def test_api_version_false_sends_none_and_gets_the_server_default(make: Any, polar: PolarServer) -> None:
    api = make(api_version=False)
    assert api.client.api_version is None
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        await api.call("customers_get", id=CUSTOMER_ID)
    assert polar.versions_seen() == [None]
    assert not caught(record, dynclient.ApiVersionWarning)  # nothing was sent, nothing to compare


async def test_a_string_or_true_or_a_header_sets_what_is_sent(make: Any, polar: PolarServer) -> None:
    await make(api_version="2026-04").call("customers_get", id=CUSTOMER_ID)
    await make(api_version=True).call("customers_get", id=CUSTOMER_ID)
    by_header = make(api_version=False, headers={"polar-version": "2026-04"})
    assert by_header.client.api_version == "2026-04"  # what the headers really send
    await by_header.call("customers_get", id=CUSTOMER_ID)
    assert polar.versions_seen() == ["2026-04", "2026-10", "2026-04"]


def test_undated_spec_version_sends_nothing_by_default_and_true_insists() -> None:
    spec = dynclient.load_spec()
    doc = dict(spec.document)
    doc["info"] = {**doc["info"], "version": "1.0.0"}
    assert dynclient.Client(doc, access_token="t").api_version is None
    assert dynclient.Client(doc, access_token="t", api_version="spec").api_version is None
    with pytest.raises(dynclient.ConfigurationError, match="dated version"):
        dynclient.Client(doc, access_token="t", api_version=True)
    with pytest.raises(dynclient.ConfigurationError, match="api_version"):
        dynclient.Client(access_token="t", api_version="  ")


# -- refused versions --------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["2026-07", "2027-01", "garbage"])
async def test_an_unsupported_version_raises_api_version_error(make: Any, polar: PolarServer, version: str) -> None:
    api = make(api_version=version)
    with pytest.raises(dynclient.ApiVersionError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)  # the customer exists
    err = info.value
    assert isinstance(err, dynclient.APIError)
    assert not isinstance(err, dynclient.NotFoundError)
    assert not isinstance(err, api.errors.ResourceNotFound)
    assert (err.status_code, err.body) == (404, NOT_FOUND)
    assert (err.sent_version, err.spec_version, err.version_header) == (version, "2026-10", "Polar-Version")
    message = str(err)
    for needed in (repr(version), "'2026-10'", "dynclient spec update", "api_version="):
        assert needed in message
    assert pickle.loads(pickle.dumps(err)).sent_version == version
    # every path is refused the same way, also one with no 404 declared in the spec
    with pytest.raises(dynclient.ApiVersionError):
        await api.call("customers_list")


async def test_a_real_missing_customer_is_resource_not_found(make: Any) -> None:
    api = make()
    with pytest.raises(dynclient.NotFoundError) as info:
        await api.call("customers_get", id=MISSING_ID)
    err = info.value
    assert isinstance(err, api.errors.ResourceNotFound)
    assert isinstance(err, dynclient.APIError)
    assert not isinstance(err, dynclient.ApiVersionError)
    assert err.body == {"error": "ResourceNotFound", "detail": "Not found"}
    assert err.headers["polar-version"] == "2026-10"


async def test_a_not_found_with_the_echo_is_a_not_found_error_not_a_resource_not_found(
    make: Any, polar: PolarServer
) -> None:
    polar.force("GET", GET_PATH, [Reply(404, json=NOT_FOUND)])  # echoed: the version was accepted
    api = make()
    with pytest.raises(dynclient.NotFoundError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert type(info.value) is dynclient.NotFoundError
    assert not isinstance(info.value, api.errors.ResourceNotFound)


async def test_without_a_version_sent_an_echoless_404_is_just_not_found(make: Any, polar: PolarServer) -> None:
    polar.default_version = "2025-01"  # the server refuses even its default: echo-less 404s everywhere
    api = make(api_version=False)
    with pytest.raises(dynclient.NotFoundError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert not isinstance(info.value, dynclient.ApiVersionError)  # the client sent no version


async def test_an_echoless_404_whose_body_is_the_declared_one_is_the_spec_class(make: Any, polar: PolarServer) -> None:
    # a proxy that strips headers: the body still says "this customer does not exist"
    polar.force("GET", GET_PATH, [Reply(404, json={"error": "ResourceNotFound", "detail": "Not found"})])
    polar.strip_echo = True
    api = make()
    with pytest.raises(dynclient.NotFoundError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert isinstance(info.value, api.errors.ResourceNotFound)
    assert "polar-version" not in info.value.headers
    polar.force("GET", GET_PATH, [Reply(404, json=NOT_FOUND)])  # and the same without the declared body
    with pytest.raises(dynclient.ApiVersionError):
        await api.call("customers_get", id=CUSTOMER_ID)


# -- echo mismatch ------------------------------------------------------------------------------


async def test_an_echo_of_another_version_warns_once_per_client(make: Any, polar: PolarServer, caplog: Any) -> None:
    polar.echo_override = DEFAULT_VERSION  # the server answers in another version than asked
    api = make()
    clone = api.with_options(retry=dynclient.RetryPolicy.none())
    with caplog.at_level(logging.INFO, logger="dynclient"), warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for _ in range(5):
            await api.call("customers_get", id=CUSTOMER_ID)
            await clone.call("customers_get", id=CUSTOMER_ID)
        with pytest.raises(dynclient.NotFoundError):  # errors carry the echo too
            await api.call("customers_get", id=MISSING_ID)
    found = caught(record, dynclient.ApiVersionWarning)
    assert len(found) == 1
    assert "'2026-04'" in found[0] and "'2026-10'" in found[0] and "api_version=" in found[0]
    assert sum("answered in API version" in r.getMessage() for r in caplog.records) == 1
    # another client is another client: it says it again, once
    with warnings.catch_warnings(record=True) as again:
        warnings.simplefilter("always")
        await make().call("customers_get", id=CUSTOMER_ID)
        await make().call("customers_list")
    assert len(caught(again, dynclient.ApiVersionWarning)) == 2


# -- status classes -----------------------------------------------------------------------------


async def test_a_bad_token_is_an_authentication_error(make: Any) -> None:
    api = make(access_token="polar_oat_wrong-token-0000")
    with pytest.raises(dynclient.AuthenticationError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.status_code == 401
    assert info.value.body == INVALID_TOKEN
    assert "expired, revoked" in str(info.value)


async def test_429_after_retries_is_a_rate_limit_error_with_retry_after(make: Any, polar: PolarServer) -> None:
    limited = Reply(429, json={"detail": "Rate limit exceeded"}, headers={"Retry-After": "7"})
    polar.force("GET", GET_PATH, [limited])
    api = make()
    with pytest.raises(dynclient.RateLimitError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.retry_after == 7.0
    assert info.value.attempts == 3
    assert len(polar.requests_to("GET", GET_PATH)) == 3


async def test_500_is_a_server_error(make: Any, polar: PolarServer) -> None:
    polar.force("GET", GET_PATH, [Reply(500, body=b"Internal Server Error", headers={"Content-Type": "text/plain"})])
    with pytest.raises(dynclient.ServerError) as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert info.value.status_code == 500
    assert info.value.attempts == 1  # 500 is not retried
