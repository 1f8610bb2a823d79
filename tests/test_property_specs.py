"""Property suite 3 (issue 10): mutated specs.

Start from small valid documents (one operation; a few operations with bodies, query arrays,
deepObject and headers; a slice of the bundled spec) and mutate them: values and types
replaced, keys deleted, added and renamed, ``$ref``s pointed anywhere (including remote
URLs), subtrees nested deep or made large, schema keywords given odd values. Some become YAML
files, with Python-object tags slipped in. For every mutated document:

* loading raises nothing but ``SpecError`` (or loads cleanly);
* nothing is fetched (sockets are refused and recorded), nothing hangs (each example runs
  under a SIGALRM cap), nothing is executed (a YAML tag that would create a file must not);
* for a document that loads, constructing a client and building a request for every
  operation (with no arguments, and with arbitrary ones) raises only ``DynclientError``s.

Runs with a fixed seed and 500 examples in CI; ``DYNCLIENT_HYPOTHESIS_PROFILE=long`` runs
5,000 random examples (profiles are registered in ``tests/conftest.py``).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import signal
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_hostile_specs import base

import dynclient
from dynclient import DynclientError, SpecError

LONG = os.environ.get("DYNCLIENT_HYPOTHESIS_PROFILE") == "long"
EXAMPLES = 5000 if LONG else 500
CAP_SECONDS = 20


def _several() -> dict[str, Any]:
    """A few operations exercising bodies, query arrays, deepObject, headers, enums, refs."""
    doc = base()
    schemas = doc["components"]["schemas"]
    schemas["Kind"] = {"type": "string", "enum": ["a", "b"]}
    schemas["New"] = {
        "type": "object",
        "required": ["name"],
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 20, "pattern": "^[a-z]+\\d*$"},
            "kind": {"$ref": "#/components/schemas/Kind"},
            "tags": {"type": "array", "items": {"type": "string"}, "maxItems": 3},
            "amount": {"type": "number", "multipleOf": 0.01, "minimum": 0},
            "meta": {"type": "object", "additionalProperties": {"type": ["string", "integer"]}},
            "child": {"anyOf": [{"$ref": "#/components/schemas/New"}, {"type": "null"}]},
        },
        "additionalProperties": False,
    }
    doc["paths"]["/things"] = {
        "get": {
            "operationId": "things:list",
            "parameters": [
                {
                    "name": "kind",
                    "in": "query",
                    "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Kind"}},
                },
                {"name": "meta", "in": "query", "style": "deepObject", "schema": {"type": "object"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 100}},
                {"name": "trace", "in": "header", "schema": {"type": "string"}},
            ],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "array"}}}}},
        },
        "post": {
            "operationId": "things:create",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/New"}}},
            },
            "responses": {
                "201": {
                    "description": "made",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                },
                "422": {
                    "description": "bad",
                    "content": {"application/json": {"schema": {"title": "Bad", "type": "object"}}},
                },
            },
        },
    }
    return doc


def _bundled_slice() -> dict[str, Any]:
    """Three operations of the bundled spec with every component (a real-world shape)."""
    doc = json.loads(dynclient.bundled_spec_path().read_text(encoding="utf-8"))
    keep = {"/v1/customers/", "/v1/customers/{id}"}
    doc["paths"] = {p: item for p, item in doc["paths"].items() if p in keep}
    return doc  # type: ignore[no-any-return]


BASES = [base(), _several(), _bundled_slice()]
BASE_TEXTS = [json.dumps(doc) for doc in BASES]
for _doc in BASES:  # the starting points are valid
    dynclient.load_spec(copy.deepcopy(_doc))

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False)
    | st.text(max_size=12)
    | st.sampled_from(["", "string", "object", "array", "#", "#/", "(", "[a-", "^\\d+$", "\\", "{id}", "a/b"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
KEYS = st.sampled_from(
    [
        "$ref",
        "$dynamicRef",
        "$id",
        "$schema",
        "$defs",
        "$anchor",
        "type",
        "pattern",
        "patternProperties",
        "properties",
        "required",
        "items",
        "prefixItems",
        "additionalProperties",
        "unevaluatedProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
        "enum",
        "const",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "multipleOf",
        "format",
        "discriminator",
        "nullable",
        "default",
        "examples",
        "in",
        "name",
        "style",
        "explode",
        "schema",
        "content",
        "parameters",
        "requestBody",
        "responses",
        "operationId",
        "servers",
        "security",
        "paths",
        "webhooks",
        "components",
        "openapi",
        "x-speakeasy-pagination",
        "x-polar-pagination",
        "callbacks",
        "get",
        "post",
        "delete",
        "trace",
        "200",
        "default",
        "4XX",
    ]
) | st.text(max_size=10)
REF_TARGETS = st.sampled_from(
    [
        "#",
        "#/",
        "#/components",
        "#/components/schemas",
        "#/components/schemas/Thing",
        "#/components/schemas/Thing/properties/id",
        "#/components/schemas/Nope",
        "#/paths/~1things~1{id}/get",
        "#/info",
        "#/components/schemas/New",
        "#/components/schemas/Kind",
        "#foo",
        "#/a~2b",
        "#/components/schemas/Thing/properties/%7Bx%7D",
        "http://127.0.0.1:9/evil.json#/x",
        "https://example.invalid/spec.json",
        "other.yaml#/X",
        "file:///etc/passwd",
        "//evil.example/x",
    ]
)
PATTERNS = st.sampled_from(
    ["(", "^(a+)+$", "(?i)x", "\\Z", "[[:alpha:]]", "\\k<n>", "^\\ud83d$", "a{99999}{99999}", "(?<=a+)b", "\\p{Nope}"]
) | st.text(alphabet="ab()[]{}*+?^$|\\.-dws0:<>=!", max_size=12)


def _containers(doc: Any) -> list[tuple[Any, ...]]:
    """Paths (tuples of keys/indexes) of every object and array in the document."""
    out: list[tuple[Any, ...]] = []
    stack: list[tuple[Any, tuple[Any, ...]]] = [(doc, ())]
    while stack:
        node, path = stack.pop()
        out.append(path)
        items = node.items() if isinstance(node, dict) else enumerate(node)
        stack.extend((v, (*path, k)) for k, v in items if isinstance(v, (dict, list)))
    return out  # in a deterministic order (dicts keep insertion order)


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        doc = doc[key]
    return doc


@st.composite
def mutation(draw: st.DrawFn, doc: Any) -> None:
    """Apply one random mutation to ``doc`` in place."""
    paths = _containers(doc)
    node = _at(doc, draw(st.sampled_from(paths)))
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    kind = draw(st.sampled_from(["value", "delete", "add", "rename", "ref", "deep", "large", "keyword", "pattern"]))
    key: Any = draw(st.sampled_from(keys)) if keys else None
    if kind == "value" and key is not None:
        node[key] = draw(JSON)
    elif kind == "delete" and key is not None:
        del node[key]
    elif kind == "rename" and isinstance(node, dict) and key is not None:
        node[draw(KEYS)] = node.pop(key)
    elif kind == "ref":
        target = {"$ref": draw(REF_TARGETS)}
        if isinstance(node, dict):
            node[draw(st.sampled_from([*keys, "$ref"])) if keys else "$ref"] = (
                target if draw(st.booleans()) else target["$ref"]
            )
        elif keys:
            node[key] = target
    elif kind == "deep" and key is not None:
        value = node[key]
        wrapper = draw(st.sampled_from(["list", "allOf", "items", "properties"]))
        for _ in range(draw(st.integers(1, 120))):
            value = {
                "list": [value],
                "allOf": {"allOf": [value]},
                "items": {"items": value},
                "properties": {"properties": {"p": value}},
            }[wrapper]
        node[key] = value
    elif kind == "large" and key is not None:
        size = draw(st.sampled_from([100, 5000]))
        node[key] = draw(
            st.sampled_from(
                ["x" * size, list(range(size)), {f"k{i}": i for i in range(size // 10)}, 10**30, -(10**30), 1e308]
            )
        )
    elif kind == "keyword" and isinstance(node, dict):
        node[draw(KEYS)] = draw(JSON | st.integers() | st.sampled_from([-1, 0, 10**20, True, [], {}, "strnig"]))
    elif kind == "pattern" and isinstance(node, dict):
        node["pattern" if draw(st.booleans()) else "patternProperties"] = (
            draw(PATTERNS) if draw(st.booleans()) else {draw(PATTERNS): {"type": "string"}}
        )


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(draw(st.sampled_from(BASE_TEXTS)))
    for _ in range(draw(st.integers(1, 4))):
        draw(mutation(doc))
    return doc


YAML_TAGS = [
    "!!python/object/apply:os.system ['touch {marker}']",
    "!!python/object/new:subprocess.Popen [['touch', '{marker}']]",
    "!!python/name:os.system ''",
    "&a [1, 2]\nx-alias: *a",
    "!!binary aGVsbG8=",
]


@pytest.fixture(scope="module")
def guard() -> Iterator[list[Any]]:
    """Sockets refused and recorded for the whole suite (Hypothesis runs many examples per test)."""
    attempts: list[Any] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(args)
        raise OSError("network use while loading a mutated spec")

    saved = (socket.socket.connect, socket.create_connection, socket.getaddrinfo)
    socket.socket.connect = refuse  # type: ignore[method-assign]
    socket.create_connection = refuse
    socket.getaddrinfo = refuse
    try:
        yield attempts
    finally:
        socket.socket.connect, socket.create_connection, socket.getaddrinfo = saved  # type: ignore[method-assign]
    assert attempts == [], "a spec load or request build tried to use the network"


class Expired(Exception):
    """The per-example cap was reached (a hang)."""


def _capped(fn: Callable[[], Any]) -> Any:
    def expire(*_: Any) -> None:
        raise Expired(f"no answer in {CAP_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(CAP_SECONDS)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


ARGUMENT = JSON | st.sampled_from(["", "a/b", "../x", "\r\n", "é", 0, -1, 1.5, [1, "a"], {"a": {"b": [1]}}])


def _refuse_sending(request: httpx.Request) -> httpx.Response:
    raise AssertionError("build_request must not send")


def _exercise(spec: dynclient.ApiSpec, data: st.DataObject) -> None:
    """Construct a client and build a request for every operation: only DynclientErrors."""
    try:
        client: Any = dynclient.Client(  # a generated spec's client: untyped
            spec,
            access_token="polar_oat_property-token-0123456789",
            http_client=httpx.Client(transport=httpx.MockTransport(_refuse_sending)),
        )
    except DynclientError:
        return
    with client:
        for op in spec.operations:
            names = [p.name for p in op.parameters] + (["body"] if op.request_body is not None else [])
            for arguments in ({}, {n: data.draw(ARGUMENT) for n in names}):
                with contextlib.suppress(DynclientError):
                    client.build_request(op.name, **arguments)


@settings(
    max_examples=EXAMPLES,
    derandomize=not LONG,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(
    doc=mutated_specs(),
    as_yaml=st.sampled_from([False, False, False, True]),
    tag=st.sampled_from(YAML_TAGS),
    data=st.data(),
)
def test_mutated_specs_load_or_raise_spec_error(
    guard: list[Any],
    tmp_path_factory: pytest.TempPathFactory,
    doc: dict[str, Any],
    as_yaml: bool,
    tag: str,
    data: st.DataObject,
) -> None:
    source: Any = doc
    marker = None
    if as_yaml:
        tmp = tmp_path_factory.mktemp("spec")
        marker = tmp / "pwned"
        text = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
        text += f"x-injected: {tag.format(marker=marker)}\n"
        path = tmp / "spec.yaml"
        path.write_text(text, encoding="utf-8")
        source = path

    def load() -> dynclient.ApiSpec | None:
        try:
            return dynclient.load_spec(source)
        except SpecError:
            return None

    spec = _capped(load)
    assert marker is None or not marker.exists(), "a YAML tag executed code"
    if spec is not None:
        _capped(lambda: _exercise(spec, data))
    assert guard == []


def test_the_mutations_reach_both_outcomes() -> None:
    """The control: the generator produces documents that load and documents that do not."""
    outcomes = {"loaded": 0, "refused": 0}

    @settings(max_examples=60, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(mutated_specs())
    def run(doc: dict[str, Any]) -> None:
        try:
            dynclient.load_spec(doc)
            outcomes["loaded"] += 1
        except SpecError:
            outcomes["refused"] += 1

    run()
    assert outcomes["loaded"] >= 5 and outcomes["refused"] >= 5, outcomes


def test_the_yaml_path_refuses_tags_and_aliases(tmp_path: Path) -> None:
    for i, tag in enumerate(YAML_TAGS):
        marker = tmp_path / f"pwned{i}"
        path = tmp_path / f"spec{i}.yaml"
        path.write_text(yaml.safe_dump(base()) + f"x-injected: {tag.format(marker=marker)}\n", encoding="utf-8")
        with pytest.raises(SpecError):
            dynclient.load_spec(path)
        assert not marker.exists()
