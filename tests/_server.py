"""A small scriptable HTTP/1.1 server on 127.0.0.1 for production-behaviour tests.

Stdlib only (``http.server`` in a thread). Each route is ``(METHOD, path)`` mapped to a
handler ``(Seen) -> Reply``, or to a list of replies served in order (the last repeats).
Every request is recorded in ``server.seen``. A reply can delay (a hang, cut short when the
server stops), drop the connection half way through its body, trickle its body one byte at a
time, or be raw bytes written as they are (any status line, headers and body, even broken ones).

    with LocalServer() as srv:
        srv.script("GET", "/v1/customers/x", [Reply(503), Reply(503), Reply(200, json={...})])
        ... srv.url ...
"""

from __future__ import annotations

import contextlib
import json
import socket
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

__all__ = ["LocalServer", "Reply", "Seen"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    json: Any = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (cut short when the server stops)
    drop: bool = False  # send the headers and half the body, then close the connection
    trickle: float = 0.0  # send the body (a raw reply: all of it) one byte at a time, this many seconds apart
    raw: bytes | None = None  # written verbatim as the whole answer (status line on), then the connection closes


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    peer: tuple[str, int]  # the client's address: the same port means the same pooled connection

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default


Handler = Callable[[Seen], Reply]


class _Script:
    def __init__(self, replies: Sequence[Reply]) -> None:
        self._replies = list(replies)
        self._lock = threading.Lock()
        self._next = 0

    def __call__(self, _seen: Seen) -> Reply:
        with self._lock:
            reply = self._replies[min(self._next, len(self._replies) - 1)]
            self._next += 1
            return reply


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops concurrent connects (1 s SYN retransmits)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):  # a client that hung up: often the point of a test
            return
        super().handle_error(request, client_address)


class LocalServer:
    """Threaded HTTP server bound to 127.0.0.1 on a free port; a context manager."""

    def __init__(self) -> None:
        self._routes: dict[tuple[str, str], Handler] = {}
        self._lock = threading.Lock()
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        owner = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 10  # idle keep-alive connections end on their own

            def setup(self) -> None:
                super().setup()
                # headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                return

            def _serve(self) -> None:
                owner._serve(self)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # -- scripting ---------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        with self._lock:
            self._routes[(method.upper(), path)] = handler

    def script(self, method: str, path: str, replies: Sequence[Reply]) -> None:
        self.route(method, path, _Script(replies))

    def requests_to(self, method: str, path: str) -> list[Seen]:
        with self._lock:
            return [s for s in self.seen if s.method == method.upper() and s.path == path]

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving -----------------------------------------------------------------------
    def _serve(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        seen = Seen(h.command, split.path, parse_qs(split.query), dict(h.headers.items()), body, h.client_address[:2])
        with self._lock:
            self.seen.append(seen)
            handler = self._routes.get((h.command, split.path))
        reply = handler(seen) if handler is not None else Reply(404, json={"detail": "no route"})
        if reply.delay and self.stopping.wait(reply.delay):
            h.close_connection = True
            return
        if reply.raw is not None:
            h.close_connection = True
            with contextlib.suppress(OSError):
                step = 1 if reply.trickle else len(reply.raw) or 1
                for i in range(0, len(reply.raw), step):  # a raw reply trickles whole: status line on
                    h.wfile.write(reply.raw[i : i + step])
                    h.wfile.flush()
                    if reply.trickle and self.stopping.wait(reply.trickle):
                        break
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        payload = json.dumps(reply.json).encode() if reply.json is not None else reply.body
        h.send_response(reply.status)
        headers = {"Content-Type": "application/json"} if reply.json is not None else {}
        headers.update(reply.headers)
        for name, value in headers.items():
            h.send_header(name, value)
        if reply.drop:
            h.send_header("Content-Length", str(len(payload) + 100))
            h.end_headers()
            h.wfile.write(payload[: len(payload) // 2])
            h.wfile.flush()
            h.close_connection = True
            with contextlib.suppress(OSError):
                h.connection.shutdown(socket.SHUT_RDWR)
            return
        h.send_header("Content-Length", str(len(payload)))
        h.end_headers()
        if h.command == "HEAD":
            return
        if reply.trickle:
            h.wfile.flush()
            with contextlib.suppress(OSError):  # the client may give up (deadline) half way
                for i in range(len(payload)):
                    h.wfile.write(payload[i : i + 1])
                    h.wfile.flush()
                    if self.stopping.wait(reply.trickle):
                        break
            h.close_connection = True
            return
        with contextlib.suppress(OSError):  # a client may stop reading (max_response_bytes)
            h.wfile.write(payload)
