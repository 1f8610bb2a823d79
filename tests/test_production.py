"""Production behaviour against a real HTTP server on 127.0.0.1 (tests/_server.py).

Every test that talks to the server runs twice, with ``Client`` and with ``AsyncClient``
(the ``kind`` fixture), through one test body: retries, Retry-After, timeouts, dropped and
refused connections, pagination, hooks, logging and redaction, version pinning, shared pools.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import socket
import time
import traceback
import warnings
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from _server import LocalServer, Reply, Seen
from conftest import internals
from payloads import CUSTOMER_ID, customer

import dynclient

TOKEN = "polar_oat_Sup3rS3cretT0ken_do_not_leak_8f2c"
FAST = dynclient.RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)
GET_PATH = f"/v1/customers/{CUSTOMER_ID}"
LIST_PATH = "/v1/customers/"
CREATE_BODY = {"email": "new@example.com"}


class Api:
    """One test body drives either client: every method is awaited, sync ones just return."""

    def __init__(self, client: dynclient.Client | dynclient.AsyncClient) -> None:
        self.client = client
        self.is_async = isinstance(client, dynclient.AsyncClient)

    async def call(self, operation: str, /, **arguments: Any) -> Any:
        result = self.client.invoke(operation, **arguments)  # the operation is chosen at run time
        return await result if self.is_async else result

    async def paginate_into(self, out: list[Any], operation: str, /, **arguments: Any) -> list[Any]:
        """Append each item to ``out`` as it arrives (so a test sees what came before an error)."""
        client = internals(self.client)  # any operation, chosen at run time
        if self.is_async:
            async for item in client.paginate(operation, **arguments):
                out.append(item)
        else:
            for item in client.paginate(operation, **arguments):
                out.append(item)
        return out

    async def pages(self, operation: str, /, **arguments: Any) -> list[Any]:
        client = internals(self.client)
        if self.is_async:
            return [page async for page in client.pages(operation, **arguments)]
        return list(client.pages(operation, **arguments))

    def with_options(self, **options: Any) -> Api:
        return Api(self.client.with_options(**options))

    async def close(self) -> None:
        if isinstance(self.client, dynclient.AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server() -> Any:
    with LocalServer() as srv:
        yield srv


@pytest.fixture
async def make(kind: str, server: LocalServer) -> AsyncIterator[Callable[..., Api]]:
    made: list[Api] = []

    def factory(**options: Any) -> Api:
        options.setdefault("base_url", server.url)
        options.setdefault("access_token", TOKEN)
        options.setdefault("retry", FAST)
        cls = dynclient.AsyncClient if kind == "async" else dynclient.Client
        api = Api(cls(**options))
        made.append(api)
        return api

    yield factory
    for api in made:
        await api.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- retries -------------------------------------------------------------------------------


async def test_get_succeeds_on_third_attempt_after_two_503(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(503), Reply(503), Reply(200, json=customer(0))])
    api = make()
    result = await api.call("customers_get", id=CUSTOMER_ID)
    assert result["id"] == CUSTOMER_ID
    assert len(server.requests_to("GET", GET_PATH)) == 3


@pytest.mark.parametrize("status", [429, 502, 503, 504])
async def test_each_retryable_status_is_retried(make: Any, server: LocalServer, status: int) -> None:
    server.script("GET", GET_PATH, [Reply(status), Reply(200, json=customer(0))])
    assert (await make().call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
    assert len(server.requests_to("GET", GET_PATH)) == 2


async def test_500_is_not_retried(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(500, json={"detail": "boom"}), Reply(200, json=customer(0))])
    with pytest.raises(dynclient.APIError) as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert info.value.status_code == 500 and info.value.attempts == 1
    assert len(server.requests_to("GET", GET_PATH)) == 1


async def test_exhausted_retries_raise_last_error_with_attempt_count(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(503, json={"detail": "try later"})])
    with pytest.raises(dynclient.APIError) as info:
        await make(retry=dynclient.RetryPolicy(attempts=4, backoff=0.01)).call("customers_get", id=CUSTOMER_ID)
    assert info.value.status_code == 503
    assert info.value.attempts == 4
    assert "after 4 attempts" in str(info.value)
    assert len(server.requests_to("GET", GET_PATH)) == 4


async def test_post_is_not_retried_by_default(make: Any, server: LocalServer) -> None:
    server.script("POST", LIST_PATH, [Reply(503), Reply(503), Reply(201, json=customer(0))])
    with pytest.raises(dynclient.APIError) as info:
        await make().call("customers_create", body=CREATE_BODY)
    assert info.value.status_code == 503 and info.value.attempts == 1
    assert len(server.requests_to("POST", LIST_PATH)) == 1


async def test_post_is_retried_with_opt_in(make: Any, server: LocalServer) -> None:
    server.script("POST", LIST_PATH, [Reply(503), Reply(503), Reply(201, json=customer(0))])
    policy = dynclient.RetryPolicy(attempts=3, backoff=0.01, retry_non_idempotent=True)
    result = await make(retry=policy).call("customers_create", body=CREATE_BODY)
    assert result["id"] == CUSTOMER_ID
    sent = server.requests_to("POST", LIST_PATH)
    assert len(sent) == 3
    assert all(s.body == sent[0].body and b"new@example.com" in s.body for s in sent)  # same body each time


async def test_patch_is_not_retried_by_default(make: Any, server: LocalServer) -> None:
    server.script("PATCH", GET_PATH, [Reply(502), Reply(200, json=customer(0))])
    with pytest.raises(dynclient.APIError):
        await make().call("customers_update", id=CUSTOMER_ID, body={"name": "X"})
    assert len(server.requests_to("PATCH", GET_PATH)) == 1


async def test_delete_is_retried_by_default(make: Any, server: LocalServer) -> None:
    server.script("DELETE", GET_PATH, [Reply(503), Reply(204)])
    assert await make().call("customers_delete", id=CUSTOMER_ID) is None
    assert len(server.requests_to("DELETE", GET_PATH)) == 2


async def test_retry_after_seconds_is_honoured(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(429, headers={"Retry-After": "1"}), Reply(200, json=customer(0))])
    started = time.monotonic()
    result = await make().call("customers_get", id=CUSTOMER_ID)
    elapsed = time.monotonic() - started
    assert result["id"] == CUSTOMER_ID
    assert elapsed >= 0.95  # FAST's own backoff is at most 0.02 s: the header decided the wait


async def test_retry_after_is_capped(make: Any, server: LocalServer) -> None:
    # an hour asked for, 0.05 s allowed: the call completes instead of sleeping an hour
    server.script("GET", GET_PATH, [Reply(503, headers={"Retry-After": "3600"}), Reply(200, json=customer(0))])
    policy = dynclient.RetryPolicy(attempts=2, backoff=0.01, max_retry_after=0.05)
    assert (await make(retry=policy).call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID


async def test_with_options_overrides_retry_per_call(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(503), Reply(200, json=customer(0))])
    base = make(retry=dynclient.RetryPolicy.none())
    patient = base.with_options(retry=FAST)
    assert (await patient.call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
    server.script("GET", GET_PATH, [Reply(503), Reply(200, json=customer(0))])
    with pytest.raises(dynclient.APIError) as info:
        await base.call("customers_get", id=CUSTOMER_ID)  # the original keeps its own policy
    assert info.value.status_code == 503


async def test_concurrent_async_calls_retry_independently(server: LocalServer) -> None:
    flaky = {f"ext_{n}" for n in range(0, 12, 2)}

    def handler(seen: Seen) -> Reply:
        external_id = seen.path.rsplit("/", 1)[1]
        first = len([s for s in server.seen if s.path == seen.path]) == 1
        status = 503 if external_id in flaky and first else 200
        return Reply(status, json=customer(int(external_id[4:]) + 1) if status == 200 else None)

    for n in range(12):
        server.route("GET", f"/v1/customers/external/ext_{n}", handler)
    async with dynclient.AsyncClient(base_url=server.url, retry=FAST) as client:
        results = await asyncio.gather(*(client.customers.get_external(external_id=f"ext_{n}") for n in range(12)))
    assert [r["email"] for r in results] == [f"customer{n + 1}@example.com" for n in range(12)]
    assert len(server.seen) == 12 + len(flaky)


# -- timeouts, dropped and refused connections -------------------------------------------------


async def test_hanging_server_raises_timeout_not_hang(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=30)])
    api = make(timeout=0.3, retry=dynclient.RetryPolicy.none())
    with pytest.raises(dynclient.RequestTimeout) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert isinstance(info.value, dynclient.TransportError)
    assert info.value.attempts == 1
    assert info.value.operation == "customers_get"


async def test_timeout_is_retried_for_get_and_counted(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=30), Reply(200, json=customer(0))])
    assert (await make(timeout=0.3).call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=30)])
    with pytest.raises(dynclient.RequestTimeout) as info:
        await make(timeout=0.2, retry=dynclient.RetryPolicy(attempts=2, backoff=0.01)).call(
            "customers_get", id=CUSTOMER_ID
        )
    assert info.value.attempts == 2
    assert "after 2 attempts" in str(info.value)


async def test_with_options_timeout_applies_to_that_client_only(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=0.6)])
    base = make(retry=dynclient.RetryPolicy.none())
    with pytest.raises(dynclient.RequestTimeout):
        await base.with_options(timeout=0.2).call("customers_get", id=CUSTOMER_ID)
    assert (await base.call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID  # default 30 s


async def test_user_http_client_keeps_its_own_timeout(kind: str, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=30)])
    own: Any = httpx.AsyncClient(timeout=0.2) if kind == "async" else httpx.Client(timeout=0.2)
    cls = dynclient.AsyncClient if kind == "async" else dynclient.Client
    api = Api(cls(base_url=server.url, http_client=own, retry=dynclient.RetryPolicy.none()))
    try:
        assert api.client.build_request("customers_get", id=CUSTOMER_ID).extensions["timeout"] == (
            httpx.Timeout(0.2).as_dict()
        )
        with pytest.raises(dynclient.RequestTimeout):
            await api.call("customers_get", id=CUSTOMER_ID)
        explicit = cls(base_url=server.url, http_client=own, timeout=7.0)
        assert explicit.build_request("customers_get", id=CUSTOMER_ID).extensions["timeout"] == (
            httpx.Timeout(7.0).as_dict()
        )
        await api.close()
        assert not own.is_closed  # a client the user passed in is the user's to close
    finally:
        if isinstance(own, httpx.AsyncClient):
            await own.aclose()
        else:
            own.close()


def test_default_timeout_is_finite_and_documented_values() -> None:
    client = dynclient.Client(base_url="http://127.0.0.1:9")
    try:
        sent = client.build_request("customers_get", id=CUSTOMER_ID).extensions["timeout"]
        assert (
            sent == dynclient.DEFAULT_TIMEOUT.as_dict() == {"connect": 10.0, "read": 30.0, "write": 30.0, "pool": 30.0}
        )
    finally:
        client.close()


async def test_connection_dropped_mid_response(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), drop=True)])
    with pytest.raises(dynclient.TransportError) as info:
        await make(retry=dynclient.RetryPolicy(attempts=2, backoff=0.01)).call("customers_get", id=CUSTOMER_ID)
    assert not isinstance(info.value, dynclient.RequestTimeout)
    assert info.value.attempts == 2
    assert isinstance(info.value.__cause__, httpx.TransportError)
    assert len(server.requests_to("GET", GET_PATH)) == 2


async def test_dropped_connection_then_success_for_get(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), drop=True), Reply(200, json=customer(0))])
    assert (await make().call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID


async def test_post_not_retried_after_dropped_connection(make: Any, server: LocalServer) -> None:
    server.script("POST", LIST_PATH, [Reply(201, json=customer(0), drop=True), Reply(201, json=customer(0))])
    with pytest.raises(dynclient.TransportError) as info:
        await make().call("customers_create", body=CREATE_BODY)
    assert info.value.attempts == 1
    assert len(server.requests_to("POST", LIST_PATH)) == 1  # the server may have created it: no resend


async def test_connection_refused(make: Any) -> None:
    api = make(base_url=f"http://127.0.0.1:{free_port()}", retry=dynclient.RetryPolicy(attempts=2, backoff=0.01))
    with pytest.raises(dynclient.TransportError) as info:
        await api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.attempts == 2
    with pytest.raises(dynclient.TransportError) as info:
        await api.call("customers_create", body=CREATE_BODY)
    assert info.value.attempts == 1


async def test_retry_after_http_date_is_honoured(make: Any, server: LocalServer) -> None:
    when = email.utils.formatdate(int(time.time()) + 2, usegmt=True)  # 1 to 2 s from now
    server.script("GET", GET_PATH, [Reply(503, headers={"Retry-After": when}), Reply(200, json=customer(0))])
    started = time.monotonic()
    assert (await make().call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
    assert time.monotonic() - started >= 0.9


async def test_undecodable_body_is_a_transport_error_and_not_retried(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, body=b"this is not gzip", headers={"Content-Encoding": "gzip"})])
    with pytest.raises(dynclient.TransportError, match="DecodingError") as info:
        await make().call("customers_get", id=CUSTOMER_ID)
    assert info.value.attempts == 1
    assert len(server.requests_to("GET", GET_PATH)) == 1


# -- pagination ----------------------------------------------------------------------------------


def paged(total: int, *, max_page: Callable[[int, int], int] | None = None, repeat: bool = False) -> Any:
    """A list endpoint over customers 1..total, honouring ``page`` and ``limit``."""
    everyone = [customer(n) for n in range(1, total + 1)]

    def handler(seen: Seen) -> Reply:
        page = 1 if repeat else int(seen.arg("page", "1") or 1)
        limit = int(seen.arg("limit", "10") or 10)
        items = everyone[(page - 1) * limit : page * limit]
        last = max_page(total, limit) if max_page else -(-total // limit)
        return Reply(200, json={"items": items, "pagination": {"total_count": total, "max_page": last}})

    return handler, [c["id"] for c in everyone]


async def test_paginate_yields_all_items_of_seven_pages_in_order(make: Any, server: LocalServer) -> None:
    handler, ids = paged(20)  # limit 3: pages of 3,3,3,3,3,3,2
    server.route("GET", LIST_PATH, handler)
    items = await make().paginate_into([], "customers_list", limit=3, sorting=["-created_at"])
    assert [c["id"] for c in items] == ids
    sent = server.requests_to("GET", LIST_PATH)
    assert [s.arg("page") for s in sent] == [str(p) for p in range(1, 8)]
    assert {s.arg("limit") for s in sent} == {"3"}
    assert {s.arg("sorting") for s in sent} == {"-created_at"}  # other arguments ride along


async def test_pages_iterates_page_objects(make: Any, server: LocalServer) -> None:
    handler, ids = paged(20)
    server.route("GET", LIST_PATH, handler)
    pages = await make().pages("customers_list", limit=3)
    assert len(pages) == 7
    assert [len(p["items"]) for p in pages] == [3, 3, 3, 3, 3, 3, 2]
    assert [c["id"] for p in pages for c in p["items"]] == ids


async def test_paginate_from_a_start_page_with_max_pages(make: Any, server: LocalServer) -> None:
    handler, ids = paged(20)
    server.route("GET", LIST_PATH, handler)
    items = await make().paginate_into([], "customers_list", page=3, limit=3, max_pages=2)
    assert [c["id"] for c in items] == ids[6:12]
    assert [s.arg("page") for s in server.requests_to("GET", LIST_PATH)] == ["3", "4"]


async def test_paginate_stops_on_empty_page(make: Any, server: LocalServer) -> None:
    handler, ids = paged(5, max_page=lambda _t, _l: 99)  # the server overstates max_page
    server.route("GET", LIST_PATH, handler)
    items = await make().paginate_into([], "customers_list", limit=2)
    assert [c["id"] for c in items] == ids
    assert len(server.requests_to("GET", LIST_PATH)) == 4  # 2 + 2 + 1, then one empty page


async def test_paginate_on_server_repeating_the_same_page_stops_with_clear_error(
    make: Any, server: LocalServer
) -> None:
    handler, ids = paged(30, max_page=lambda _t, _l: 1000, repeat=True)
    server.route("GET", LIST_PATH, handler)
    got: list[Any] = []
    with pytest.raises(dynclient.PaginationError, match="repeats page 1"):
        await make().paginate_into(got, "customers_list", limit=10)
    assert [c["id"] for c in got] == ids[:10]  # the first page, once
    assert len(server.requests_to("GET", LIST_PATH)) == 2


async def test_operation_without_pagination_extension_cannot_paginate(make: Any, server: LocalServer) -> None:
    with pytest.raises(dynclient.DynclientError, match="not paginated"):
        await make().paginate_into([], "customers_get", id=CUSTOMER_ID)
    assert server.seen == []


async def test_paginate_without_response_validation_still_checks_the_shape(make: Any, server: LocalServer) -> None:
    server.script("GET", LIST_PATH, [Reply(200, json={"results": [], "pagination": {"max_page": 1}})])
    with pytest.raises(dynclient.PaginationError, match="no list"):
        await make(validate_responses="off").paginate_into([], "customers_list")


def mini_spec(*, version: str = "2.0.0", pagination: dict[str, Any] | None = None) -> dict[str, Any]:
    """A non-Polar spec: other names, other paths, other pagination fields."""
    op: dict[str, Any] = {
        "operationId": "widgets:browse",
        "tags": ["widgets"],
        "parameters": [
            {"name": "p", "in": "query", "schema": {"type": "integer", "minimum": 1}},
            {"name": "per", "in": "query", "schema": {"type": "integer", "minimum": 1}},
        ],
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WidgetPage"}}},
            }
        },
    }
    if pagination is not None:
        op["x-speakeasy-pagination"] = pagination
    return {
        "openapi": "3.1.0",
        "info": {"title": "Widgets", "version": version},
        "servers": [{"url": "http://127.0.0.1:9"}],
        "paths": {"/widgets": {"get": op}},
        "components": {
            "schemas": {
                "WidgetPage": {
                    "type": "object",
                    "required": ["data", "meta"],
                    "properties": {
                        "data": {"type": "array", "items": {"type": "integer"}},
                        "meta": {"type": "object", "properties": {"last": {"type": "integer"}}},
                    },
                }
            }
        },
    }


async def test_pagination_follows_the_spec_extension_not_polar_names(make: Any, server: LocalServer) -> None:
    spec = mini_spec(
        pagination={
            "type": "offsetLimit",
            "inputs": [
                {"name": "p", "in": "parameters", "type": "page"},
                {"name": "per", "in": "parameters", "type": "limit"},
            ],
            "outputs": {"results": "$.data", "numPages": "$.meta.last"},
        }
    )

    def handler(seen: Seen) -> Reply:
        p, per = int(seen.arg("p") or 1), int(seen.arg("per") or 1)
        return Reply(200, json={"data": list(range((p - 1) * per, min(p * per, 10))), "meta": {"last": 4}})

    server.route("GET", "/widgets", handler)
    api = make(spec=spec)
    assert await api.paginate_into([], "widgets_browse", per=3) == list(range(10))
    assert [s.arg("p") for s in server.seen] == ["1", "2", "3", "4"]
    with pytest.raises(dynclient.DynclientError, match="not paginated"):
        await make(spec=mini_spec()).paginate_into([], "widgets_browse")


# -- hooks ---------------------------------------------------------------------------------------


async def test_hooks_see_operation_request_and_response_per_attempt(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(503), Reply(503), Reply(200, json=customer(0))])
    events: list[tuple[Any, ...]] = []

    def before(op: str, request: httpx.Request) -> None:
        request.headers["X-Trace-Id"] = "trace-123"  # e.g. tracing
        events.append(("before", op, request.method, str(request.url)))

    async def after_async(op: str, request: httpx.Request, response: httpx.Response) -> None:
        events.append(("after-async", op, response.status_code))

    def after(op: str, request: httpx.Request, response: httpx.Response) -> None:
        events.append(("after", op, request.method, response.status_code))

    api = make(before_request=[before], after_response=[after])
    await api.call("customers_get", id=CUSTOMER_ID)
    url = server.url + GET_PATH
    assert events == [
        ("before", "customers_get", "GET", url),
        ("after", "customers_get", "GET", 503),
        ("before", "customers_get", "GET", url),
        ("after", "customers_get", "GET", 503),
        ("before", "customers_get", "GET", url),
        ("after", "customers_get", "GET", 200),
    ]
    assert {s.headers.get("X-Trace-Id") for s in server.requests_to("GET", GET_PATH)} == {"trace-123"}
    if api.is_async:  # AsyncClient awaits async hooks too, in order with sync ones
        events.clear()

        async def before_async(op: str, request: httpx.Request) -> None:
            await asyncio.sleep(0)
            events.append(("before-async", op))

        async_api = make(before_request=[before_async, before], after_response=[after_async, after])
        await async_api.call("customers_get", id=CUSTOMER_ID)
        assert events == [
            ("before-async", "customers_get"),
            ("before", "customers_get", "GET", url),
            ("after-async", "customers_get", 200),
            ("after", "customers_get", "GET", 200),
        ]


def test_sync_client_refuses_async_hooks(server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0))])

    async def hook(op: str, request: httpx.Request) -> None:
        return None

    with (
        dynclient.Client(base_url=server.url, before_request=[hook]) as client,
        pytest.raises(TypeError, match="async"),
    ):
        client.call("customers_get", id=CUSTOMER_ID)


@pytest.mark.parametrize("returned", [False, None, True, "skip", 0])
async def test_hooks_cannot_disable_response_validation(make: Any, server: LocalServer, returned: Any) -> None:
    bad = customer(0)
    del bad["email"]  # required by the spec
    server.script("GET", GET_PATH, [Reply(200, json=bad)])
    good = httpx.Response(200, json=customer(0))

    def before(op: str, request: httpx.Request) -> Any:
        return returned

    def after(op: str, request: httpx.Request, response: httpx.Response) -> Any:
        response.json()["email"] = "patched@example.com"  # mutating a parsed copy changes nothing
        return good if returned == "skip" else returned  # nor does returning another response

    with pytest.raises(dynclient.ResponseValidationError) as info:
        await make(before_request=[before], after_response=[after]).call("customers_get", id=CUSTOMER_ID)
    assert "email" in str(info.value)


async def test_hooks_cannot_disable_request_validation(make: Any, server: LocalServer) -> None:
    calls: list[str] = []

    def hook(op: str, request: httpx.Request) -> bool:
        calls.append(op)
        return False

    api = make(before_request=[hook])
    with pytest.raises(dynclient.RequestValidationError):
        await api.call("customers_list", limit="many")
    assert calls == [] and server.seen == []  # nothing built, nothing sent


# -- logging and secrets ------------------------------------------------------------------------


async def test_debug_log_has_method_url_status_duration_attempt(
    make: Any, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script("GET", GET_PATH, [Reply(503), Reply(200, json=customer(0))])
    caplog.set_level(logging.DEBUG, logger="dynclient")
    await make().call("customers_get", id=CUSTOMER_ID)
    lines = [r.getMessage() for r in caplog.records if r.name == "dynclient"]
    url = server.url + GET_PATH
    responses = [line for line in lines if line.startswith("response")]
    assert len(responses) == 2
    assert f"GET {url} -> 503" in responses[0] and "attempt=1" in responses[0] and " ms " in responses[0]
    assert f"GET {url} -> 200" in responses[1] and "attempt=2" in responses[1]
    requests = [line for line in lines if line.startswith("request ")]
    assert [("attempt=1" in requests[0]), ("attempt=2" in requests[1])] == [True, True]
    assert not any("customer0@example.com" in line for line in lines)  # bodies are not logged by default


async def test_retries_are_logged_at_info(make: Any, server: LocalServer, caplog: pytest.LogCaptureFixture) -> None:
    server.script("GET", GET_PATH, [Reply(503), Reply(200, json=customer(0), drop=True), Reply(200, json=customer(0))])
    caplog.set_level(logging.INFO, logger="dynclient")
    await make().call("customers_get", id=CUSTOMER_ID)
    info = [r.getMessage() for r in caplog.records if r.name == "dynclient" and r.levelno == logging.INFO]
    assert len(info) == 2
    assert "-> 503" in info[0] and "attempt=1" in info[0] and "retry in" in info[0]
    assert "RemoteProtocolError" in info[1] and "attempt=2" in info[1] and "retry in" in info[1]


async def test_bodies_are_logged_only_when_asked(
    make: Any, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.script("POST", LIST_PATH, [Reply(201, json=customer(0))])
    caplog.set_level(logging.DEBUG, logger="dynclient")
    await make(log_bodies=True).call("customers_create", body=CREATE_BODY)
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == "dynclient")
    assert "new@example.com" in text and "customer0@example.com" in text


async def test_token_never_appears_in_logs_errors_or_reprs(
    make: Any, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # every logger: dynclient, httpx, httpcore
    bad = customer(0)
    del bad["email"]
    missing = "/v1/customers/external/nobody"
    server.script("GET", GET_PATH, [Reply(503), Reply(200, json=customer(0))])
    server.script("GET", missing, [Reply(404, json={"error": "ResourceNotFound", "detail": "Not found " + "x"})])
    server.script("GET", "/v1/customers/external/bad", [Reply(200, json=bad)])
    server.script("GET", "/v1/customers/external/slow", [Reply(200, json=customer(0), delay=30)])
    server.script("GET", "/v1/customers/external/drop", [Reply(200, json=customer(0), drop=True)])
    server.script(
        "POST", LIST_PATH, [Reply(422, json={"detail": [{"loc": ["body", "email"], "msg": "bad", "type": "x"}]})]
    )
    api = make(log_bodies=True, timeout=0.2)
    seen_text: list[str] = [repr(api.client), str(api.client), repr(api.with_options(retry=FAST).client)]

    assert (await api.call("customers_get", id=CUSTOMER_ID))["id"] == CUSTOMER_ID
    attempts: list[Callable[[], Any]] = [
        lambda: api.call("customers_get_external", external_id="nobody"),
        lambda: api.call("customers_get_external", external_id="bad"),
        lambda: api.call("customers_get_external", external_id="slow"),
        lambda: api.call("customers_get_external", external_id="drop"),
        lambda: api.call("customers_create", body=CREATE_BODY),
        lambda: api.call("customers_list", limit=-1),
        lambda: api.call("customers_get", id=CUSTOMER_ID, token=TOKEN),
    ]
    kinds = set()
    for attempt in attempts:
        with pytest.raises(dynclient.DynclientError) as info:
            await attempt()
        exc = info.value
        kinds |= {k for k in ERROR_KINDS if isinstance(exc, getattr(dynclient, k))}
        seen_text += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        with warnings.catch_warnings():  # .detail: a deprecated alias, checked for leaks all the same
            warnings.simplefilter("ignore", DeprecationWarning)
            for name in ("request", "headers", "body", "detail", "text", "errors"):
                if hasattr(exc, name):
                    seen_text.append(repr(getattr(exc, name)))
        request = getattr(exc, "request", None)
        if isinstance(request, httpx.Request):
            seen_text.append(repr(request.headers))
    assert kinds == ERROR_KINDS
    # the token did go over the wire: the test would notice a leak
    assert {s.headers.get("Authorization") for s in server.seen} == {f"Bearer {TOKEN}"}
    logged = caplog.text + "\n".join(repr(r.args) + repr(r.__dict__) for r in caplog.records)
    assert "[redacted]" in logged and "customer0@example.com" in logged  # headers and bodies were logged
    for text in [*seen_text, logged]:
        assert TOKEN not in text
        assert TOKEN[10:30] not in text


#: every kind of error the leak test must provoke (by isinstance; TimeoutError was renamed RequestTimeout)
ERROR_KINDS = {"APIError", "ResponseValidationError", "RequestTimeout", "TransportError", "RequestValidationError"}


async def test_token_echoed_by_the_server_or_passed_as_a_value_is_redacted(
    make: Any, server: LocalServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    echo = {"error": "Unauthorized", "detail": f"invalid token {TOKEN}"}
    server.script("GET", GET_PATH, [Reply(401, json=echo)])
    bad = customer(0)
    bad["email"] = 12345
    bad["name"] = TOKEN
    server.script("GET", "/v1/customers/external/bad", [Reply(200, json=bad)])
    api = make(log_bodies=True)
    texts: list[str] = []
    attempts: list[Callable[[], Any]] = [
        lambda: api.call("customers_get", id=CUSTOMER_ID),
        lambda: api.call("customers_get_external", external_id="bad"),
        lambda: api.call("customers_list", limit=TOKEN),  # a value in a validation message
    ]
    for attempt in attempts:
        with pytest.raises(dynclient.DynclientError) as info:
            await attempt()
        exc = info.value
        texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        with warnings.catch_warnings():  # .detail: a deprecated alias, checked for leaks all the same
            warnings.simplefilter("ignore", DeprecationWarning)
            texts += [repr(getattr(exc, name, None)) for name in ("body", "text", "detail", "errors", "headers")]
    assert "[redacted]" in texts[0]  # the echo was there, and was replaced
    assert any("12345" in t for t in texts)  # the invalid response was reported
    logged = caplog.text
    assert "invalid token [redacted]" in logged  # response bodies were logged, scrubbed
    for text in [*texts, logged]:
        assert TOKEN not in text


# -- headers: version pin, defaults -------------------------------------------------------------


async def test_api_version_header_is_pinned_by_default(make: Any, server: LocalServer) -> None:
    # issue 11: the spec's dated version is sent by default (was opt-in); api_version=False sends none
    server.script("GET", GET_PATH, [Reply(200, json=customer(0))])
    await make(api_version=False).call("customers_get", id=CUSTOMER_ID)
    await make().call("customers_get", id=CUSTOMER_ID)
    await make(api_version="2026-07-21", version_header="X-Api-Version", headers={"X-Team": "billing"}).call(
        "customers_get", id=CUSTOMER_ID
    )
    first, pinned, custom = (s.headers for s in server.requests_to("GET", GET_PATH))
    assert "Polar-Version" not in first
    assert pinned["Polar-Version"] == "2026-10"
    assert custom["X-Api-Version"] == "2026-07-21" and custom["X-Team"] == "billing" and "Polar-Version" not in custom
    with pytest.raises(ValueError, match="dated version"):
        make(spec=mini_spec(version="2.0.0"), api_version=True)


# -- pools and lifecycle ------------------------------------------------------------------------


async def test_with_options_shares_the_pool_and_does_not_close_it(make: Any, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0))])
    base = make()
    await base.call("customers_get", id=CUSTOMER_ID)
    derived = base.with_options(retry=dynclient.RetryPolicy.none(), timeout=5.0)
    await derived.call("customers_get", id=CUSTOMER_ID)
    await derived.close()  # a no-op for the pool
    await base.call("customers_get", id=CUSTOMER_ID)
    other = make()
    await other.call("customers_get", id=CUSTOMER_ID)
    ports = [s.peer[1] for s in server.requests_to("GET", GET_PATH)]
    assert ports[0] == ports[1] == ports[2]  # one pooled connection served base and derived
    assert ports[3] != ports[0]  # a separate client has its own pool


async def test_clients_close_their_own_http_client(kind: str, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0))])
    if kind == "async":
        async with dynclient.AsyncClient(base_url=server.url) as aclient:
            await aclient.call("customers_get", id=CUSTOMER_ID)
        with pytest.raises((RuntimeError, dynclient.DynclientError)):
            await aclient.call("customers_get", id=CUSTOMER_ID)
    else:
        with dynclient.Client(base_url=server.url) as client:
            client.call("customers_get", id=CUSTOMER_ID)
        with pytest.raises((RuntimeError, dynclient.DynclientError)):
            client.call("customers_get", id=CUSTOMER_ID)
