"""Shared fixtures: specs (bundled and the older Polar spec), and clients over a recording MockTransport.

The eleven-operation suite is parametrized over (spec x client kind): the bundled spec and
Polar's July spec cut to the `customers` tag, each through the sync and the async client.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server import LocalServer

import dynclient

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
POLAR_CURRENT = SHARED / "polar-openapi" / "polar-2026-10.openapi.json"
POLAR_OLD = SHARED / "polar-openapi" / "polar-2026-07-21.openapi.json"
TOKEN = "polar_oat_SECRET-token-0123456789"

Handler = Callable[[httpx.Request], httpx.Response]


def internals(obj: object) -> Any:
    """``obj`` as its runtime object, for a test that looks at private state or calls with
    arguments chosen at run time: the stubs type the public surface of the bundled spec only."""
    return obj


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


_SPECS: dict[str, dynclient.ApiSpec] = {}


def spec_named(name: str) -> dynclient.ApiSpec:
    if name not in _SPECS:
        _SPECS[name] = (
            dynclient.load_spec() if name == "bundled" else dynclient.load_spec(POLAR_OLD, tags=["customers"])
        )
    return _SPECS[name]


@pytest.fixture(params=["bundled", "polar-2026-07-21"])
def spec(request: pytest.FixtureRequest) -> dynclient.ApiSpec:
    """The bundled spec, and Polar's older spec cut to `customers` with no code change."""
    return spec_named(request.param)


@dataclass
class Api:
    """A client of either kind behind one synchronous face, plus what it sent."""

    client: dynclient.Client | dynclient.AsyncClient
    sent: list[httpx.Request]
    run: Callable[[Any], Any]
    kind: str

    def call(self, operation: str, /, **arguments: Any) -> Any:
        return self.run(self.client.invoke(operation, **arguments))  # the operation is chosen at run time

    def group(self, dotted: str) -> Callable[..., Any]:
        target: Any = self.client
        for part in dotted.split("."):
            target = getattr(target, part)
        fn = target
        return lambda **arguments: self.run(fn(**arguments))

    @property
    def errors(self) -> Any:
        return self.client.errors


@dataclass
class Recorder:
    """A MockTransport handler that records requests and answers from a queue or a function."""

    respond: Handler
    sent: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.sent.append(request)
        return self.respond(request)


def json_response(status: int, payload: Any) -> httpx.Response:
    return httpx.Response(status, content=json.dumps(payload).encode(), headers={"content-type": "application/json"})


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(kind: str) -> Iterator[Callable[..., Api]]:
    """make_api(handler, spec=None, **client_options) -> Api over a MockTransport."""
    loop = asyncio.new_event_loop()
    made: list[Api] = []

    def make(respond: Handler, spec: dynclient.ApiSpec | None = None, **options: Any) -> Api:
        recorder = Recorder(respond)
        transport = httpx.MockTransport(recorder)
        options.setdefault("access_token", TOKEN)
        options.setdefault("retry", dynclient.RetryPolicy.none())
        # these suites assert exact validation: strict, said explicitly now that "compatible" is the default
        options.setdefault("validate_responses", "strict")
        client: dynclient.Client | dynclient.AsyncClient
        if kind == "sync":
            client = dynclient.Client(spec, http_client=httpx.Client(transport=transport), **options)
            api = Api(client, recorder.sent, lambda v: v, kind)
        else:
            client = dynclient.AsyncClient(spec, http_client=httpx.AsyncClient(transport=transport), **options)
            api = Api(client, recorder.sent, loop.run_until_complete, kind)
        made.append(api)
        return api

    yield make
    for api in made:
        if isinstance(api.client, dynclient.AsyncClient):
            loop.run_until_complete(internals(api.client)._http.aclose())
        else:
            internals(api.client)._http.close()
    loop.close()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A real HTTP server on 127.0.0.1 (tests/_server.py), stopped after the test."""
    with LocalServer() as srv:
        yield srv


# -- Hypothesis profiles ----------------------------------------------------------------------------
# CI runs the property suites with a fixed seed (derandomize) and at least 500 examples each;
# DYNCLIENT_HYPOTHESIS_PROFILE=long runs them with fresh randomness and 20,000 examples.
# (Settings a test states itself, such as a smaller max_examples, still win.)
from hypothesis import HealthCheck as _HealthCheck  # noqa: E402
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "ci",
    max_examples=500,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
_hypothesis_settings.register_profile(
    "long",
    max_examples=20_000,
    derandomize=False,
    deadline=None,
    suppress_health_check=[_HealthCheck.too_slow, _HealthCheck.data_too_large],
)
_hypothesis_settings.load_profile(os.environ.get("DYNCLIENT_HYPOTHESIS_PROFILE", "ci"))
