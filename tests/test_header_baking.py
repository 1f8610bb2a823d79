"""Static headers are merged into an owned connection pool once, not on every request.

Whatever the path (owned pool, user-supplied pool, with_options() clones with their
own headers), the request carries the same headers.
"""

from __future__ import annotations

import httpx
from conftest import internals

import dynclient

CID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"


def _headers(client: dynclient.Client) -> httpx.Headers:
    return client.build_request("customers_get", id=CID).headers


def test_owned_shared_and_derived_clients_send_the_same_headers() -> None:
    owned = dynclient.Client(access_token="tok", api_version=True, headers={"X-Trace": "1"})
    supplied = dynclient.Client(
        access_token="tok", api_version=True, headers={"X-Trace": "1"}, http_client=httpx.Client()
    )
    try:
        for client in (owned, supplied):
            h = _headers(client)
            assert h["user-agent"].startswith("dynclient/")
            assert h["accept"] == "application/json"
            assert h["x-trace"] == "1"
            assert h["authorization"] == "Bearer tok"
            assert h[dynclient._client.DEFAULT_VERSION_HEADER] == owned.spec_version
            assert len(h.get_list("accept")) == 1 and len(h.get_list("user-agent")) == 1
        derived = owned.with_options(headers={"X-Trace": "2", "X-New": "y"})
        h = _headers(derived)
        assert h.get_list("x-trace") == ["2"] and h["x-new"] == "y" and h["authorization"] == "Bearer tok"
        assert h["accept"] == "application/json"
        assert _headers(owned).get_list("x-trace") == ["1"] and "x-new" not in _headers(owned)
    finally:
        owned.close()
        internals(supplied)._http.close()


def test_no_token_means_no_authorization_header() -> None:
    client = dynclient.Client(access_token=None, token_env="DYNCLIENT_TEST_UNSET_TOKEN_VARIABLE")
    try:
        assert "authorization" not in _headers(client)
    finally:
        client.close()


async def test_async_owned_and_derived_clients_send_the_same_headers() -> None:
    client = dynclient.AsyncClient(access_token="tok", headers={"X-Trace": "1"})
    try:
        h = client.build_request("customers_get", id=CID).headers
        assert h["user-agent"].startswith("dynclient/") and h["accept"] == "application/json"
        assert h.get_list("x-trace") == ["1"] and h["authorization"] == "Bearer tok"
        derived = client.with_options(headers={"X-Trace": "2"})
        assert derived.build_request("customers_get", id=CID).headers.get_list("x-trace") == ["2"]
    finally:
        await client.aclose()
