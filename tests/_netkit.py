"""Helpers of the network-hardening tests (tests/test_net_*.py, tests/test_property_server.py).

One test body drives both clients: ``make_client(kind, ...)`` and ``await run(x)`` (a sync
call just returns). Hostile bodies: a gzip bomb built in milliseconds, counting streams.
"""

from __future__ import annotations

import inspect
import struct
import zlib
from collections.abc import AsyncIterator, Iterator
from functools import cache
from typing import Any

import httpx

import dynclient

TOKEN = "polar_oat_NetHardening_s3cret_value_42"
FAST = dynclient.RetryPolicy(attempts=3, backoff=0.01, max_backoff=0.02)
GIB = 1 << 30
MIB = 1 << 20


def make_client(kind: str, **options: Any) -> dynclient.Client | dynclient.AsyncClient:
    options.setdefault("access_token", TOKEN)
    options.setdefault("retry", FAST)
    cls = dynclient.AsyncClient if kind == "async" else dynclient.Client
    return cls(**options)


async def run(value: Any) -> Any:
    """The result of a call of either client."""
    return await value if inspect.isawaitable(value) else value


async def close(client: dynclient.Client | dynclient.AsyncClient) -> None:
    if isinstance(client, dynclient.AsyncClient):
        await client.aclose()
    else:
        client.close()


def gzip_member(size: int, block: int = MIB) -> bytes:
    """A gzip stream of ``size`` zero bytes (``size`` a multiple of ``block``), built without
    compressing ``size`` bytes: after a full flush deflate restarts, so each block of zeros
    compresses to the same bytes and is repeated."""
    assert size % block == 0
    c = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)
    piece = c.compress(bytes(block)) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush()
    crc = 0
    zeros = bytes(block)
    for _ in range(size // block):
        crc = zlib.crc32(zeros, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + piece * (size // block) + tail + struct.pack("<II", crc, size & 0xFFFFFFFF)


@cache
def gzip_bomb() -> bytes:
    """``Content-Encoding: gzip, gzip``: 2.5 KiB on the wire, 1 GiB once decoded."""
    inner = gzip_member(GIB)
    outer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    return outer.compress(inner) + outer.flush()


class CountingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """``total`` bytes of ``fill`` in chunks of ``chunk``; counts how many chunks were pulled."""

    def __init__(self, total: int, chunk: int = 64 * 1024, fill: bytes = b" ") -> None:
        self.total = total
        self.chunk = chunk
        self.fill = fill
        self.pulled = 0
        self.closed = False

    def _chunks(self) -> Iterator[bytes]:
        sent = 0
        block = self.fill * (self.chunk // len(self.fill))
        while sent < self.total:
            part = block[: min(self.chunk, self.total - sent)]
            sent += len(part)
            self.pulled += 1
            yield part

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks()

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for part in self._chunks():
            yield part

    def close(self) -> None:
        self.closed = True

    async def aclose(self) -> None:
        self.closed = True
