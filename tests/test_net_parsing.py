"""Issue 10 item 7: every parse of server data is total; only ``DynclientError`` subclasses escape.

``Retry-After`` values that overflow, are negative, NaN-like or huge; error bodies of odd shapes
(``{"detail": [{"msg": "x", "loc": null}]}``, non-dict items, deep lists, not JSON at all);
headers that are not Latin-1. Sans-IO units first, then the same through a real server for
both clients, where the error's message, repr and attributes are all read.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from _netkit import TOKEN, close, make_client, run
from _server import LocalServer, Reply
from payloads import CUSTOMER_ID, customer

import dynclient
from dynclient._retry import RetryPolicy, RetryState, retry_after_seconds

GET_PATH = f"/v1/customers/{CUSTOMER_ID}"

ODD_RETRY_AFTER = [
    "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
    "Sun, 06 Nov 0000 08:49:37 GMT",
    "Sun, 06 Nov 1994 99:99:99 GMT",
    "Mon, 31 Feb 2026 08:49:37 GMT",
    "Sun, 06 Nov 1994 08:49:37 +9999",
    "-5",
    "-0",
    "NaN",
    "nan",
    "inf",
    "Infinity",
    "1e400",
    "1e3",
    "9" * 400,
    "9" * 60,
    "0x10",
    "1_000",
    "١٢٣",  # Arabic-Indic digits
    "5 5",
    "",
    " ",
    "\x00",
    "é",
    "\udcff",
    "3600.000000000000000000001",
    "Sun, 06 Nov 1994 08:49:37 GMT" * 10,
]


@pytest.mark.parametrize("value", ODD_RETRY_AFTER)
def test_retry_after_is_total(value: str) -> None:
    seconds = retry_after_seconds(value, now=1_700_000_000.0)
    assert seconds is None or (isinstance(seconds, float) and 0 <= seconds < float("inf"))
    state = RetryState(RetryPolicy(attempts=2, max_retry_after=60, max_elapsed=600), "GET")
    raw: list[tuple[bytes, bytes]] = [(b"Retry-After", value.encode("utf-8", "surrogateescape"))]
    response = httpx.Response(429, headers=raw)
    wait = state.after_response(response)
    assert wait is not None and 0 <= wait <= 60  # capped, or (unusable) the policy's own backoff


def test_retry_after_reads_what_it_should() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 1.5 ") == 1.5
    assert retry_after_seconds("9" * 60) == float("9" * 60)  # huge but finite: the caller caps it
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now=784111777.0 + 10) == 0.0
    assert retry_after_seconds("Sun, 06 Nov 1994 08:49:37 GMT", now=784111777.0 - 10) == 10.0
    for unusable in ("-5", "NaN", "1e400", "9" * 400, "Sun, 06 Nov 99999999999999999999 08:49:37 GMT"):
        assert retry_after_seconds(unusable) is None


ODD_ERROR_BODIES: list[Any] = [
    {"detail": [{"msg": "x", "loc": None}]},
    {"detail": [{"msg": "x", "loc": "body.email"}]},
    {"detail": [{"msg": {"nested": [1, 2]}, "loc": [1, None, {"a": 1}]}]},
    {"detail": [1, "a", None, [], {}, {"loc": ["q"]}]},
    {"detail": {"a": 1}},
    {"detail": None},
    {"detail": 12},
    {"detail": "x" * 100_000},
    {"error": 5, "error_description": ["a"]},
    {"error": "ResourceNotFound", "detail": ["not", "a", "string"]},
    {"msg": "no detail at all"},
    [1, 2, 3],
    [{"msg": "a list of items"}],
    "just a string",
    None,
    12.5,
    True,
    {"detail": [{"msg": "x"}] * 10_000},
    {"": {"": {"": {}}}},
]


def _deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def _read_everything(exc: dynclient.DynclientError) -> None:
    """What a caller or a logger does with an error: none of it may raise."""
    str(exc)
    repr(exc)
    for name in ("operation", "status_code", "headers", "text", "body", "request", "attempts", "errors"):
        getattr(exc, name, None)
    if isinstance(exc, dynclient.RateLimitError):
        after = exc.retry_after
        assert after is None or 0 <= after < float("inf")
    assert TOKEN not in str(exc)


BODIES = [json.dumps(b) for b in ODD_ERROR_BODIES] + [
    _deep(500),
    _deep(100_000),
    '{"detail": ' + _deep(50_000) + "}",
    "not json {",
    "\xff\xfe\x00 invalid utf-8",
    "",
]


@pytest.mark.parametrize("status", [400, 404, 422, 429, 500])
async def test_odd_error_bodies_make_api_errors(kind: str, server: LocalServer, status: int) -> None:
    client = make_client(kind, base_url=server.url, retry=dynclient.RetryPolicy.none())
    try:
        for text in BODIES:
            raw = text.encode("latin-1") if text.startswith("\xff") else text.encode()
            server.script("GET", GET_PATH, [Reply(status, body=raw, headers={"Content-Type": "application/json"})])
            with pytest.raises(dynclient.APIError) as info:
                await run(client.call("customers_get", id=CUSTOMER_ID))
            assert info.value.status_code == status
            _read_everything(info.value)
    finally:
        await close(client)


def test_the_issue_body_summarises_cleanly() -> None:
    response = httpx.Response(
        422,
        json={"detail": [{"msg": "x", "loc": None}]},
        request=httpx.Request("POST", "https://api.polar.sh/v1/customers/"),
    )
    error = dynclient.UnprocessableEntityError("customers_create", response, body=response.json())
    assert str(error).endswith("HTTP 422 from POST https://api.polar.sh/v1/customers/: x")


@pytest.mark.parametrize("value", [*ODD_RETRY_AFTER[:14], "é", "\udcff"])
async def test_odd_retry_after_through_a_server(kind: str, server: LocalServer, value: str) -> None:
    """Retried with the policy's own backoff (never a raw exception, never a huge sleep)."""
    head = f"HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: {value}\r\n"
    raw = (head + "Content-Length: 2\r\nConnection: close\r\n\r\n{}").encode("utf-8", "surrogateescape")
    server.script("GET", GET_PATH, [Reply(raw=raw), Reply(200, json=customer(0))])
    client = make_client(kind, base_url=server.url)
    try:
        assert (await run(client.call("customers_get", id=CUSTOMER_ID)))["id"] == CUSTOMER_ID
        server.script("GET", GET_PATH, [Reply(raw=raw)])
        with pytest.raises(dynclient.RateLimitError) as info:
            await run(client.with_options(retry=dynclient.RetryPolicy.none()).call("customers_get", id=CUSTOMER_ID))
        _read_everything(info.value)
    finally:
        await close(client)


NON_LATIN1_HEADERS = [
    b"X-Name: \xc3\xa9l\xc3\xa8ve\r\n",  # UTF-8
    b"X-Weird: \xff\xfe\x80\r\n",  # not UTF-8 either
    b"Content-Type: application/json; charset=\xff\xfe\r\n",
    b"Content-Type: application/json; charset=no-such-codec\r\n",
    b"Content-Encoding: \xc3\xa9\r\n",
    b"Retry-After: \xe2\x82\xac\r\n",
    b"X-Token-Echo: " + TOKEN.encode() + b"\r\n",
]


@pytest.mark.parametrize("header", NON_LATIN1_HEADERS, ids=range(len(NON_LATIN1_HEADERS)))
@pytest.mark.parametrize("status", [200, 404, 503])
async def test_headers_that_are_not_latin1(kind: str, server: LocalServer, header: bytes, status: int) -> None:
    body = json.dumps(customer(0) if status == 200 else {"detail": "x"}).encode()
    raw = (
        f"HTTP/1.1 {status} X\r\n".encode()
        + header
        + b"Content-Type: application/json\r\n" * (b"Content-Type" not in header)
        + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    server.script("GET", GET_PATH, [Reply(raw=raw)])
    client = make_client(kind, base_url=server.url, retry=dynclient.RetryPolicy.none())
    try:
        result = await run(client.with_raw_response.call("customers_get", id=CUSTOMER_ID))
        assert status == 200 and result.status_code == 200
        dict(result.headers)
    except dynclient.DynclientError as exc:
        _read_everything(exc)
    finally:
        await close(client)


async def test_a_set_cookie_is_neither_stored_nor_sent_back(kind: str, server: LocalServer) -> None:
    """Found by the property suite: a non-ASCII Set-Cookie was stored in httpx's cookie jar and
    broke the answer's redirect handling (and every later request) with a raw UnicodeEncodeError.
    The pools dynclient makes keep no cookies: the API authenticates with the token."""
    body = json.dumps(customer(0)).encode()
    head = b"HTTP/1.1 302 Found\r\nSet-Cookie: session=\x80\xff\r\nSet-Cookie: plain=1\r\nLocation: /elsewhere\r\n"
    raw = head + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body
    server.script("GET", GET_PATH, [Reply(raw=raw), Reply(200, json=customer(0))])
    client = make_client(kind, base_url=server.url, retry=dynclient.RetryPolicy.none())
    try:
        with pytest.raises(dynclient.DynclientError):  # an undeclared 302: never a success
            await run(client.call("customers_get", id=CUSTOMER_ID))
        assert (await run(client.call("customers_get", id=CUSTOMER_ID)))["id"] == CUSTOMER_ID
    finally:
        await close(client)
    assert all("Cookie" not in seen.headers for seen in server.requests_to("GET", GET_PATH))


async def test_a_passed_in_client_with_a_cookie_jar_still_only_raises_dynclient_errors(
    kind: str, server: LocalServer
) -> None:
    """The property suite's example, with the caller's own httpx client (which keeps cookies)."""
    head = b"HTTP/1.1 302 Found\r\nSet-Cookie: \x80\r\nLocation: \r\nContent-Type: application/json\r\n"
    server.script("GET", GET_PATH, [Reply(raw=head + b"Content-Length: 0\r\nConnection: close\r\n\r\n")])
    http: Any = httpx.AsyncClient() if kind == "async" else httpx.Client()
    client = make_client(kind, base_url=server.url, http_client=http, retry=dynclient.RetryPolicy.none())
    try:
        for _ in range(2):
            try:
                await run(client.call("customers_get", id=CUSTOMER_ID))
            except dynclient.DynclientError as exc:
                _read_everything(exc)
    finally:
        await run(http.aclose() if kind == "async" else http.close())
