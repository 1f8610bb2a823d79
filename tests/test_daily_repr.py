"""Daily use in a REPL (issue 13): short reprs, hashable IR objects, ``client.operations`` as a
read-only ``Mapping[str, Operation]`` (and the whole spec as ``client.spec``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import pytest
from conftest import POLAR_CURRENT, TOKEN

import dynclient
from dynclient._ir import Operations

#: no repr of one IR object is longer than this (an operation used to print 8,750 characters): at
#: most two names of 72 characters (``_ir.REPR_PART_LIMIT``: a name and a path) and a few words
IR_REPR_LIMIT = 180
#: nor the repr of a client, of its operations mapping or of an operation group
CLIENT_REPR_LIMIT = 200


@pytest.fixture(scope="module")
def full() -> dynclient.ApiSpec:
    """Polar's whole spec: 186 operations, 127 paths, webhooks."""
    return dynclient.load_spec(POLAR_CURRENT)


def ir_objects(spec: dynclient.ApiSpec) -> Iterator[object]:
    """Every IR object a spec holds, of every kind."""
    yield spec
    yield from spec.servers
    yield from spec.security_schemes
    for op in spec.operations:
        yield op
        yield from op.parameters
        yield from (p.schema for p in op.parameters)
        yield from op.responses
        yield from (r.schema for r in op.responses if r.schema is not None)
        yield from op.security
        if op.request_body is not None:
            yield op.request_body
            if op.request_body.schema is not None:
                yield op.request_body.schema
        if op.pagination is not None:
            yield op.pagination
    for hook in spec.webhooks:
        yield hook
        yield hook.payload


def test_the_operation_repr_is_name_method_and_path() -> None:
    client = dynclient.Client(access_token=TOKEN)
    assert repr(client.operations["customers_get"]) == "<Operation customers_get GET /v1/customers/{id}>"
    op = client.operations["customers_list"]
    assert repr(op) == "<Operation customers_list GET /v1/customers/>"
    assert repr(op.parameter("limit")) == "<Parameter query limit>"
    assert repr(client.operations["customers_get"].parameter("id")) == "<Parameter path id required>"
    assert repr(op.pagination).startswith("<Pagination by page: items at $.items")
    body = client.operations["customers_create"].request_body
    assert repr(body) == "<RequestBody application/json CustomerCreate required>"
    assert "<Response 200 application/json" in repr(op.responses[0])


def test_every_ir_repr_is_one_short_line(full: dynclient.ApiSpec) -> None:
    kinds: set[str] = set()
    longest = 0
    for obj in ir_objects(full):
        text = repr(obj)
        kinds.add(type(obj).__name__)
        assert text.startswith(f"<{type(obj).__name__} ") and text.endswith(">"), text
        assert "\n" not in text and len(text) <= IR_REPR_LIMIT, text
        longest = max(longest, len(text))
    assert kinds == {
        "ApiSpec",
        "Server",
        "SecurityScheme",
        "Operation",
        "Parameter",
        "SchemaRef",
        "Response",
        "SecurityRequirement",
        "RequestBody",
        "Pagination",
        "Webhook",
    }
    assert longest > 40  # the limit was approached: the test measures something


def test_client_repr_and_mapping_repr_are_short(full: dynclient.ApiSpec) -> None:
    for client in (dynclient.Client(access_token=TOKEN), dynclient.Client(full, access_token=TOKEN)):
        with client:
            text = repr(client)
            assert text.startswith("<Client 'Polar API' 2026-10: ") and "token set" in text, text
            assert f"{len(client.operations)} operations at {client.base_url}" in text
            assert TOKEN not in text
            assert len(text) <= CLIENT_REPR_LIMIT
            ops = repr(client.operations)
            assert ops.startswith(f"<Operations ({len(client.operations)}): ") and len(ops) <= CLIENT_REPR_LIMIT, ops
            assert len(repr(client.customers)) <= CLIENT_REPR_LIMIT, repr(client.customers)
        assert repr(client).endswith("token set, closed>")
    closed = dynclient.AsyncClient(token_env="DYNCLIENT_TEST_UNSET_TOKEN")
    assert repr(closed).startswith("<AsyncClient ") and repr(closed).endswith("token unset>")
    assert repr(dynclient.Client(full).spec) == "<ApiSpec 'Polar API' 2026-10: 186 operations, 41 webhooks>"


def test_ir_objects_are_hashable_by_pointer(full: dynclient.ApiSpec) -> None:
    objects = list(ir_objects(full))
    assert len({id(o) for o in objects}) > 1000
    assert all(isinstance(hash(o), int) for o in objects)
    again = dynclient.load_spec(POLAR_CURRENT)
    pairs = zip(ir_objects(full), ir_objects(again), strict=True)
    next(pairs)  # the ApiSpec: compared and hashed by identity
    for old, new in pairs:  # two loads of one document: equal objects, equal hashes
        assert old == new and hash(old) == hash(new), repr(old)
    assert full != again and hash(full) != hash(again)
    by_op = {op: op.name for op in full.operations}  # usable as keys and in sets
    assert by_op[again["customers_get"]] == "customers_get"
    schemas = {p.schema for op in full.operations for p in op.parameters}
    assert len(schemas) == len({p.schema.pointer for op in full.operations for p in op.parameters})
    moved = dataclasses.replace(full["customers_get"], path="/elsewhere")
    assert moved != full["customers_get"]  # equality is still by value


def test_operations_is_a_read_only_mapping() -> None:
    client = dynclient.Client(access_token=TOKEN)
    ops = client.operations
    assert isinstance(ops, Mapping) and not isinstance(ops, MutableMapping) and isinstance(ops, Operations)
    anything: object = 42
    assert "customers_get" in ops and "customers_nope" not in ops and anything not in ops
    assert len(ops) == len(client.spec.operations) == 30
    assert list(ops) == list(ops.keys()) == [op.name for op in client.spec.operations]
    assert list(ops.values()) == list(client.spec.operations)
    assert dict(ops.items())["customers_update"].http_method == "PATCH"
    assert ops.get("customers_nope") is None
    with pytest.raises(KeyError):
        ops["customers_nope"]
    with pytest.raises(TypeError):
        ops["customers_get"] = ops["customers_list"]  # type: ignore[index]
    with pytest.raises(AttributeError):
        ops.extra = 1  # type: ignore[attr-defined]
    assert client.with_options(retry=None).operations is ops
    internals: Any = client
    assert client.spec is internals._runtime.spec and client.spec.by_name is ops
