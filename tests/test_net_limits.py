"""Issue 10 item 2: a compressed or huge response cannot exhaust memory.

``max_response_bytes`` (default 32 MiB) bounds the *decoded* body. It is enforced while
streaming: the body is read chunk by chunk and decoded in steps of at most 64 KiB of
output, so a call reads no more than the limit plus one chunk before it raises
``ResponseTooLargeError``. Proven against a real server on 127.0.0.1 with the gzip bomb
(``Content-Encoding: gzip, gzip``, 2.5 KiB inflating to 1 GiB) and a plain 50 MB body,
measuring peak memory with tracemalloc, for both clients.
"""

from __future__ import annotations

import gzip
import json
import tracemalloc
import zlib
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from _netkit import GIB, MIB, TOKEN, CountingStream, close, gzip_bomb, gzip_member, make_client, run
from _server import LocalServer, Reply
from payloads import CUSTOMER_ID, customer

import dynclient
from dynclient._body import CHUNK, BodyReader, BodyTooLarge

GET_PATH = f"/v1/customers/{CUSTOMER_ID}"
EXPORT_PATH = "/v1/customers/export"
#: generous: the limit itself is 32 MiB, the point is that 1 GiB never materialises
PEAK_BOUND = 100 * MIB


async def _peak_of(call: Callable[[], Any]) -> tuple[BaseException | None, int]:
    """(the exception raised, if any; peak traced memory in bytes) of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    caught: BaseException | None = None
    try:
        await run(call())
    except dynclient.DynclientError as exc:
        caught = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return caught, peak


def test_the_default_is_32_mib_and_documented() -> None:
    assert dynclient.DEFAULT_MAX_RESPONSE_BYTES == 32 * MIB
    assert dynclient.Client(access_token=TOKEN).max_response_bytes == 32 * MIB
    assert dynclient.AsyncClient(access_token=TOKEN).max_response_bytes == 32 * MIB


# -- the gzip bomb and the big body, against a real server ------------------------------------


@pytest.mark.slow
async def test_gzip_bomb_is_refused_with_bounded_memory(kind: str, server: LocalServer) -> None:
    bomb = gzip_bomb()
    assert len(bomb) < 4096
    server.script(
        "GET",
        GET_PATH,
        [Reply(200, body=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"})],
    )
    client = make_client(kind, base_url=server.url)
    try:
        exc, peak = await _peak_of(lambda: client.call("customers_get", id=CUSTOMER_ID))
    finally:
        await close(client)
    assert isinstance(exc, dynclient.ResponseTooLargeError), exc
    assert exc.limit == 32 * MIB and exc.status_code == 200 and exc.operation == "customers_get"
    assert exc.text == "" and exc.body is None
    assert peak < PEAK_BOUND, f"peak {peak / MIB:.1f} MiB"
    assert len(server.requests_to("GET", GET_PATH)) == 1  # not retried: it would be as large again
    assert TOKEN not in str(exc) and "max_response_bytes=33554432" in str(exc)


async def test_gzip_bomb_with_a_small_limit_stays_near_the_limit(kind: str, server: LocalServer) -> None:
    server.script(
        "GET",
        GET_PATH,
        [Reply(200, body=gzip_bomb(), headers={"Content-Type": "application/json", "Content-Encoding": "gzip, gzip"})],
    )
    client = make_client(kind, base_url=server.url, max_response_bytes=MIB)
    try:
        exc, peak = await _peak_of(lambda: client.call("customers_get", id=CUSTOMER_ID))
    finally:
        await close(client)
    assert isinstance(exc, dynclient.ResponseTooLargeError)
    # the limit, one decoded chunk, two zlib windows and bookkeeping: far from 1 GiB
    assert peak < 8 * MIB, f"peak {peak / MIB:.1f} MiB"


@pytest.mark.slow
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "read-until-close"])
async def test_a_plain_50_mb_body_is_refused_with_bounded_memory(
    kind: str, server: LocalServer, declared: bool
) -> None:
    payload = b" " * (50 * 1000 * 1000)
    if declared:  # refused from Content-Length alone, before a byte of the body is read
        reply = Reply(200, body=payload, headers={"Content-Type": "application/json"})
    else:  # no length: read until the server closes, stopped at the limit
        reply = Reply(raw=b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + payload)
    server.script("GET", GET_PATH, [reply])
    client = make_client(kind, base_url=server.url)
    try:
        exc, peak = await _peak_of(lambda: client.call("customers_get", id=CUSTOMER_ID))
    finally:
        await close(client)
    assert isinstance(exc, dynclient.ResponseTooLargeError), exc
    assert peak < PEAK_BOUND, f"peak {peak / MIB:.1f} MiB"
    if declared:
        assert peak < 4 * MIB


async def test_a_body_under_the_limit_is_read_whole(kind: str, server: LocalServer) -> None:
    csv = ("id,email\n" + "".join(f"{i},c{i}@example.com\n" for i in range(100_000))).encode()
    assert MIB < len(csv) < 4 * MIB
    server.script("GET", EXPORT_PATH, [Reply(200, body=csv, headers={"Content-Type": "text/csv"})])
    client = make_client(kind, base_url=server.url, max_response_bytes=4 * MIB)
    try:
        text = await run(client.call("customers_export"))
        assert text.encode() == csv
        with pytest.raises(dynclient.ResponseTooLargeError):
            await run(client.with_options(max_response_bytes=MIB).call("customers_export"))
        assert (await run(client.call("customers_export"))).encode() == csv  # the clone's limit only
    finally:
        await close(client)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "deflate-raw", "x-gzip", "gzip, gzip", "identity"])
async def test_compressed_answers_still_decode(kind: str, server: LocalServer, encoding: str) -> None:
    body = json.dumps(customer(0)).encode()
    if encoding in ("gzip", "x-gzip"):
        wire = gzip.compress(body)
    elif encoding == "deflate":
        wire = zlib.compress(body)
    elif encoding == "deflate-raw":  # deflate without its zlib wrapper, as some servers send it
        c = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        wire, encoding = c.compress(body) + c.flush(), "deflate"
    elif encoding == "gzip, gzip":
        wire = gzip.compress(gzip.compress(body))
    else:
        wire = body
    server.script(
        "GET",
        GET_PATH,
        [Reply(200, body=wire, headers={"Content-Type": "application/json", "Content-Encoding": encoding})],
    )
    client = make_client(kind, base_url=server.url)
    try:
        assert await run(client.call("customers_get", id=CUSTOMER_ID)) == customer(0)
    finally:
        await close(client)
    assert server.requests_to("GET", GET_PATH)[0].headers["Accept-Encoding"] == "gzip, deflate"


@pytest.mark.parametrize(
    "encoding",
    ["br", "zstd", "compress", "gzip, gzip, gzip, gzip", "x-unknown-coding"],
)
async def test_content_codings_not_asked_for_are_a_transport_error_not_retried(
    kind: str, server: LocalServer, encoding: str
) -> None:
    server.script(
        "GET",
        GET_PATH,
        [Reply(200, body=b"\x00" * 64, headers={"Content-Type": "application/json", "Content-Encoding": encoding})],
    )
    client = make_client(kind, base_url=server.url)
    try:
        with pytest.raises(dynclient.TransportError) as info:
            await run(client.call("customers_get", id=CUSTOMER_ID))
    finally:
        await close(client)
    assert "DecodingError" in str(info.value)
    assert len(server.requests_to("GET", GET_PATH)) == 1


async def test_a_huge_error_response_is_also_refused(kind: str, server: LocalServer) -> None:
    bomb = gzip_member(64 * MIB)
    server.script(
        "GET",
        GET_PATH,
        [Reply(500, body=bomb, headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})],
    )
    client = make_client(kind, base_url=server.url)
    try:
        with pytest.raises(dynclient.ResponseTooLargeError) as info:
            await run(client.call("customers_get", id=CUSTOMER_ID))
    finally:
        await close(client)
    assert info.value.status_code == 500


# -- reading stops at the limit plus one chunk -------------------------------------------------


@pytest.mark.parametrize("total", [10 * MIB, GIB])
async def test_reading_stops_after_the_limit_plus_one_chunk(kind: str, total: int) -> None:
    """A transport streaming 64 KiB chunks: with a 1 MiB limit, at most 17 chunks are pulled
    out of a 10 MiB or a 1 GiB body (the 1 GiB one would take seconds to pull whole)."""
    streams: list[CountingStream] = []

    def handler(request: httpx.Request) -> httpx.Response:
        stream = CountingStream(total)
        streams.append(stream)
        return httpx.Response(200, headers={"content-type": "application/json"}, stream=stream)

    transport = httpx.MockTransport(handler)
    http: Any = httpx.AsyncClient(transport=transport) if kind == "async" else httpx.Client(transport=transport)
    client = make_client(kind, http_client=http, max_response_bytes=MIB)
    with pytest.raises(dynclient.ResponseTooLargeError):
        await run(client.call("customers_get", id=CUSTOMER_ID))
    assert len(streams) == 1
    assert streams[0].pulled <= MIB // (64 * 1024) + 1
    assert streams[0].closed


async def test_a_body_a_transport_already_holds_is_checked_too(kind: str) -> None:
    """MockTransport-style responses built from bytes: the size check still applies."""
    big = json.dumps({"blob": "x" * (2 * MIB)}).encode()
    transport = httpx.MockTransport(
        lambda r: httpx.Response(200, content=big, headers={"content-type": "application/json"})
    )
    http: Any = httpx.AsyncClient(transport=transport) if kind == "async" else httpx.Client(transport=transport)
    client = make_client(kind, http_client=http, max_response_bytes=MIB)
    with pytest.raises(dynclient.ResponseTooLargeError):
        await run(client.call("customers_get", id=CUSTOMER_ID))


def test_the_reader_decodes_in_bounded_steps() -> None:
    """Sans-IO: the bomb fed in one piece never yields more than the limit plus one step."""
    for limit in (1, CHUNK, 3 * MIB + 5):
        reader = BodyReader(httpx.Headers({"content-encoding": "gzip, gzip"}), limit)
        with pytest.raises(BodyTooLarge):
            reader.feed(gzip_bomb())
        assert reader._total <= limit + CHUNK


def test_the_reader_refuses_a_declared_length_over_the_limit_before_reading() -> None:
    with pytest.raises(BodyTooLarge):
        BodyReader(httpx.Headers({"content-length": str(2 * MIB)}), MIB)
    reader = BodyReader(httpx.Headers({"content-length": "99999999999999999999999999"}), MIB)  # absurd: read and see
    reader.feed(b"{}")
    assert reader.body() == b"{}"


def test_a_corrupt_gzip_body_is_a_decoding_error() -> None:
    reader = BodyReader(httpx.Headers({"content-encoding": "gzip"}), MIB)
    with pytest.raises(httpx.DecodingError):
        reader.feed(b"\x1f\x8b\x08\x00garbage-garbage")


@pytest.mark.parametrize("bad", [0, -1, True, 1.5, "1024", None])
def test_max_response_bytes_must_be_a_positive_int(bad: Any) -> None:
    for cls in (dynclient.Client, dynclient.AsyncClient):
        if bad is not None:
            with pytest.raises(dynclient.ConfigurationError):
                cls(access_token=TOKEN, max_response_bytes=bad)
        with pytest.raises(dynclient.ConfigurationError):
            cls(access_token=TOKEN).with_options(max_response_bytes=bad if bad is not None else -5)
