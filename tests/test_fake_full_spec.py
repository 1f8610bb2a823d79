"""The fake loads and serves Polar's whole spec (127 paths, 186 operations) with no code for
any of them: every operation answers a declared success through a strict client, and every
resource it infers keeps state (create, read back, list, delete, 404). Arguments and bodies
are generated from the spec; every answer is also judged by openapi-core (``fake_oracle``)."""

from __future__ import annotations

import functools
from typing import Any

import pytest
from conftest import POLAR_CURRENT
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark

import dynclient
from dynclient._fake.generate import Generator
from dynclient.testing import FakeAPI

pytestmark = pytest.mark.usefixtures("fake_oracle")
_PHASE = {"create": 0, "delete": 2}


@functools.lru_cache(maxsize=1)
def full_spec() -> dynclient.ApiSpec:
    return dynclient.load_spec(POLAR_CURRENT)


def _arguments(fake: FakeAPI, gen: Generator, op: dynclient.Operation, records: dict[str, dict[str, Any]]) -> Any:
    """Required arguments generated from the spec; a record's key where the path addresses one."""
    b = fake.binding(op.name)
    args: dict[str, Any] = {}
    for p in op.parameters:
        if b.key is not None and b.resource is not None and p.name == b.key.param:
            args[p.name] = records[b.resource.name][b.key.property]
        elif p.required:
            args[p.name] = gen.value(p.schema.raw, p.name)
    body = op.request_body
    if body is not None and body.schema is not None:
        client: Any = fake.client()  # the whole spec's client: untyped
        for variant in range(8):
            candidate = gen.value(body.schema.raw, variant=variant)
            try:
                client.build_request(op.name, **args, body=candidate)
            except dynclient.RequestValidationError:
                continue
            args["body"] = candidate
            break
        else:
            pytest.fail(f"no valid body generated for {op.name}")
    return args


def test_the_whole_spec_loads_and_every_operation_has_a_role() -> None:
    spec = full_spec()
    fake = FakeAPI(spec)
    assert len({op.path for op in spec.operations}) == 127 and len(spec.operations) == 186
    roles = [fake.binding(op.name).role for op in spec.operations]
    assert len(roles) == 186 and roles.count("generic") < 100
    assert len(fake.resources) >= 30
    for name in ("customers", "products", "orders", "subscriptions", "discounts", "checkouts", "benefits"):
        assert name in fake.resources, name
    assert fake.resources["checkouts"].alternate_keys == ["client_secret"]


def test_every_operation_of_the_whole_spec_answers_a_declared_success() -> None:
    spec = full_spec()
    fake = FakeAPI(spec, seed=7)
    gen = Generator(spec.document, seed="arguments")
    records: dict[str, dict[str, Any]] = {}
    outcomes: dict[str, str] = {}
    ops = sorted(spec.operations, key=lambda op: _PHASE.get(fake.binding(op.name).role, 1))
    with fake.client(validate_responses="strict", retry=dynclient.RetryPolicy.none()) as typed:
        client: Any = typed  # the whole spec's client: untyped
        for op in ops:
            b = fake.binding(op.name)
            res = b.resource
            if b.role != "create" and res is not None and records.get(res.name) not in fake.records(res.name):
                # a record to address (again, after a delete): alternate keys set, the rest generated
                alternate = {prop: f"{prop}-{len(fake.calls)}" for prop in res.alternate_keys}
                records[res.name] = fake.seed_resource(res.name, alternate)
            try:
                result = client.call(op.name, **_arguments(fake, gen, op, records))
            except dynclient.DynclientError as exc:
                outcomes[op.name] = f"{type(exc).__name__}: {str(exc)[:300]}"
                continue
            status = fake.calls[-1].status
            outcomes[op.name] = "ok" if op.response_for(status) in op.success_responses else f"HTTP {status}"
            if b.role == "create" and b.resource is not None and b.resource.key is not None:
                key = b.resource.key
                assert result[key] in [r[key] for r in fake.records(b.resource.name)]
    failures = {name: what for name, what in outcomes.items() if what != "ok"}
    assert failures == {}
    assert len(outcomes) == 186 and {c.source for c in fake.calls} == {"fake"}


def test_every_inferred_resource_keeps_state() -> None:
    spec = full_spec()
    fake = FakeAPI(spec)
    gen = Generator(spec.document, seed="bodies")
    checked = 0
    with fake.client(validate_responses="strict", retry=dynclient.RetryPolicy.none()) as typed:
        client: Any = typed  # the whole spec's client: untyped
        for res in fake.resources.values():
            roles: dict[str, dynclient.Operation] = {}
            for name in res.operations:  # the first of each role: the one addressing by the key
                roles.setdefault(fake.binding(name).role, fake.binding(name).op)
            if "get" not in roles:
                continue
            if "create" in roles:
                made = client.call(roles["create"].name, **_arguments(fake, gen, roles["create"], {}))
            else:
                made = fake.seed_resource(res.name)
            key = fake.binding(roles["get"].name).key
            assert key is not None
            assert client.call(roles["get"].name, **{key.param: made[key.property]}) == made, res.name
            if "list" in roles:
                listed = client.call(roles["list"].name)
                plan = fake.binding(roles["list"].name).plan
                assert plan is not None
                items = listed
                for part in plan.results:
                    items = items[part]
                assert made[res.key] in [item[res.key] for item in items], res.name
            if "delete" in roles:
                client.call(roles["delete"].name, **{key.param: made[key.property]})
                with pytest.raises(dynclient.NotFoundError):
                    client.call(roles["get"].name, **{key.param: made[key.property]})
            checked += 1
    assert checked >= 15
