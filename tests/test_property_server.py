"""Property suite 2 (issue 10): arbitrary server answers never make dynclient raise anything but a
``DynclientError``, and never hold more memory than its limits allow.

An answer is drawn from: a status (informational to 599), headers (odd names and values, bytes
that are not Latin-1, ``Retry-After`` of every shape), a content coding (right, wrong, stacked,
unknown), a content type (JSON, CSV, none, garbage, a bogus charset) and a body of one *kind*:
spec-valid, arbitrary JSON, odd error shapes, not JSON, invalid UTF-8, truncated, empty, or huge
(plain or compressed, past ``max_response_bytes``). Each is answered to one of the eleven
operations, through both clients, in each response-validation mode.

- ``test_any_answer_through_a_mock_transport``: MockTransport streaming the body in chunks (so
  dynclient, not the transport, decodes it); per example, peak traced memory stays under
  ``MEMORY_BOUND``.
- ``test_any_answer_through_a_real_server``: a sample written as raw bytes by a real server on
  127.0.0.1 (wrong or missing ``Content-Length``, connections closed early).

Examples: the registered Hypothesis profile (tests/conftest.py): 500 with a fixed seed in CI (the
real-server sample a tenth of that), ``DYNCLIENT_HYPOTHESIS_PROFILE=long`` for 20,000 from a
random seed.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import tracemalloc
import warnings
import zlib
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest
from _netkit import TOKEN, gzip_member
from _server import LocalServer, Reply
from conftest import internals
from hypothesis import event, given, settings
from hypothesis import strategies as st
from payloads import customer, customer_page, customer_state
from test_eleven_ops import CASES, Case

import dynclient

LIMIT = 256 * 1024  # max_response_bytes in this suite: huge bodies are cheap to make
MEMORY_BOUND = 8 * 1024 * 1024  # per example: the limit, a decoded chunk, zlib windows, parsing
EXAMPLES = settings().max_examples
SERVER_EXAMPLES = max(25, EXAMPLES // 10)

# -- the answers --------------------------------------------------------------------------------

#: the body kinds drawn ("deep": nesting 100,000 levels, bounded by _limits.MAX_DATA_DEPTH)
KINDS = ["valid", "json", "error", "text", "invalid-utf8", "truncated", "empty", "huge", "bomb", "deep"]
ALL_KINDS = KINDS

STATUSES = [200, 201, 202, 204, 206, 299, 301, 302, 304, 307, 400, 401, 403, 404, 409, 418, 422, 429]
STATUSES += [500, 501, 502, 503, 504, 599]
RETRY_AFTER = ["1", "0", "-5", "NaN", "1e400", "9" * 60, "Sun, 06 Nov 99999999999999999999 08:49:37 GMT"]
RETRY_AFTER += ["Sun, 06 Nov 1994 08:49:37 GMT", "\xe2\x82\xac", "", "0.001"]
CONTENT_TYPES = [
    "application/json",
    "application/json; charset=utf-8",
    "application/json; charset=no-such-codec",
    "application/problem+json",
    "text/csv",
    "text/plain",
    "text/html; charset=\xff",
    "",
    "garbage",
]
ENCODINGS = ["", "gzip", "deflate", "gzip, gzip", "identity", "br", "gzip (lie)", "x-bogus", "gzip, gzip, gzip, gzip"]

header_text = st.binary(max_size=40).map(lambda b: b.replace(b"\r", b"").replace(b"\n", b""))
odd_headers = st.lists(
    st.tuples(
        st.sampled_from([b"X-Odd", b"Set-Cookie", b"Polar-Version", b"X-\xff", b"Link", b"Location"]), header_text
    ),
    max_size=4,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
    max_leaves=30,
)
error_shapes = st.sampled_from(
    [
        {"detail": [{"msg": "x", "loc": None}]},
        {"detail": [1, None, {"loc": 5}, {"msg": {"a": [1]}}]},
        {"error": "ResourceNotFound", "detail": "Not found"},
        {"error": "invalid_token", "error_description": "expired"},
        {"detail": "Not Found"},
        {"detail": [{"loc": ["body", "email"], "msg": "bad", "type": "value_error"}]},
        {"detail": {"nested": True}},
    ]
)


@cache
def _bomb(size: int) -> bytes:
    return gzip_member(size)


@dataclass(frozen=True)
class Answer:
    case: Case
    status: int
    kind: str
    encoding: str
    content_type: str
    headers: tuple[tuple[bytes, bytes], ...]
    body: bytes  # as it goes on the wire (already encoded)
    mode: str
    chunk: int

    def __repr__(self) -> str:  # short: Hypothesis prints it for a failing example
        return (
            f"Answer({self.case.operation} {self.status} {self.kind} enc={self.encoding!r} ct={self.content_type!r} "
            f"{len(self.body)} bytes, mode={self.mode}, headers={self.headers!r})"
        )


def _payload(case: Case) -> Any:
    if case.operation == "customers_list":
        return customer_page(3)
    if case.operation.startswith("customers_get_state"):
        return customer_state()
    return case.payload if case.payload is not None else customer(0)


@st.composite
def answers(draw: st.DrawFn, kinds: list[str] = KINDS) -> Answer:
    case = draw(st.sampled_from(CASES))
    kind = draw(st.sampled_from(kinds))
    status = draw(st.one_of(st.just(case.status), st.sampled_from(STATUSES)))  # often the expected one
    if kind == "valid":
        payload = _payload(case)
        body = payload.encode() if isinstance(payload, str) else json.dumps(payload).encode()
    elif kind == "json":
        body = json.dumps(draw(json_values)).encode()
    elif kind == "error":
        body = json.dumps(draw(error_shapes)).encode()
    elif kind == "text":
        body = draw(st.binary(max_size=200))
    elif kind == "invalid-utf8":
        body = b'{"id": "' + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\x80abc"])) + b'"}'
    elif kind == "truncated":
        full = json.dumps(_payload(case) if not isinstance(_payload(case), str) else customer(0)).encode()
        body = full[: draw(st.integers(0, len(full) - 1))]
    elif kind == "empty":
        body = b""
    elif kind == "huge":
        body = b"[" + b"1," * (LIMIT // 2 + draw(st.integers(1, 4096))) + b"1]"
    elif kind == "bomb":
        body = _bomb(draw(st.sampled_from([1 << 20, 16 << 20, 64 << 20])))
    else:  # "deep"
        depth = draw(st.sampled_from([1_000, 100_000]))
        body = b"[" * depth + b"]" * depth
    encoding = "gzip" if kind == "bomb" else draw(st.one_of(st.just(""), st.sampled_from(ENCODINGS)))
    if kind != "bomb":
        if encoding == "gzip":
            body = gzip.compress(body)
        elif encoding == "deflate":
            body = zlib.compress(body)
        elif encoding == "gzip, gzip":
            body = gzip.compress(gzip.compress(body))
        elif encoding == "gzip, gzip, gzip, gzip":
            for _ in range(4):
                body = gzip.compress(body)
    if encoding == "gzip (lie)":  # claims gzip, sends the plain body
        encoding = "gzip"
    headers = list(draw(odd_headers))
    if draw(st.booleans()):
        headers.append((b"Retry-After", draw(st.sampled_from(RETRY_AFTER)).encode("latin-1", "replace")))
    return Answer(
        case=case,
        status=status,
        kind=kind,
        encoding=encoding,
        content_type=draw(st.one_of(st.just(_natural_type(case)), st.sampled_from(CONTENT_TYPES))),
        headers=tuple(headers),
        body=body,
        mode=draw(st.sampled_from(["strict", "warn", "off"])),
        chunk=draw(st.sampled_from([1, 7, 4096, 65536])),
    )


def _natural_type(case: Case) -> str:
    return "text/csv" if isinstance(case.payload, str) else "application/json"


def _response_headers(answer: Answer) -> list[tuple[bytes, bytes]]:
    headers = list(answer.headers)
    if answer.content_type:
        headers.append((b"Content-Type", answer.content_type.encode("latin-1", "replace")))
    if answer.encoding:
        headers.append((b"Content-Encoding", answer.encoding.encode()))
    return headers


# -- through a MockTransport -----------------------------------------------------------------------


class _Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """The body in chunks, as a network would give it (so dynclient decodes it, not httpx)."""

    def __init__(self, body: bytes, chunk: int) -> None:
        self._body = body
        self._chunk = max(chunk, len(body) // 2000 or 1)  # a 1-byte chunking of 100 KB is just slow

    def __iter__(self) -> Iterator[bytes]:
        for i in range(0, len(self._body), self._chunk):
            yield self._body[i : i + self._chunk]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self:
            yield part


def _transport(answer: Answer) -> httpx.MockTransport:
    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            answer.status, headers=_response_headers(answer), stream=_Chunks(answer.body, answer.chunk)
        )

    return httpx.MockTransport(respond)


FAST = dynclient.RetryPolicy(attempts=2, backoff=0.0, max_backoff=0.0, max_retry_after=0.0)


def _options(answer: Answer) -> dict[str, Any]:
    return {
        "access_token": TOKEN,
        "retry": FAST,
        "validate_responses": answer.mode,
        "max_response_bytes": LIMIT,
    }


def _outcome(answer: Answer, call: Any) -> str:
    """Run one call; an escape of anything but a DynclientError fails the property."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", dynclient.DynclientWarning)
        try:
            call()
        except dynclient.DynclientError as exc:
            assert TOKEN not in str(exc)
            str(exc), repr(exc)  # messages are built lazily: they must build
            event(f"{answer.kind}: {type(exc).__name__}")
            return type(exc).__name__
    event(f"{answer.kind}: ok")
    return "ok"


@pytest.fixture(scope="module")
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.mark.slow
@settings(max_examples=EXAMPLES)
@given(answer=answers(), use_async=st.booleans())
def test_any_answer_through_a_mock_transport(loop: asyncio.AbstractEventLoop, answer: Answer, use_async: bool) -> None:
    case = answer.case
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        if use_async:
            aclient = dynclient.AsyncClient(
                http_client=httpx.AsyncClient(transport=_transport(answer)), **_options(answer)
            )
            _outcome(answer, lambda: loop.run_until_complete(internals(aclient).call(case.operation, **case.arguments)))
        else:
            client = dynclient.Client(http_client=httpx.Client(transport=_transport(answer)), **_options(answer))
            _outcome(answer, lambda: internals(client).call(case.operation, **case.arguments))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak / 1024 / 1024:.1f} MiB for {answer!r}"


# -- through a real server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        yield srv


def _wire(answer: Answer, framing: str) -> bytes:
    """The whole answer as raw HTTP/1.1 bytes: ``framing`` says how the body is delimited."""
    head = [f"HTTP/1.1 {answer.status} Whatever".encode()]
    head += [name + b": " + value for name, value in _response_headers(answer)]
    body = answer.body
    if framing == "length":
        head.append(f"Content-Length: {len(body)}".encode())
    elif framing == "short":  # claims more than it sends, then closes
        head.append(f"Content-Length: {len(body) + 100}".encode())
    elif framing == "long":  # claims less than it sends
        head.append(f"Content-Length: {max(0, len(body) - 3)}".encode())
    head.append(b"Connection: close")
    return b"\r\n".join(head) + b"\r\n\r\n" + body


@pytest.mark.slow
@settings(max_examples=SERVER_EXAMPLES)
@given(
    answer=answers(),
    framing=st.sampled_from(["length", "close", "short", "long"]),
    use_async=st.booleans(),
)
def test_any_answer_through_a_real_server(
    loop: asyncio.AbstractEventLoop, server: LocalServer, answer: Answer, framing: str, use_async: bool
) -> None:
    case = answer.case
    server.script(case.method, case.path, [Reply(raw=_wire(answer, framing))])
    options = {**_options(answer), "base_url": server.url, "timeout": 5.0, "deadline": 20.0}
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        if use_async:
            aclient = dynclient.AsyncClient(**options)
            try:
                _outcome(
                    answer, lambda: loop.run_until_complete(internals(aclient).call(case.operation, **case.arguments))
                )
            finally:
                loop.run_until_complete(aclient.aclose())
        else:
            with dynclient.Client(**options) as client:
                _outcome(answer, lambda: internals(client).call(case.operation, **case.arguments))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak / 1024 / 1024:.1f} MiB for {answer!r}"


def test_the_strategy_covers_every_kind_including_the_inactive_one() -> None:
    """The strategy can draw every kind ("deep" included, for when it is enabled), and the
    suite runs at least 500 examples in CI."""
    seen: set[str] = set()

    @settings(max_examples=300, derandomize=True)
    @given(answers(ALL_KINDS))
    def collect(answer: Answer) -> None:
        seen.add(answer.kind)

    collect()
    assert seen == set(ALL_KINDS)
    assert EXAMPLES >= 500
