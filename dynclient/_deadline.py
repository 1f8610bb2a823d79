"""The sync client's deadline on every single socket wait of a connection pool it made.

httpcore reads a phase's timeout once and applies it to each ``recv``: a server trickling
its response *headers* a byte at a time never trips it, and a blocking read cannot be
interrupted from another thread cheaply. So the pools the sync client makes get a network
backend whose streams cap each connect, read and write at what is left of the call's deadline
(``ENDS_AT``, set by the call loop for the attempt in flight; on ``time.monotonic``). With no
deadline set, a stream passes timeouts through unchanged.

The async client does not need this: ``asyncio.timeout`` cuts an attempt wherever it waits.
Installing the backend touches httpx's and httpcore's private attributes (a transport's
``_pool``, a pool's ``_network_backend``); when they are not where expected, nothing is
installed (``install`` says so) and the per-phase caps of the call loop remain.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterable
from contextvars import ContextVar
from typing import Any

import httpcore
import httpx

__all__ = ["ENDS_AT", "install"]

#: when the deadline of the attempt in flight passes (``time.monotonic()``), or None
ENDS_AT: ContextVar[float | None] = ContextVar("dynclient_deadline_ends_at", default=None)
#: a wait that would be zero or negative is made this short, so httpcore raises its own
#: timeout error (which the call loop turns into DeadlineExceeded)
_EXPIRED = 1e-6


def _cap(timeout: float | None) -> float | None:
    ends = ENDS_AT.get()
    if ends is None:
        return timeout
    left = max(ends - time.monotonic(), _EXPIRED)
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    __slots__ = ("_inner",)

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _cap(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _cap(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _cap(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self, inner: httpcore.NetworkBackend) -> None:
        self._inner = inner

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, _cap(timeout), local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, _cap(timeout), socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def install(http: httpx.Client) -> int:
    """Give every connection pool of ``http`` (its transport and mounts) the capping backend;
    the number of pools it was installed on."""
    transports = [getattr(http, "_transport", None), *getattr(http, "_mounts", {}).values()]
    done = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend):
            if not isinstance(backend, _Backend):
                pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
            done += 1
    return done
