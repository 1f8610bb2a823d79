"""The eleven core operations through dynclient against Stoplight Prism (pinned 5.16.0).

Prism runs on 127.0.0.1 in static (examples) and dynamic (``-d``, generated data, fixed
seed) mode, serving a compatibility copy derived in code (tools/prism.py). Every request
dynclient sends must pass Prism's request validation: the status is not enough, so each
response is checked for Prism's ``sl-violations`` header. dynclient validates every
response strictly against the REAL bundled spec (not Prism's copy).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from conftest import internals
from hypothesis import given, settings
from hypothesis import strategies as st

import dynclient
from dynclient._formats import is_uuid4
from tools.prism import UUID4_PATTERN, Change, PrismServer, compat_document

from ._mutate import Walker
from ._support import CORE_OPS, bundled_document, count, spec
from .conftest import DYNAMIC_SEEDS

SUITE = "prism"
TOKEN = "prism-peer-token"


def _argument_sets(op_name: str) -> list[dict[str, Any]]:
    """Required-only arguments, the full set (every optional one), and list/filter variants."""
    op = spec()[op_name]
    walker = Walker(bundled_document())
    params = {p.name: p.schema.raw for p in op.parameters}
    required = [p.name for p in op.parameters if p.required]
    full_params = walker.full({"type": "object", "properties": params, "required": required})[0].value
    minimal = {k: full_params[k] for k in required}
    bodies: list[Any] = []
    if op.request_body is not None and op.request_body.schema is not None:
        bodies = [s.value for s in walker.full(op.request_body.schema.raw)]
    sets: list[dict[str, Any]] = []
    for body in bodies or [None]:
        extra = {} if body is None else {"body": body}
        sets.append({**minimal, **extra})
        sets.append({**full_params, **extra})
    names = set(params)
    if "sorting" in names:
        sets.append({**minimal, "sorting": ["-created_at", "email"], "limit": 3, "page": 2})
    if "organization_id" in names:
        sets.append({**minimal, "organization_id": [str(uuid.uuid4()), str(uuid.uuid4())]})
    if "metadata" in names:
        sets.append({**minimal, "metadata": {"plan": "pro", "seats": 3, "tags": ["a", "b"], "vip": True}})
    if "anonymize" in names:
        sets.append({**minimal, "anonymize": True})
    return sets


def _client(server: PrismServer, seen: list[httpx.Response], **options: Any) -> dynclient.Client:
    def keep(_op: str, _request: httpx.Request, response: httpx.Response) -> None:
        seen.append(response)

    return dynclient.Client(
        base_url=server.base_url,
        access_token=TOKEN,
        validate_responses="strict",
        after_response=[keep],
        timeout=20.0,
        **options,
    )


@pytest.fixture(params=["static", *DYNAMIC_SEEDS])
def prism(request: pytest.FixtureRequest) -> Iterator[PrismServer]:
    if request.param == "static":
        server: PrismServer = request.getfixturevalue("prism_static")
    else:
        server = request.getfixturevalue("prism_dynamic_servers")[request.param]
    yield server.ensure()  # started on first use; a crashed server is started again, never waited on


def _success_codes(op_name: str) -> set[int]:
    return {int(r.status) for r in spec()[op_name].responses if r.status.startswith("2")}


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_operation_against_prism(prism: PrismServer, op_name: str) -> None:
    seen: list[httpx.Response] = []
    mode = "dynamic" if prism.dynamic else "static"
    with _client(prism, seen) as client:
        for args in _argument_sets(op_name):
            result = client.invoke(op_name, **args)
            response = seen[-1]
            assert "sl-violations" not in response.headers, (args, response.headers["sl-violations"])
            assert response.status_code in _success_codes(op_name)
            declared = spec()[op_name].response_for(response.status_code)
            assert declared is not None
            if declared.media_type is None:
                assert result is None
            elif declared.media_type.endswith("json"):
                assert isinstance(result, dict) and result
            else:
                assert isinstance(result, str)
            count(SUITE, f"calls ({mode})")


@pytest.mark.parametrize("op_name", CORE_OPS)
@pytest.mark.parametrize("code", [404, 422])
def test_forced_errors_map_to_exception_classes(prism: PrismServer, op_name: str, code: int) -> None:
    declared = spec()[op_name].response_for(code)
    if declared is None or str(code) != declared.status:
        assert code == 404 and op_name in ("customers_list", "customers_create", "customers_export")
        return  # the operation declares no such response
    seen: list[httpx.Response] = []
    args = _argument_sets(op_name)[0]
    with _client(prism, seen) as base:
        client = base.with_options(headers={"Prefer": f"code={code}"})
        expected = getattr(client.errors, declared.schema_title or "")
        with pytest.raises(expected) as info:
            client.invoke(op_name, **args)
    assert info.value.status_code == code
    assert isinstance(info.value, dynclient.APIError)
    assert "sl-violations" not in seen[-1].headers
    # the error body Prism sent matches the spec's schema for it
    assert declared.schema is not None
    validator = internals(client)._runtime.engine.for_pointer(declared.schema.pointer)
    assert validator.is_valid(info.value.body)
    count(SUITE, "forced errors mapped")


def test_violations_header_is_what_we_think(prism_static: PrismServer) -> None:
    """The sl-violations check can fail: Prism does report a bad request this way."""
    server = prism_static.ensure()
    r = httpx.get(
        f"{server.base_url}/v1/customers/",
        params={"limit": "0"},
        headers={"Authorization": f"Bearer {TOKEN}"},
        timeout=20,
    )
    assert r.status_code == 422
    violations = json.loads(r.headers["sl-violations"])
    assert any(v["location"][:3] == ["request", "query", "limit"] for v in violations)


def test_prism_crash_on_non_latin1_violation_is_survived(prism_spec: tuple[Path, list[Change]]) -> None:
    """Prism 5.16 dies when a violation message (the sl-violations header) is not Latin-1.

    dynclient never sends such a request (it validates first); a raw one kills Prism, and
    ``ensure()`` brings it back on a new port instead of hanging.
    """
    bad_body = {"email": "a@example.com", "metadata": {"\u2713": "x" * 600}}
    with PrismServer(prism_spec[0], log_dir=prism_spec[0].parent) as server:
        seen: list[httpx.Response] = []
        with _client(server, seen) as client, pytest.raises(dynclient.RequestValidationError):
            client.call("customers_create", body=bad_body)  # type: ignore[call-overload]  # a type error too
        assert server.alive() and seen == []
        with pytest.raises(httpx.TransportError):
            httpx.post(
                f"{server.base_url}/v1/customers/",
                json=bad_body,
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=20,
            )
        server._proc.wait(timeout=20)  # type: ignore[union-attr]
        assert not server.alive()
        assert "Invalid character in header content" in server.log_tail(40)
        server.ensure()
        assert server.alive() and server.restarts == 1
        with _client(server, seen) as client:
            assert client.call("customers_get_external", external_id="after-restart")["type"] in ("individual", "team")
    count(SUITE, "crash restarts survived")


def test_compat_copy_is_derived_and_documented() -> None:
    path = dynclient.bundled_spec_path()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    doc = json.loads(path.read_text(encoding="utf-8"))
    copy_, changes = compat_document(doc)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before
    assert json.loads(path.read_text(encoding="utf-8")) == doc  # the input is untouched
    kinds = {c.kind for c in changes}
    assert kinds == {"uuid4-format", "prefixItems", "single-array-query"}
    text = json.dumps({k: v for k, v in copy_.items() if k != "info"})  # info lists the change kinds
    assert '"uuid4"' not in text and "prefixItems" not in text
    assert '"uuid4"' in json.dumps(doc) and "prefixItems" in json.dumps(doc)
    sorting = [c for c in changes if c.kind == "single-array-query"]
    assert [c.detail.split(":")[0] for c in sorting] == ["sorting"]
    # apart from the recorded changes the copy is the same document
    assert set(copy_["paths"]) == set(doc["paths"])
    assert set(copy_["components"]["schemas"]) == set(doc["components"]["schemas"])


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()), st.text(max_size=40)))
def test_compat_uuid4_pattern_means_uuid4(value: str) -> None:
    """The pattern that replaces format uuid4 in Prism's copy accepts exactly what uuid4 means."""
    assert (re.search(UUID4_PATTERN, value) is not None) == is_uuid4(value)


def test_spec_examples_are_valid_against_their_schemas() -> None:
    """Prism's static mode answers with the spec's examples; each must match its own schema.

    (Were one invalid, static mode would fail strict response validation, and that would be
    a finding about Polar's spec, not about either peer.)
    """
    from dynclient._schema.pointer import escape_pointer_token
    from dynclient._validation import SchemaEngine

    doc = spec().document
    engine = SchemaEngine(doc, engine="python")
    bad: list[str] = []
    seen = 0

    def walk(node: Any, pointer: str) -> None:
        nonlocal seen
        if isinstance(node, dict):
            examples = node.get("examples")
            if isinstance(examples, list) and (pointer.startswith("/components/schemas/") or "/schema" in pointer):
                for example in examples:
                    seen += 1
                    if not engine.for_pointer(pointer).is_valid(example):
                        bad.append(f"{pointer}: {example!r}")
            for key, value in node.items():
                if key != "examples":
                    walk(value, f"{pointer}/{escape_pointer_token(key)}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{pointer}/{i}")

    walk(doc, "")
    count(SUITE, "spec examples checked", seen)
    assert seen > 100
    assert bad == []


def test_demo_runs_every_operation(prism_static: PrismServer) -> None:
    from tools.demo import CALLS, run

    lines: list[str] = []
    failures = run(prism_static.ensure().base_url, out=lines.append)
    assert failures == 0, "\n".join(lines)
    assert [block.splitlines()[0] for block in lines] == [name for name, _ in CALLS]
    assert {name for name, _ in CALLS} == set(CORE_OPS)
    for block in lines:
        request_line, status = block.splitlines()[1:3]
        assert request_line.startswith("  > ") and " /v1/customers" in request_line
        assert status.split()[1] in ("200", "201", "204")


async def test_async_client_against_prism(prism_static: PrismServer) -> None:
    """The same eleven operations through AsyncClient, over real sockets."""
    server = prism_static.ensure()
    seen: list[httpx.Response] = []

    async def keep(_op: str, _request: httpx.Request, response: httpx.Response) -> None:
        seen.append(response)

    async with dynclient.AsyncClient(
        base_url=server.base_url, access_token=TOKEN, validate_responses="strict", after_response=[keep], timeout=20.0
    ) as client:
        for op_name in CORE_OPS:
            args = _argument_sets(op_name)[-1]
            await client.invoke(op_name, **args)
            assert "sl-violations" not in seen[-1].headers
            assert seen[-1].status_code in _success_codes(op_name)
            count(SUITE, "calls (async, static)")


GENERATED_PER_OP = 40


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_generated_requests_pass_prism_validation(prism_static: PrismServer, op_name: str) -> None:
    """Arguments generated from the spec (as in the openapi-core oracle), sent to Prism for real."""
    from hypothesis import HealthCheck

    from ._support import arguments_strategy

    seen: list[httpx.Response] = []
    violations: list[str] = []
    server = prism_static.ensure()

    @settings(
        max_examples=GENERATED_PER_OP,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.data())
    def check(data: st.DataObject) -> None:
        args = data.draw(arguments_strategy(op_name), label="arguments")
        port = server.ensure().port
        if port not in clients:  # a restarted Prism listens on a new port
            clients[port] = _client(server, seen)
        clients[port].invoke(op_name, **args)
        header = seen[-1].headers.get("sl-violations")
        if header:
            violations.append(f"{seen[-1].request.url}: {header[:300]}")
        count(SUITE, "generated requests (static)")

    clients: dict[int, dynclient.Client] = {}
    try:
        check()
    finally:
        for client in clients.values():
            client.close()
    assert violations == [], violations[:3]
