"""Issue 10 item 11: lifecycle and processes.

Any call after ``close()``/``aclose()``, or in flight during it, raises ``ClientClosedError``
(a ``DynclientError`` and a ``RuntimeError``), never httpx's raw ``RuntimeError``: both
clients, every way of calling, ``with_options`` clones of a closed client, pagination. Every
error kind survives ``pickle``, ``copy.copy``, ``copy.deepcopy`` and a real
``ProcessPoolExecutor`` boundary (spawned workers that never saw the spec) with its attributes
intact, and no pickle holds the token.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import multiprocessing
import pickle
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import httpx
import pytest
from _netkit import TOKEN, close, make_client, run
from _server import LocalServer, Reply
from payloads import CUSTOMER_ID, customer

import dynclient

GET_PATH = f"/v1/customers/{CUSTOMER_ID}"
LIST_PATH = "/v1/customers/"


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.script("GET", GET_PATH, [Reply(200, json=customer(0))])
        srv.script("GET", LIST_PATH, [Reply(200, json={"items": [], "pagination": {"total_count": 0, "max_page": 1}})])
        yield srv


async def _drain(iterator: Any) -> list[Any]:
    if hasattr(iterator, "__aiter__"):
        return [x async for x in iterator]
    return list(iterator)


#: every way of making a call, as (name, function of the client)
WAYS: list[tuple[str, Callable[[Any], Any]]] = [
    ("call", lambda c: c.call("customers_get", id=CUSTOMER_ID)),
    ("group", lambda c: c.customers.get(id=CUSTOMER_ID)),
    ("invoke", lambda c: c.invoke("customers_get", id=CUSTOMER_ID)),
    ("raw call", lambda c: c.with_raw_response.call("customers_get", id=CUSTOMER_ID)),
    ("raw group", lambda c: c.with_raw_response.customers.get(id=CUSTOMER_ID)),
    ("paginate", lambda c: _drain(c.paginate("customers_list", limit=5))),
    ("pages", lambda c: _drain(c.pages("customers_list", limit=5))),
    ("clone", lambda c: c.with_options(timeout=5).call("customers_get", id=CUSTOMER_ID)),
]


@pytest.mark.parametrize(("way", "fn"), WAYS, ids=[w for w, _ in WAYS])
async def test_every_call_after_close_raises_client_closed(
    kind: str, server: LocalServer, way: str, fn: Callable[[Any], Any]
) -> None:
    client = make_client(kind, base_url=server.url)
    assert (await run(client.call("customers_get", id=CUSTOMER_ID)))["id"] == CUSTOMER_ID
    assert not client.closed
    await close(client)
    assert client.closed
    before = len(server.seen)
    with pytest.raises(dynclient.ClientClosedError) as info:
        await run(fn(client))
    assert isinstance(info.value, RuntimeError) and isinstance(info.value, dynclient.DynclientError)
    assert len(server.seen) == before  # nothing sent
    assert TOKEN not in str(info.value)
    await close(client)  # closing twice is fine


async def test_a_clone_made_before_the_parent_closed_is_closed_with_it(kind: str, server: LocalServer) -> None:
    client = make_client(kind, base_url=server.url)
    clone = client.with_options(retry=dynclient.RetryPolicy.none())
    grandchild = clone.with_options(timeout=3)
    assert (await run(grandchild.call("customers_get", id=CUSTOMER_ID)))["id"] == CUSTOMER_ID
    await close(client)
    for derived in (clone, grandchild):
        assert derived.closed
        with pytest.raises(dynclient.ClientClosedError):
            await run(derived.call("customers_get", id=CUSTOMER_ID))


async def test_closing_a_clone_closes_only_the_clone(kind: str, server: LocalServer) -> None:
    client = make_client(kind, base_url=server.url)
    clone = client.with_options(timeout=3)
    await close(clone)
    with pytest.raises(dynclient.ClientClosedError):
        await run(clone.customers.get(id=CUSTOMER_ID))
    assert (await run(client.customers.get(id=CUSTOMER_ID)))["id"] == CUSTOMER_ID  # the pool is still open
    await close(client)


async def test_a_passed_in_http_client_closed_by_its_owner(kind: str, server: LocalServer) -> None:
    http: Any = httpx.AsyncClient() if kind == "async" else httpx.Client()
    client = make_client(kind, base_url=server.url, http_client=http)
    await run(http.aclose() if kind == "async" else http.close())
    with pytest.raises(dynclient.ClientClosedError) as info:
        await run(client.call("customers_get", id=CUSTOMER_ID))
    assert isinstance(info.value.__cause__, RuntimeError)  # httpx's, kept as the cause only


async def test_closing_a_client_that_does_not_own_its_pool_marks_it_closed(kind: str, server: LocalServer) -> None:
    http: Any = httpx.AsyncClient() if kind == "async" else httpx.Client()
    client = make_client(kind, base_url=server.url, http_client=http)
    await close(client)
    with pytest.raises(dynclient.ClientClosedError):
        await run(client.call("customers_get", id=CUSTOMER_ID))
    assert not http.is_closed  # dynclient never closes a client it was given
    await run(http.aclose() if kind == "async" else http.close())


def test_a_sync_call_in_flight_during_close_raises_client_closed(server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=1.0)])
    client = dynclient.Client(base_url=server.url, access_token=TOKEN)
    outcome: list[BaseException | Any] = []

    def in_flight() -> None:
        try:
            outcome.append(client.call("customers_get", id=CUSTOMER_ID))
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=in_flight)
    thread.start()
    time.sleep(0.3)
    client.close()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], dynclient.ClientClosedError), outcome


async def test_an_async_call_in_flight_during_aclose_raises_client_closed(server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(200, json=customer(0), delay=1.0)])
    client = dynclient.AsyncClient(base_url=server.url, access_token=TOKEN)
    task = asyncio.ensure_future(client.call("customers_get", id=CUSTOMER_ID))
    await asyncio.sleep(0.3)
    await client.aclose()
    with pytest.raises(dynclient.ClientClosedError):
        await asyncio.wait_for(task, 10)


async def test_close_cuts_a_retry_wait_short(kind: str, server: LocalServer) -> None:
    server.script("GET", GET_PATH, [Reply(503, headers={"Retry-After": "30"}), Reply(200, json=customer(0))])
    client = make_client(kind, base_url=server.url, retry=dynclient.RetryPolicy(attempts=3, max_retry_after=30))
    started = time.monotonic()
    if kind == "sync":
        assert isinstance(client, dynclient.Client)
        threading.Timer(0.3, client.close).start()
        with pytest.raises(dynclient.ClientClosedError):
            client.call("customers_get", id=CUSTOMER_ID)
    else:
        assert isinstance(client, dynclient.AsyncClient)
        task = asyncio.ensure_future(client.call("customers_get", id=CUSTOMER_ID))
        await asyncio.sleep(0.3)
        await client.aclose()
        with pytest.raises(dynclient.ClientClosedError):
            await asyncio.wait_for(task, 10)
    assert time.monotonic() - started < 3
    assert len(server.requests_to("GET", GET_PATH)) == 1


# -- errors across copies, pickles and processes ----------------------------------------------------


def _mock_client(handler: Callable[[httpx.Request], httpx.Response], **options: Any) -> dynclient.Client:
    return dynclient.Client(
        access_token=TOKEN,
        retry=dynclient.RetryPolicy.none(),
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **options,
    )


def _raised(fn: Callable[[], Any]) -> dynclient.DynclientError:
    try:
        fn()
    except dynclient.DynclientError as exc:
        return exc
    raise AssertionError("nothing raised")


def _json(status: int, body: Any, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body, headers=headers)


def every_error_kind() -> dict[str, dynclient.DynclientError]:
    """One real instance of every error class, made by real calls where a call makes it (each
    carrying a response, a redacted request and, where it can, the token echoed by the server)."""
    echo = {"detail": f"token {TOKEN} is invalid", "error": "x"}
    errors: dict[str, dynclient.DynclientError] = {}
    for status, name in [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (403, "PermissionDeniedError"),
        (409, "ConflictError"),
        (429, "RateLimitError"),
        (500, "ServerError"),
        (503, "ServerError 503"),
        (418, "APIError"),
    ]:
        client = _mock_client(_json(status, echo, **{"Retry-After": "7"}))
        errors[name] = _raised(functools.partial(client.call, "customers_get", id=CUSTOMER_ID))
    client = _mock_client(_json(404, {"error": "ResourceNotFound", "detail": f"no {TOKEN}"}))
    errors["ResourceNotFound"] = _raised(lambda: client.call("customers_get", id=CUSTOMER_ID))
    client = _mock_client(_json(404, {"detail": "Not Found"}))
    errors["NotFoundError"] = _raised(lambda: client.call("customers_get", id=CUSTOMER_ID))
    client = _mock_client(_json(422, {"detail": [{"loc": ["body", "email"], "msg": "bad", "type": "value_error"}]}))
    errors["HTTPValidationError"] = _raised(lambda: client.call("customers_create", body={"email": "a@example.com"}))
    client = _mock_client(_json(422, {"detail": [{"msg": "x", "loc": None}]}))
    errors["UnprocessableEntityError"] = _raised(
        lambda: client.call("customers_create", body={"email": "a@example.com"})
    )
    client = _mock_client(_json(200, {"id": TOKEN}))
    errors["ResponseValidationError"] = _raised(lambda: client.call("customers_get", id=CUSTOMER_ID))
    client = _mock_client(_json(200, {"blob": "x" * 5000}), max_response_bytes=1000)
    errors["ResponseTooLargeError"] = _raised(lambda: client.call("customers_get", id=CUSTOMER_ID))
    errors["RequestValidationError"] = _raised(lambda: client.invoke("customers_list", limit="ten"))

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    errors["TransportError"] = _raised(lambda: _mock_client(refuse).call("customers_get", id=CUSTOMER_ID))
    errors["RequestTimeout"] = _raised(lambda: _mock_client(slow).call("customers_get", id=CUSTOMER_ID))
    timed = _mock_client(slow, deadline=0.001)
    time.sleep(0.002)
    errors["DeadlineExceeded"] = dynclient.DeadlineExceeded(
        "customers_get", "the call's deadline of 0.001 s passed", timed.build_request("customers_get", id=CUSTOMER_ID)
    )
    closed = _mock_client(_json(200, {}))
    closed.close()
    errors["ClientClosedError"] = _raised(lambda: closed.call("customers_get", id=CUSTOMER_ID))
    errors["ConfigurationError"] = _raised(lambda: dynclient.Client(access_token=TOKEN, deadline=-1))
    errors["SpecError"] = _raised(lambda: dynclient.load_spec({"openapi": "3.1.0", "paths": {"x": {}}}))
    errors["PaginationError"] = dynclient.PaginationError("customers_list: page 2 repeats page 1")
    errors["WebhookVerificationError"] = dynclient.WebhookVerificationError("no matching signature")
    errors["WebhookPayloadError"] = dynclient.WebhookPayloadError(
        "customer.created",
        "msg_1",
        [dynclient.FieldError("payload.data.email", "5 is not of type 'string'", "type", ("payload", "data", "email"))],
        {"type": "customer.created", "data": {"email": 5}},
    )
    errors["ApiVersionError"] = dynclient.ApiVersionError(
        "customers_get", httpx.Response(404, json={"detail": "Not Found"}, request=httpx.Request("GET", "https://x/"))
    )
    errors["InvalidTokenError"] = dynclient.InvalidTokenError("the token has a control character")
    errors["DynclientError"] = dynclient.DynclientError("plain")
    return errors


def _facts(exc: BaseException) -> dict[str, Any]:
    """What a caller acts on: class, message and the shared vocabulary of attributes."""
    out: dict[str, Any] = {"class": type(exc).__qualname__, "module": type(exc).__module__, "str": str(exc)}
    for name in (
        "operation",
        "status_code",
        "headers",
        "text",
        "body",
        "attempts",
        "limit",
        "errors",
        "pointer",
        "message",
        "schema_title",
        "statuses",
        "retry_after",
    ):
        if hasattr(exc, name):
            out[name] = getattr(exc, name)
    request = getattr(exc, "request", None)
    if request is not None:
        out["request"] = (request.method, str(request.url), dict(request.headers))
    return out


@pytest.fixture(scope="module")
def errors() -> dict[str, dynclient.DynclientError]:
    return every_error_kind()


def test_the_collection_covers_every_exported_error_class(errors: dict[str, dynclient.DynclientError]) -> None:
    exported = {
        name
        for name in dynclient.__all__
        if isinstance(getattr(dynclient, name), type) and issubclass(getattr(dynclient, name), dynclient.DynclientError)
    }
    made = {type(e).__name__ for e in errors.values()} | {c.__name__ for e in errors.values() for c in type(e).__mro__}
    assert exported <= made, exported - made
    assert type(errors["ResourceNotFound"]).__module__ == "dynclient.errors"  # made from the spec
    assert isinstance(errors["ResourceNotFound"], dynclient.NotFoundError)


@pytest.mark.parametrize("how", ["pickle", "copy", "deepcopy"])
def test_every_error_survives_pickle_and_copies(errors: dict[str, dynclient.DynclientError], how: str) -> None:
    for name, exc in errors.items():
        if how == "pickle":
            data = pickle.dumps(exc)
            assert TOKEN.encode() not in data, name
            again = pickle.loads(data)
        elif how == "copy":
            again = copy.copy(exc)
        else:
            again = copy.deepcopy(exc)
        assert type(again) is type(exc), name
        assert _facts(again) == _facts(exc), name
        assert TOKEN not in str(again), name


def _echo(exc: BaseException) -> BaseException:
    """Runs in a worker process: returns the error it was given."""
    return exc


def _raise(exc: BaseException) -> None:
    """Runs in a worker process: raises the error it was given."""
    raise exc


def _make_in_worker() -> BaseException:
    """Runs in a worker process: a spec error class made there, from a real call."""
    client = _mock_client(_json(404, {"error": "ResourceNotFound", "detail": "gone"}))
    return _raised(lambda: client.call("customers_get", id=CUSTOMER_ID))


@pytest.mark.slow
def test_every_error_crosses_a_process_pool_boundary(errors: dict[str, dynclient.DynclientError]) -> None:
    """Spawned workers (a fresh interpreter that never loaded a spec) receive each error,
    return it and raise it; the parent gets the same class with the same attributes."""
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
        echoed = {name: pool.submit(_echo, exc) for name, exc in errors.items()}
        raised = {name: pool.submit(_raise, exc) for name, exc in errors.items()}
        made = pool.submit(_make_in_worker).result(timeout=120)
        for name, exc in errors.items():
            back = echoed[name].result(timeout=120)
            assert type(back) is type(exc), name
            assert _facts(back) == _facts(exc), name
            thrown = raised[name].exception(timeout=120)
            assert type(thrown) is type(exc), name
            assert isinstance(thrown, dynclient.DynclientError)
            assert _facts(thrown) == _facts(exc), name
    assert type(made) is type(errors["ResourceNotFound"])
    assert isinstance(made, dynclient.NotFoundError) and made.status_code == 404
