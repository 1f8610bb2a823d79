"""One error vocabulary (issue 13): every error that carries a response has ``operation``,
``status_code``, ``headers``, ``text`` (raw), ``body`` (parsed, or None), ``response``, ``request``
and ``attempts``, of the same types, through both clients, after pickling too; the other kinds
carry what a caller needs; ``TimeoutError`` is only a deprecated alias of ``RequestTimeout``."""

from __future__ import annotations

import json
import pickle
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import TOKEN, Api
from payloads import CUSTOMER_ID, NOT_FOUND, customer

import dynclient

VALIDATION = {"detail": [{"loc": ["body", "email"], "msg": "value is not a valid email address", "type": "x"}]}


def answer(
    status: int, body: Any = None, *, echo: bool = True, headers: dict[str, str] | None = None
) -> httpx.Response:
    """A JSON answer (raw bytes when ``body`` is bytes) echoing the API version sent."""
    content = body if isinstance(body, bytes) else b"" if body is None else json.dumps(body).encode()
    head = {"content-type": "application/json", **(headers or {})}
    if echo:
        head["polar-version"] = "2026-10"
    return httpx.Response(status, content=content, headers=head)


#: (id, operation, arguments, answer, client options, class of the error, its body)
CASES: list[tuple[str, str, dict[str, Any], httpx.Response, dict[str, Any], str, Any]] = [
    ("400", "customers_get", {}, answer(400, {"detail": "bad"}), {}, "BadRequestError", {"detail": "bad"}),
    ("401", "customers_get", {}, answer(401, {"detail": "no"}), {}, "AuthenticationError", {"detail": "no"}),
    ("403", "customers_get", {}, answer(403, {"detail": "scope"}), {}, "PermissionDeniedError", {"detail": "scope"}),
    ("404 spec class", "customers_get", {}, answer(404, NOT_FOUND), {}, "ResourceNotFound", NOT_FOUND),
    ("404 other", "customers_get", {}, answer(404, {"detail": "x"}), {}, "NotFoundError", {"detail": "x"}),
    ("409", "customers_get", {}, answer(409, {"detail": "taken"}), {}, "ConflictError", {"detail": "taken"}),
    ("422 spec class", "customers_get", {}, answer(422, VALIDATION), {}, "HTTPValidationError", VALIDATION),
    (
        "429",
        "customers_get",
        {},
        answer(429, {"detail": "slow"}, headers={"retry-after": "7"}),
        {},
        "RateLimitError",
        {"detail": "slow"},
    ),
    ("500 not JSON", "customers_get", {}, answer(500, b"<html>oops</html>"), {}, "ServerError", None),
    ("418", "customers_get", {}, answer(418, {"detail": "tea"}), {}, "APIError", {"detail": "tea"}),
    (
        "version refused",
        "customers_get",
        {},
        answer(404, {"detail": "x"}, echo=False),
        {},
        "ApiVersionError",
        {"detail": "x"},
    ),
    ("invalid answer", "customers_get", {}, answer(200, {"id": 3}), {}, "ResponseValidationError", {"id": 3}),
    (
        "too large",
        "customers_get",
        {},
        answer(200, customer(0)),
        {"max_response_bytes": 100},
        "ResponseTooLargeError",
        None,
    ),
]


def error_class(api: Api, name: str) -> type[BaseException]:
    found = getattr(dynclient, name, None) or getattr(api.errors, name)
    assert isinstance(found, type) and issubclass(found, dynclient.DynclientError)
    return found


@pytest.mark.parametrize(
    ("operation", "arguments", "response", "options", "kind", "body"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_every_error_with_a_response_speaks_the_same_vocabulary(
    make_api: Callable[..., Api],
    operation: str,
    arguments: dict[str, Any],
    response: httpx.Response,
    options: dict[str, Any],
    kind: str,
    body: Any,
) -> None:
    fresh = lambda _r: httpx.Response(response.status_code, headers=response.headers, content=response.content)  # noqa: E731
    api = make_api(fresh, **options)
    with pytest.raises(error_class(api, kind)) as info:
        api.call(operation, id=CUSTOMER_ID, **arguments)
    err: Any = info.value
    for seen in (err, pickle.loads(pickle.dumps(err))):
        assert type(seen).__name__ == kind
        assert seen.operation == operation
        assert seen.status_code == response.status_code and isinstance(seen.status_code, int)
        assert isinstance(seen.headers, dict) and seen.headers["content-type"] == "application/json"
        assert isinstance(seen.text, str)
        assert seen.text == ("" if kind == "ResponseTooLargeError" else response.content.decode())  # raw
        assert seen.body == body  # parsed (None: not JSON, or not kept)
        assert isinstance(seen.response, httpx.Response) and seen.response.status_code == response.status_code
        assert isinstance(seen.request, httpx.Request)
        assert (seen.request.method, seen.request.url.path) == ("GET", f"/v1/customers/{CUSTOMER_ID}")
        assert seen.request.headers["authorization"] == "[redacted]"
        assert seen.attempts == 1
        assert TOKEN not in str(seen) and TOKEN not in repr(seen)
    if kind == "RateLimitError":
        assert isinstance(err, dynclient.RateLimitError) and err.retry_after == 7.0


def test_the_attempts_count_the_retries(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda _r: answer(503, {"detail": "busy"}), retry=dynclient.RetryPolicy(attempts=3, backoff=0))
    with pytest.raises(dynclient.ServerError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.attempts == 3 and "(after 3 attempts)" in str(info.value)


def raise_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


@pytest.mark.parametrize(("handler", "kind"), [(raise_connect, "TransportError"), (raise_timeout, "RequestTimeout")])
def test_errors_without_a_response_carry_the_request_and_the_attempts(
    make_api: Callable[..., Api], handler: Callable[[httpx.Request], httpx.Response], kind: str
) -> None:
    api = make_api(handler)
    with pytest.raises(dynclient.TransportError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    for seen in (info.value, pickle.loads(pickle.dumps(info.value))):
        assert type(seen).__name__ == kind
        assert (seen.operation, seen.attempts) == ("customers_get", 1)
        assert isinstance(seen.request, httpx.Request) and seen.request.headers["authorization"] == "[redacted]"
        assert isinstance(seen.message, str) and seen.message
        assert not hasattr(seen, "status_code")  # no response: none of its words


def test_the_other_kinds_carry_what_a_caller_needs(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda _r: answer(200, customer(0)))
    with pytest.raises(dynclient.RequestValidationError) as invalid:
        api.call("customers_list", limit="ten")
    (field,) = invalid.value.errors
    assert invalid.value.operation == "customers_list"
    assert (field.location, field.path, field.keyword) == ("query.limit", ("query", "limit"), "type")
    assert invalid.value.locations == ("query.limit",)
    with pytest.raises(dynclient.SpecError) as spec:
        dynclient.load_spec({"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {"/a": 3}})
    assert spec.value.pointer == "/paths/~1a" and spec.value.reason
    for mistake in (lambda: dynclient.Client(server="moon"), lambda: api.client.paginate("customers_get")):  # type: ignore[call-overload]
        with pytest.raises(dynclient.ConfigurationError) as config:
            mistake()
        assert isinstance(config.value, ValueError)
    assert issubclass(dynclient.ClientClosedError, RuntimeError)
    assert issubclass(dynclient.InvalidTokenError, dynclient.ConfigurationError)


def test_timeout_error_is_a_deprecated_alias_outside_all() -> None:
    assert "TimeoutError" not in dynclient.__all__ and "RequestTimeout" in dynclient.__all__
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        alias = dynclient.TimeoutError  # type: ignore[attr-defined]
    assert alias is dynclient.RequestTimeout
    assert [w.category for w in caught] == [DeprecationWarning]
    assert "use dynclient.RequestTimeout" in str(caught[0].message)
    namespace: dict[str, Any] = {}
    exec("from dynclient import *", namespace)  # a star import never shadows the builtin
    assert "TimeoutError" not in namespace and namespace["RequestTimeout"] is dynclient.RequestTimeout
    assert issubclass(dynclient.DeadlineExceeded, dynclient.RequestTimeout)


def test_detail_is_a_deprecated_name_for_body(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda _r: answer(404, NOT_FOUND))
    with pytest.raises(dynclient.NotFoundError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    with pytest.warns(DeprecationWarning, match=r"use \.body"):
        assert info.value.detail == NOT_FOUND == info.value.body
