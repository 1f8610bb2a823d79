"""Reading a response body with a bound on its *decoded* size (sans-IO).

httpx decodes ``gzip``/``deflate`` chunk by chunk but without an output bound: one 1 KiB
chunk sent with ``Content-Encoding: gzip, gzip`` inflates to 1 GiB in a single call. A
``BodyReader`` is fed the raw bytes as they arrive and decodes them with zlib's
``max_length``, so no step produces more than ``CHUNK`` bytes, and it stops as soon as the
decoded total passes the limit: at most ``limit + CHUNK`` bytes are ever held.

The clients send ``Accept-Encoding: gzip, deflate`` (``ACCEPT_ENCODING``), the encodings
decoded here; any other content coding is refused (``httpx.DecodingError``) rather than
passed through undecoded.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

import httpx

__all__ = ["ACCEPT_ENCODING", "CHUNK", "MAX_ENCODINGS", "BodyReader", "BodyTooLarge"]

#: The most decoded bytes one decoding step produces (and so the overshoot past a limit).
CHUNK = 64 * 1024
#: What the clients ask for, and so all this module decodes.
ACCEPT_ENCODING = "gzip, deflate"
#: Content codings stacked on one body (``gzip, gzip`` is two); more is refused, since
#: each layer holds a zlib window in memory.
MAX_ENCODINGS = 3

_WBITS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}


class BodyTooLarge(Exception):
    """The decoded body passed the limit (internal: never reaches a caller as such)."""


class _Inflate:
    """One content coding, decoded in steps of at most ``CHUNK`` bytes of output."""

    __slots__ = ("_d", "_first", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._d = zlib.decompressobj(_WBITS[name])
        self._first = True

    def feed(self, data: bytes) -> Iterator[bytes]:
        while True:
            try:
                out = self._d.decompress(data, CHUNK)
            except zlib.error as exc:
                if self._first and self._name == "deflate":  # "deflate" without its zlib wrapper, as httpx allows
                    self._first = False
                    self._d = zlib.decompressobj(-zlib.MAX_WBITS)
                    continue
                raise httpx.DecodingError(f"cannot decode the {self._name} body: {exc}") from None
            self._first = False
            if out:
                yield out
            if self._d.eof:  # trailing bytes after the stream end are ignored, as httpx does
                return
            data = self._d.unconsumed_tail
            if not data and len(out) < CHUNK:  # a full step may leave output pending: ask again
                return


class BodyReader:
    """Collects a response body fed raw chunk by chunk; raises ``BodyTooLarge`` past ``limit``
    decoded bytes, ``httpx.DecodingError`` for a coding it cannot (or will not) decode."""

    __slots__ = ("_chunks", "_limit", "_stages", "_total")

    def __init__(self, headers: httpx.Headers, limit: int) -> None:
        self._limit = limit
        self._total = 0
        self._chunks: list[bytes] = []
        self._stages: list[_Inflate] = []
        codings = headers.get_list("content-encoding", split_commas=True)
        if not codings:  # the common case: nothing to decode
            declared = headers.get("content-length")
            if declared is not None and declared.isdigit() and len(declared) < 20 and int(declared) > limit:
                raise BodyTooLarge  # known before reading a byte
            return
        names = [n for n in (v.strip().lower() for v in codings) if n and n != "identity"]
        if len(names) > MAX_ENCODINGS:
            raise httpx.DecodingError(f"{len(names)} stacked content codings (at most {MAX_ENCODINGS} are decoded)")
        unknown = [n for n in names if n not in _WBITS]
        if unknown:
            raise httpx.DecodingError(
                f"content coding {unknown[0][:40]!r} is not one dynclient asked for ({ACCEPT_ENCODING})"
            )
        # the last coding listed was applied last: undo it first
        self._stages = [_Inflate(n) for n in reversed(names)]

    def feed(self, raw: bytes) -> None:
        """Take the next raw chunk as it came off the wire."""
        if self._stages:
            self._pump(0, raw)
        else:
            self._take(raw)

    def _pump(self, stage: int, data: bytes) -> None:
        if stage == len(self._stages):
            self._take(data)
            return
        for out in self._stages[stage].feed(data):
            self._pump(stage + 1, out)

    def _take(self, data: bytes) -> None:
        self._total += len(data)
        if self._total > self._limit:
            self._chunks.clear()
            raise BodyTooLarge
        self._chunks.append(data)

    def body(self) -> bytes:
        """The decoded body (one copy of it: a single chunk is returned as is)."""
        return b"".join(self._chunks)
