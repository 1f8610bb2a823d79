"""Issue 10 item 10 (configuration part): header injection is refused at construction, and an
error that is local and deterministic is never retried.

CR/LF/NUL and other characters that cannot be in a header, in ``Client(headers=)``,
``with_options(headers=)``, ``api_version`` or ``version_header``, used to reach the HTTP
library (which refused them only after three retried attempts, as a ``TransportError``) or a
user's transport (which received them unchanged). Now: a ``ConfigurationError`` at
construction that never shows the value, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _netkit import TOKEN, run
from conftest import internals

import dynclient
from dynclient._retry import RetryPolicy, RetryState

CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
SECRET_VALUE = "trace-abcdef-0123456789"  # a header value may be a credential: never echoed

BAD_VALUES = [
    f"{SECRET_VALUE}\r\nX-Injected: 1",
    f"{SECRET_VALUE}\n",
    f"{SECRET_VALUE}\r",
    f"{SECRET_VALUE}\x00",
    f"{SECRET_VALUE}\x7f",
    f"{SECRET_VALUE}\x1b[31m",
    f"{SECRET_VALUE}é",
    f"{SECRET_VALUE}\u2028",
]
BAD_NAMES = ["X-Trace\r\nX-Injected", "X Trace", "X-Trace:", "", "X-Tracé", "X-Trace\x00", "(X)"]


@pytest.fixture(params=[dynclient.Client, dynclient.AsyncClient], ids=["sync", "async"])
def cls(request: pytest.FixtureRequest) -> Any:
    return request.param


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        return httpx.Response(204)


def _http(cls: Any, recorder: _Recorder) -> Any:
    transport = httpx.MockTransport(recorder)
    return httpx.AsyncClient(transport=transport) if cls is dynclient.AsyncClient else httpx.Client(transport=transport)


def _refused(make: Callable[[], Any]) -> dynclient.ConfigurationError:
    with pytest.raises(dynclient.ConfigurationError) as info:
        make()
    assert SECRET_VALUE not in str(info.value)
    assert isinstance(info.value, ValueError)
    return info.value


@pytest.mark.parametrize("value", BAD_VALUES)
def test_a_bad_default_header_value_is_refused_at_construction(cls: Any, value: str) -> None:
    recorder = _Recorder()
    error = _refused(lambda: cls(access_token=TOKEN, headers={"X-Trace": value}, http_client=_http(cls, recorder)))
    assert "X-Trace" in str(error)
    assert recorder.sent == []


@pytest.mark.parametrize("name", BAD_NAMES)
def test_a_bad_default_header_name_is_refused_at_construction(cls: Any, name: str) -> None:
    _refused(lambda: cls(access_token=TOKEN, headers={name: "1"}))


@pytest.mark.parametrize("value", BAD_VALUES)
def test_with_options_headers_are_checked_too(cls: Any, value: str) -> None:
    recorder = _Recorder()
    client = cls(access_token=TOKEN, http_client=_http(cls, recorder))
    _refused(lambda: client.with_options(headers={"X-Trace": value}))
    _refused(lambda: client.with_options(headers={"X Trace": "1"}))
    assert recorder.sent == []


@pytest.mark.parametrize("version", ["2026-10\r\nX-Injected: 1", "2026-10\n", "2026\x0010", "2026-10é"])
def test_a_bad_api_version_is_refused_at_construction(cls: Any, version: str) -> None:
    _refused(lambda: cls(access_token=TOKEN, api_version=version))


@pytest.mark.parametrize("header", ["Polar-Version\r\nX-Injected", "Polar Version", "Polar-Version:", ""])
def test_a_bad_version_header_is_refused_at_construction(cls: Any, header: str) -> None:
    _refused(lambda: cls(access_token=TOKEN, api_version="2026-10", version_header=header))


@pytest.mark.parametrize("value", [1, None, b"bytes", ["a"]])
def test_a_header_value_must_be_text(cls: Any, value: Any) -> None:
    _refused(lambda: cls(access_token=TOKEN, headers={"X-Trace": value}))


async def test_good_headers_still_reach_the_server(cls: Any) -> None:
    recorder = _Recorder()
    client = cls(
        access_token=TOKEN,
        headers={"X-Trace": "a b\tc !#$%&'*+-.^_`|~"},
        api_version="2026-10",
        validate_responses="off",
        http_client=_http(cls, recorder),
    )
    await run(client.with_options(headers={"X-Extra": "1"}).call("customers_delete", id=CUSTOMER_ID))
    sent = recorder.sent[0].headers
    assert sent["X-Trace"] == "a b\tc !#$%&'*+-.^_`|~" and sent["X-Extra"] == "1" and sent["Polar-Version"] == "2026-10"


# -- local, deterministic errors are not retried ----------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        httpx.LocalProtocolError("Illegal header value"),
        httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'"),
        httpx.DecodingError("Error -3 while decompressing data"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_local_deterministic_errors_are_raised_after_one_attempt(cls: Any, error: Exception) -> None:
    attempts: list[httpx.Request] = []

    def fail(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise internals(type(error))(str(error), request=request)  # each kind of httpx error, as httpx raises it

    transport = httpx.MockTransport(fail)
    http = httpx.AsyncClient(transport=transport) if cls is dynclient.AsyncClient else httpx.Client(transport=transport)
    policy = RetryPolicy(attempts=5, backoff=0.01, max_backoff=0.02)
    client = cls(access_token=TOKEN, http_client=http, retry=policy)
    with pytest.raises(dynclient.TransportError) as info:
        await run(client.call("customers_get", id=CUSTOMER_ID))
    assert len(attempts) == 1
    assert info.value.attempts == 1
    assert type(error).__name__ in str(info.value)


async def test_a_connection_error_is_still_retried(cls: Any) -> None:
    """The control: a refused connection may well succeed next time."""
    attempts: list[httpx.Request] = []

    def flaky(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        if len(attempts) < 3:
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(204)

    transport = httpx.MockTransport(flaky)
    http = httpx.AsyncClient(transport=transport) if cls is dynclient.AsyncClient else httpx.Client(transport=transport)
    client = cls(access_token=TOKEN, http_client=http, retry=RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02))
    await run(client.call("customers_delete", id=CUSTOMER_ID))
    assert len(attempts) == 3


def test_retry_state_classifies_local_errors() -> None:
    local: list[httpx.RequestError] = [
        httpx.LocalProtocolError("x"),
        httpx.UnsupportedProtocol("x"),
        httpx.DecodingError("x"),
    ]
    for exc in local:
        assert RetryState(RetryPolicy(), "GET").after_error(exc) is None
    remote: list[httpx.RequestError] = [httpx.ConnectError("x"), httpx.ReadTimeout("x"), httpx.RemoteProtocolError("x")]
    for exc in remote:
        assert RetryState(RetryPolicy(), "GET").after_error(exc) is not None


async def test_a_url_the_http_library_cannot_build_is_a_request_validation_error(cls: Any) -> None:
    """Whatever the argument checks let through, a URL httpx refuses (over 64 KiB) is refused
    before sending as a RequestValidationError, never a raw httpx.InvalidURL."""
    recorder = _Recorder()
    client = cls(access_token=TOKEN, http_client=_http(cls, recorder))
    with pytest.raises(dynclient.RequestValidationError):
        await run(client.call("customers_get_external", external_id="x" * 70_000))
    assert recorder.sent == []


@pytest.mark.parametrize(
    ("kind", "wrong"),
    [
        (dynclient.Client, httpx.AsyncClient),
        (dynclient.Client, object),
        (dynclient.AsyncClient, httpx.Client),
        (dynclient.AsyncClient, object),
    ],
)
def test_http_client_must_match_the_client_kind(kind: Any, wrong: Any) -> None:
    with pytest.raises(dynclient.ConfigurationError):
        kind(access_token=TOKEN, http_client=wrong())
