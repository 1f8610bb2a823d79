"""The fake over real HTTP/1.1 on 127.0.0.1 (stdlib ``http.server``, one thread per connection).

Each request is turned into an ``httpx.Request``, answered by ``FakeAPI.handle`` (the same
code as the in-process transports) and written back. Only the loopback interface is ever
bound: the fake has no authentication and is for tests and local tools.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import httpx

from .respond import FakeError

if TYPE_CHECKING:
    from .api import FakeAPI

__all__ = ["HOST", "FakeServer"]

HOST = "127.0.0.1"
#: request bodies larger than this are refused (413) without being read
MAX_BODY = 16 * 1024 * 1024
_HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"})


class FakeServer:
    """A ``FakeAPI`` served on ``http://127.0.0.1:<port>``: ``start()``/``stop()`` or ``with``."""

    def __init__(self, fake: FakeAPI, *, port: int = 0, log: Callable[[str], None] | None = None) -> None:
        self.fake = fake
        self._log = log
        handler = _handler(fake, log)
        self._server = ThreadingHTTPServer((HOST, port), handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The base URL clients use (with the spec's server path, if it has one)."""
        return f"http://{HOST}:{self.port}{self.fake.base_path}"

    def start(self) -> FakeServer:
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, name="dynclient-fake", daemon=True)
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until ``stop()`` (from another thread or a signal handler)."""
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _handler(fake: FakeAPI, log: Callable[[str], None] | None) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "dynclient-fake"

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self.send_error(413, "request body too large")
                return
            body = self.rfile.read(length) if length else b""
            request = httpx.Request(
                self.command,
                f"http://{self.headers.get('host') or HOST}{self.path}",
                headers=[(k, v) for k, v in self.headers.items() if k.lower() != "host"],
                content=body,
            )
            try:
                response = fake.handle(request)
            except FakeError as exc:  # a bug in the fake: a 500 naming it, and the line on stderr
                response = httpx.Response(500, json={"detail": str(exc)})
                if log is not None:
                    log(f"{self.command} {self.path} -> 500: {exc}")
            self.send_response(response.status_code)
            for name, value in response.headers.multi_items():
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            content = b"" if self.command == "HEAD" else response.content
            self.send_header("content-length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)
            if log is not None:
                op = fake.calls[-1].operation if fake.calls else None
                log(f"{self.command} {self.path} -> {response.status_code}" + (f" ({op})" if op else ""))

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            return  # one line per request goes through ``log`` instead

    return Handler
