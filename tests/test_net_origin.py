"""Issue 10 item 1: no spec path, argument or option can send the token to another origin.

Two layers: a path without a leading ``/`` is a ``SpecError`` at load (naming the JSON
pointer); and, in depth, every request's origin (scheme, host, port) must equal the base
URL's or the call is refused before a byte is sent, for both clients, their
``with_options()`` clones, ``build_request`` and ``with_raw_response``.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
from typing import Any

import httpx
import pytest
from conftest import TOKEN

import dynclient
from dynclient._schema.pointer import pointer_join

BASE = "https://api.polar.sh"

#: (path template, arguments): each would leave the base URL's origin if glued onto it
HOSTILE = [
    (".evil.example/x/{external_id}", {"external_id": "1"}),  # host api.polar.sh.evil.example
    (":8443/x/{external_id}", {"external_id": "1"}),  # another port
    ("{external_id}/x", {"external_id": ".evil.example"}),  # an argument chooses the host
    ("@evil.example/x/{external_id}", {"external_id": "1"}),  # userinfo: the host becomes evil.example
    ("https://evil.example/x/{external_id}", {"external_id": "1"}),  # an absolute URL as a path
]
# ("//evil.example/x" is not here: glued after the base URL it stays a path on api.polar.sh)


def _mini(path: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": BASE}],
        "paths": {
            path: {
                "get": {
                    "operationId": "things:get",
                    "parameters": [
                        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                        for name in ("id", "host")
                        if "{" + name + "}" in path
                    ],
                    "responses": {"204": {"description": "ok"}},
                }
            }
        },
    }


@pytest.mark.parametrize("path", [".evil.example/x/{id}", ":8443/x", "{host}/x", "https://evil.example/x", "", "x"])
def test_a_path_without_a_leading_slash_is_a_spec_error_naming_the_pointer(path: str) -> None:
    with pytest.raises(dynclient.SpecError) as info:
        dynclient.load_spec(_mini(path))
    assert info.value.pointer == pointer_join("/paths", path)
    assert "must start with '/'" in str(info.value)


def test_the_same_paths_with_a_leading_slash_load() -> None:
    spec = dynclient.load_spec(_mini("/x/{id}"))
    assert spec["things_get"].path == "/x/{id}"


def _tampered(path: str) -> dynclient.ApiSpec:
    """The bundled spec with customers_get_external's path replaced *after* loading: the
    load-time check is bypassed, so only the request-time check stands in the way."""
    spec = dynclient.load_spec()
    ops = tuple(
        dataclasses.replace(op, path=path) if op.name == "customers_get_external" else op for op in spec.operations
    )
    return dataclasses.replace(spec, operations=ops)


class _Never:
    """A transport that fails the test if anything reaches it."""

    def __init__(self) -> None:
        self.sent: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.sent.append(request)
        raise AssertionError(f"a request reached the transport: {request.url}")


def _clients(spec: dynclient.ApiSpec, never: _Never, base_url: str = BASE) -> list[Any]:
    transport = httpx.MockTransport(never)
    sync = dynclient.Client(spec, base_url=base_url, access_token=TOKEN, http_client=httpx.Client(transport=transport))
    asy = dynclient.AsyncClient(
        spec, base_url=base_url, access_token=TOKEN, http_client=httpx.AsyncClient(transport=transport)
    )
    return [sync, asy]


def _run(value: Any) -> Any:
    if asyncio.iscoroutine(value):
        return asyncio.run(value)
    return value


@pytest.mark.parametrize(("path", "arguments"), HOSTILE, ids=[p for p, _ in HOSTILE])
@pytest.mark.parametrize("how", ["call", "group", "with_options", "raw", "build_request"])
def test_a_request_off_the_base_origin_is_refused_before_sending(
    path: str, arguments: dict[str, Any], how: str
) -> None:
    never = _Never()
    for client in _clients(_tampered(path), never):
        with pytest.raises((dynclient.SpecError, dynclient.RequestValidationError)) as info:
            if how == "call":
                _run(client.call("customers_get_external", **arguments))
            elif how == "group":
                _run(client.customers.get_external(**arguments))
            elif how == "with_options":
                _run(
                    client.with_options(retry=dynclient.RetryPolicy.none()).call("customers_get_external", **arguments)
                )
            elif how == "raw":
                _run(client.with_raw_response.customers.get_external(**arguments))
            else:
                client.build_request("customers_get_external", **arguments)
        assert TOKEN not in str(info.value)
        assert never.sent == []


def test_the_refusal_names_both_origins_and_the_operation_pointer() -> None:
    never = _Never()
    client = _clients(_tampered(".evil.example/x/{external_id}"), never)[0]
    with pytest.raises(dynclient.SpecError) as info:
        client.call("customers_get_external", external_id="1")
    text = str(info.value)
    assert "https://api.polar.sh.evil.example" in text and "https://api.polar.sh" in text
    assert info.value.pointer == client.operations["customers_get_external"].pointer


def test_a_base_url_with_a_port_and_a_path_keeps_its_origin() -> None:
    """The check compares origins, not prefixes: a base URL with a port and a path prefix
    works, and a path that would change the port is still refused."""
    seen: list[httpx.Request] = []

    def ok(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(204)

    spec = _tampered("/x/{external_id}")
    client = dynclient.Client(
        spec,
        base_url="http://127.0.0.1:8080/prefix",
        access_token=TOKEN,
        validate_responses="off",
        http_client=httpx.Client(transport=httpx.MockTransport(ok)),
    )
    client.call("customers_get_external", external_id="a")
    assert str(seen[0].url) == "http://127.0.0.1:8080/prefix/x/a"
    evil = dynclient.Client(
        _tampered(":9090/x/{external_id}"),
        base_url="http://127.0.0.1:8080",
        access_token=TOKEN,
        http_client=httpx.Client(transport=httpx.MockTransport(ok)),
    )
    with pytest.raises((dynclient.SpecError, dynclient.RequestValidationError)):  # httpx: "Invalid port"
        evil.call("customers_get_external", external_id="a")
    assert len(seen) == 1


@pytest.mark.parametrize("base_url", ["api.polar.sh", "ftp://api.polar.sh", "https://", "/v1"])
def test_a_base_url_that_is_not_an_absolute_http_url_is_refused_at_construction(base_url: str) -> None:
    for cls in (dynclient.Client, dynclient.AsyncClient):
        with pytest.raises(dynclient.ConfigurationError):
            cls(base_url=base_url, access_token=TOKEN)


def test_a_clone_cannot_change_the_origin_it_checks() -> None:
    """``with_options`` has no base-URL option and a copied client keeps its origin."""
    never = _Never()
    client = _clients(_tampered(".evil.example/x/{external_id}"), never)[0]
    clone = copy.copy(client.with_options(headers={"X-Trace": "1"}))
    with pytest.raises(dynclient.SpecError):
        clone.call("customers_get_external", external_id="1")
    assert never.sent == []
