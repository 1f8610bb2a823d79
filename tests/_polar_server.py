"""A local HTTP server on 127.0.0.1 that behaves like Polar's real API where the spec says nothing.

Built on ``tests/_server.py`` (threaded, stdlib only, started and stopped by the tests). The
facts it reproduces, as observed on Polar's open-source server (issue 11):

- no ``Polar-Version`` request header: the *default* version answers (``2026-04``);
- a supported version (``2026-04``, ``2026-10``) answers that version;
- every answer echoes ``polar-version: <the version answering>``, errors included;
- an unsupported or malformed version (``2026-07``, ``2027-01``, ``garbage``): 404
  ``{"detail": "Not Found"}`` WITHOUT the echo, on every path (checked before the token);
- a bad or missing token: 401 ``{"error": "invalid_token", "error_description": "..."}``;
- a missing customer: 404 ``{"error": "ResourceNotFound", "detail": "Not found"}`` with the echo;
- an unknown route: 404 ``{"detail": "Not Found"}`` with the echo;
- forced answers per path (429 with ``Retry-After``, 500, a drifted payload, ...), echoed too.

    with PolarServer() as polar:
        polar.customers[CUSTOMER_ID] = customer(0)
        polar.force("GET", f"/v1/customers/{CUSTOMER_ID}", [Reply(429, json=..., headers={"Retry-After": "1"})])
        ... polar.url ...
"""

from __future__ import annotations

import contextlib
import re
import threading
import uuid
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any

import pytest
from _server import LocalServer, Reply, Seen
from payloads import CUSTOMER_ID, customer

import dynclient

__all__ = ["DEFAULT_VERSION", "SUPPORTED_VERSIONS", "TOKEN", "Api", "PolarServer", "clients", "fixtures"]

TOKEN = "polar_oat_contract-T0ken-4f9a1c"
DEFAULT_VERSION = "2026-04"
SUPPORTED_VERSIONS = frozenset({"2026-04", "2026-10"})
VERSION_HEADER = "polar-version"

NOT_FOUND = {"detail": "Not Found"}
RESOURCE_NOT_FOUND = {"error": "ResourceNotFound", "detail": "Not found"}
INVALID_TOKEN = {
    "error": "invalid_token",
    "error_description": "The access token provided is expired, revoked, malformed, or invalid for other reasons.",
}

_ONE = re.compile(r"^/v1/customers/(?P<id>[^/]+)$")


class _EveryRoute(dict[tuple[str, str], Any]):
    """LocalServer's route table answering every (method, path) with one handler."""

    def __init__(self, handler: Any) -> None:
        super().__init__()
        self._handler = handler

    def get(self, key: Any, default: Any = None) -> Any:
        return self._handler


class PolarServer(LocalServer):
    """LocalServer whose every request goes through Polar's version, token and routing rules."""

    def __init__(
        self,
        *,
        token: str = TOKEN,
        default_version: str = DEFAULT_VERSION,
        supported: frozenset[str] = SUPPORTED_VERSIONS,
    ) -> None:
        super().__init__()
        self.token = token
        self.default_version = default_version
        self.supported = supported
        #: echo this version instead of the one answering (a server that moved on)
        self.echo_override: str | None = None
        #: send no echo at all (a proxy that strips headers)
        self.strip_echo = False
        self.customers: dict[str, dict[str, Any]] = {CUSTOMER_ID: customer(0)}
        self._forced: dict[tuple[str, str], list[Reply]] = {}
        self._served: dict[tuple[str, str], int] = {}
        self._polar_lock = threading.Lock()
        self._routes = _EveryRoute(self._handle)

    # -- scripting ---------------------------------------------------------------------------
    def force(self, method: str, path: str, replies: Sequence[Reply]) -> None:
        """Answer ``method path`` with these replies in order (the last repeats), version echo added."""
        with self._polar_lock:
            self._forced[(method.upper(), path)] = list(replies)
            self._served[(method.upper(), path)] = 0

    def versions_seen(self) -> list[str | None]:
        """The version header of every request received, in order (None: not sent)."""
        return [_header(s, VERSION_HEADER) for s in self.seen]

    # -- serving -----------------------------------------------------------------------------
    def _handle(self, seen: Seen) -> Reply:
        asked = _header(seen, VERSION_HEADER)
        version = self.default_version if asked is None else asked.strip()
        if version not in self.supported:
            return Reply(404, json=NOT_FOUND)  # the version router found nothing: no echo
        reply = self._answer(seen)
        echo = {} if self.strip_echo else {VERSION_HEADER: self.echo_override or version}
        return Reply(
            reply.status,
            json=reply.json,
            body=reply.body,
            headers={**reply.headers, **echo},
            delay=reply.delay,
            drop=reply.drop,
        )

    def _answer(self, seen: Seen) -> Reply:
        if _header(seen, "authorization") != f"Bearer {self.token}":
            return Reply(401, json=INVALID_TOKEN, headers={"WWW-Authenticate": "Bearer"})
        key = (seen.method, seen.path)
        with self._polar_lock:
            script = self._forced.get(key)
            if script:
                n = self._served[key]
                self._served[key] = n + 1
                return script[min(n, len(script) - 1)]
        if seen.path == "/v1/customers/" and seen.method == "GET":
            items = list(self.customers.values())
            return Reply(200, json={"items": items, "pagination": {"total_count": len(items), "max_page": 1}})
        if seen.path == "/v1/customers/" and seen.method == "POST":
            made = {**customer(len(self.customers) + 1), "id": str(uuid.uuid4())}
            self.customers[made["id"]] = made
            return Reply(201, json=made)
        one = _ONE.match(seen.path)
        if one is not None and seen.method in ("GET", "DELETE"):
            found = self.customers.get(one["id"])
            if found is None:
                return Reply(404, json=RESOURCE_NOT_FOUND)
            if seen.method == "DELETE":
                return Reply(204)
            return Reply(200, json=found)
        return Reply(404, json=NOT_FOUND)  # FastAPI's unknown route, with the echo


def _header(seen: Seen, name: str) -> str | None:
    for key, value in seen.headers.items():
        if key.lower() == name:
            return value
    return None


class Api:
    """One test body drives either client: every call is awaited, sync ones just return."""

    def __init__(self, client: dynclient.Client | dynclient.AsyncClient) -> None:
        self.client = client

    async def call(self, operation: str, /, **arguments: Any) -> Any:
        result = self.client.invoke(operation, **arguments)  # the operation is chosen at run time
        return await result if isinstance(self.client, dynclient.AsyncClient) else result

    def with_options(self, **options: Any) -> Api:
        return Api(self.client.with_options(**options))

    @property
    def errors(self) -> Any:
        return self.client.errors

    async def close(self) -> None:
        if isinstance(self.client, dynclient.AsyncClient):
            await self.client.aclose()
        else:
            self.client.close()


@contextlib.asynccontextmanager
async def clients(kind: str, url: str, **defaults: Any) -> AsyncIterator[Callable[..., Api]]:
    """``make(spec=None, **options)`` -> an ``Api`` of ``kind`` ("sync"/"async") on ``url``,
    with the server's token and ``defaults``; every client made is closed on exit."""
    made: list[Api] = []

    def make(spec: Any = None, **options: Any) -> Api:
        for key, value in {"base_url": url, "access_token": TOKEN, **defaults}.items():
            options.setdefault(key, value)
        cls = dynclient.AsyncClient if kind == "async" else dynclient.Client
        api = Api(cls(spec, **options))
        made.append(api)
        return api

    try:
        yield make
    finally:
        for api in made:
            await api.close()


def fixtures(**defaults: Any) -> tuple[Any, Any]:
    """A test module's ``polar`` (a started PolarServer) and ``make`` (a client factory on it,
    of the ``kind`` fixture's kind, with ``defaults``) fixtures: ``polar, make = fixtures(...)``."""

    @pytest.fixture
    def polar() -> Iterator[PolarServer]:
        with PolarServer() as server:
            yield server

    @pytest.fixture
    async def make(kind: str, polar: PolarServer) -> AsyncIterator[Callable[..., Api]]:
        async with clients(kind, polar.url, **defaults) as factory:
            yield factory

    return polar, make
