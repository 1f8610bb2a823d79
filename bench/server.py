"""A small, fast HTTP/1.1 server for the benchmark, run in its own process.

It is a raw ``asyncio.Protocol`` with keep-alive and pre-rendered responses, so
the server costs a few microseconds per request and cannot hide client-side
differences (a threaded stdlib server would). It binds 127.0.0.1 only.

Routes (everything else is a 404 JSON body):

* ``GET  /v1/customers/``            the 100-item page; with ``page=N`` (1-40) page N of a
  40-page listing of distinct customers (``bench.pagination``)
* ``POST /v1/customers/``            201 + the single customer
* ``GET  /v1/customers/{id}``        the single customer
* ``GET  /v1/customers/{id}/state``  the customer state

Run: ``python -m bench.server [--port 0]``; it prints ``PORT <n>`` once listening
and stops on SIGTERM/SIGINT or when its standard input closes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench import payloads

_PREFIX = b"/v1/customers/"


def _response(status: str, body: Any) -> bytes:
    data = json.dumps(body, separators=(",", ":")).encode()
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(data)}\r\nserver: bench\r\n\r\n"
    ).encode()
    return head + data


class _Routes:
    def __init__(self) -> None:
        self.page = _response("200 OK", payloads.customers_page())
        self.pages = [_response("200 OK", page) for page in payloads.customers_pages()]
        self.customer = _response("200 OK", payloads.customer())
        self.created = _response("201 Created", payloads.customer())
        self.state = _response("200 OK", payloads.customer_state())
        self.missing = _response("404 Not Found", {"error": "ResourceNotFound", "detail": "Not found"})

    def pick(self, method: bytes, target: bytes) -> bytes:
        path, _, query = target.partition(b"?")
        if not path.startswith(_PREFIX):
            return self.missing
        rest = path[len(_PREFIX) :]
        if rest == b"":
            if method == b"GET":
                return self._listing(query)
            if method == b"POST":
                return self.created
            return self.missing
        if method != b"GET" or rest.count(b"/") > 1:
            return self.missing
        if rest.endswith(b"/state"):
            return self.state
        return self.customer if b"/" not in rest else self.missing

    def _listing(self, query: bytes) -> bytes:
        for pair in query.split(b"&"):
            name, _, value = pair.partition(b"=")
            if name == b"page" and value.isdigit() and 1 <= int(value) <= len(self.pages):
                return self.pages[int(value) - 1]
        return self.page


class _Http(asyncio.Protocol):
    def __init__(self, routes: _Routes) -> None:
        self._routes = routes
        self._buf = b""
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._buf += data
        out: list[bytes] = []
        while True:
            end = self._buf.find(b"\r\n\r\n")
            if end < 0:
                break
            head = self._buf[:end]
            length = 0
            lower = head.lower()
            at = lower.find(b"\r\ncontent-length:")
            if at >= 0:
                stop = lower.find(b"\r\n", at + 2)
                length = int(lower[at + 17 : stop if stop >= 0 else len(lower)].strip())
            total = end + 4 + length
            if len(self._buf) < total:
                break
            self._buf = self._buf[total:]
            line = head.split(b"\r\n", 1)[0]
            method, target, _version = line.split(b" ", 2)
            out.append(self._routes.pick(method, target))
        if out and self._transport is not None:
            self._transport.write(b"".join(out))

    def connection_lost(self, exc: Exception | None) -> None:
        self._transport = None


async def _serve(port: int) -> None:
    routes = _Routes()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: _Http(routes), "127.0.0.1", port, backlog=256)
    bound = server.sockets[0].getsockname()[1]
    print(f"PORT {bound}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stdin = sys.stdin.fileno()
    loop.add_reader(stdin, lambda: stop.set() if not os.read(stdin, 1024) else None)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    asyncio.run(_serve(args.port))


class ServerProcess:
    """Starts ``python -m bench.server`` and stops it (by its own pid) on ``close()``."""

    def __init__(self, timeout: float = 20.0) -> None:
        root = Path(__file__).resolve().parent.parent
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.server", "--port", "0"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = ""
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if line.startswith("PORT ") or not line:
                break
        if not line.startswith("PORT "):
            self.close()
            raise RuntimeError("benchmark server did not start")
        self.port = int(line.split()[1])
        self.url = f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    main()
