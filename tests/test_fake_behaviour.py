"""FakeAPI's options and tools: determinism, reset, calls, inject, seed_resource, versions,
uniqueness and search options, routing, and the guarantee that an off-spec answer never leaves."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
import time
from typing import Any

import httpx
import pytest
from conftest import internals
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark

import dynclient
from dynclient.schemas import CustomerIndividualCreate
from dynclient.testing import FAKE_TOKEN, FakeAPI, FakeError, FakeResponseError

pytestmark = pytest.mark.usefixtures("fake_oracle")

ADA: CustomerIndividualCreate = {"email": "ada@example.com", "name": "Ada Lovelace", "external_id": "usr_ada"}


def _raw(fake: FakeAPI) -> httpx.Client:
    return httpx.Client(transport=fake.transport(), base_url=fake.base_url)


# -- determinism, reset, calls ---------------------------------------------------------------------


def test_same_seed_same_answers_other_seed_other_ids() -> None:
    def run(seed: int) -> list[Any]:
        fake = FakeAPI(seed=seed)
        with fake.client() as client:
            return [client.customers.create(body=ADA), client.customers.create(body={"email": "b@example.com"})]

    assert run(0) == run(0)
    a, b = run(0), run(1)
    assert a[0]["id"] != b[0]["id"] and a[0]["organization_id"] != b[0]["organization_id"]
    assert a[0]["created_at"] == b[0]["created_at"] == "2026-01-01T00:00:00Z"  # the logical clock


def test_a_given_clock_sets_the_timestamps() -> None:
    moments = iter([dt.datetime(2030, 5, 1, 12, 0, tzinfo=dt.UTC), dt.datetime(2030, 5, 2, 8, 30)])
    fake = FakeAPI(clock=lambda: next(moments))
    with fake.client() as client:
        made = client.customers.create(body=ADA)
        changed = client.customers.update(id=made["id"], body={"name": "Ada King"})
    assert made["created_at"] == "2030-05-01T12:00:00Z" and made["modified_at"] is None
    assert changed["modified_at"] == "2030-05-02T08:30:00Z"  # naive: taken as UTC


def test_reset_forgets_everything_and_restarts_the_generator() -> None:
    fake = FakeAPI()
    with fake.client() as client:
        first = client.customers.create(body=ADA)
        fake.inject("customers_list", status=503, times=5)
        fake.reset()
        assert fake.calls == [] and fake.records("customers") == []
        assert client.customers.create(body=ADA) == first  # same seed, same clock: same record
        assert client.customers.list()["items"] == [first]  # and the injection is gone


def test_calls_record_operation_arguments_status_and_a_redacted_request() -> None:
    fake = FakeAPI()
    with fake.client(access_token="secret-token-123") as client:
        client.customers.list(limit=5, sorting=["-email", "name"], metadata={"plan": "pro"})
    (call,) = fake.calls
    assert call.operation == "customers_list" and call.status == 200 and call.source == "fake"
    assert call.arguments == {"limit": 5, "sorting": ["-email", "name"], "metadata": {"plan": "pro"}}
    assert call.request.headers["authorization"] == "[redacted]"
    assert "secret-token-123" not in repr(call) + str(call.request.headers) + str(call.response.request.headers)
    assert call.body["pagination"] == {"total_count": 0, "max_page": 0}


def test_the_default_client_sends_a_fake_token_never_the_environments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLAR_ACCESS_TOKEN", "polar_oat_REAL")
    fake = FakeAPI()
    with fake.client() as client:
        client.customers.list()
    assert fake.calls[0].arguments == {}
    token = internals(client)._token
    assert token is not None and token.reveal() == FAKE_TOKEN


# -- inject -----------------------------------------------------------------------------------------


def test_injected_failures_then_the_normal_answer_retries_included() -> None:
    fake = FakeAPI()
    made = fake.seed_resource("customers", ADA)
    fake.inject("customers_get", status=503, times=2)
    policy = dynclient.RetryPolicy(attempts=3, backoff=0.0, jitter=False)
    with fake.client(retry=policy) as client:
        assert client.customers.get(id=made["id"])["name"] == "Ada Lovelace"
    assert [(c.status, c.source) for c in fake.calls] == [(503, "injected"), (503, "injected"), (200, "fake")]
    assert fake.calls[0].body == {"detail": "Service unavailable"}
    fake.inject("customers_get", status=503)
    with fake.client(retry=dynclient.RetryPolicy.none()) as client, pytest.raises(dynclient.ServerError) as caught:
        client.customers.get(id=made["id"])
    assert caught.value.status_code == 503


def test_injected_error_bodies_follow_the_declared_schema_and_change_no_state() -> None:
    fake = FakeAPI()
    made = fake.seed_resource("customers", ADA)
    fake.inject("customers_get", status=404)
    fake.inject("customers_delete", status=422)
    fake.inject("customers_create", status=201)
    fake.inject("customers_list", status=429, headers={"Retry-After": "0"})
    with fake.client(retry=dynclient.RetryPolicy.none()) as client:
        with pytest.raises(client.errors.ResourceNotFound) as gone:
            client.customers.get(id=made["id"])
        assert gone.value.body == {"error": "ResourceNotFound", "detail": "Not found"}
        with pytest.raises(client.errors.HTTPValidationError):
            client.customers.delete(id=made["id"])
        ghost = client.customers.create(body={"email": "ghost@example.com"})  # a valid 201, generated
        with pytest.raises(dynclient.RateLimitError) as limited:
            client.customers.list()
        assert limited.value.retry_after == 0
        assert [c["id"] for c in client.customers.list()["items"]] == [made["id"]]  # nothing changed
    assert ghost["id"] != made["id"] and len(fake.records("customers")) == 1


def test_an_injected_body_is_sent_as_given_so_a_test_can_send_drift() -> None:
    fake = FakeAPI()
    made = fake.seed_resource("customers", ADA)
    drifted = copy.deepcopy(made) | {"type": "enterprise"}
    fake.inject("customers_get", status=200, body=drifted, times=2)
    with fake.client(validate_responses="strict") as client, pytest.raises(dynclient.ResponseValidationError):
        client.customers.get(id=made["id"])
    with fake.client(validate_responses="off") as client:
        kind: str = client.customers.get(id=made["id"])["type"]  # the spec's types say it cannot be
        assert kind == "enterprise"
    fake.inject("customers_export", status=200, body="id\r\nabc\r\n")
    with fake.client() as client:
        assert client.customers.export() == "id\r\nabc\r\n"


def test_injected_latency_sync_and_async() -> None:
    fake = FakeAPI()
    fake.inject("customers_list", status=None, delay=0.3)
    with fake.client() as client:
        started = time.perf_counter()
        assert client.customers.list()["items"] == []
        assert time.perf_counter() - started >= 0.3
    fake.inject("customers_list", status=None, delay=0.3)

    async def both() -> float:
        async with fake.async_client() as client:
            started = time.perf_counter()
            await asyncio.gather(client.customers.list(), client.customers.list())  # one delayed, one not
            return time.perf_counter() - started

    assert 0.3 <= asyncio.run(both()) < 1.5
    assert [c.status for c in fake.calls] == [200, 200, 200]


def test_inject_refuses_unknown_operations_and_bad_values() -> None:
    fake = FakeAPI()
    with pytest.raises(dynclient.ConfigurationError, match="did you mean 'customers_get'"):
        fake.inject("customers_gett", status=500)
    with pytest.raises(dynclient.ConfigurationError):
        fake.inject("customers_get", status=999)
    with pytest.raises(dynclient.ConfigurationError):
        fake.inject("customers_get", status=500, times=0)


# -- seed_resource ----------------------------------------------------------------------------------


def test_seed_fills_what_is_missing_and_keeps_what_is_given() -> None:
    fake = FakeAPI()
    given: dict[str, Any] = {
        "id": "992fae2a-2a17-4b7a-8d9e-e287cf90131b",
        "created_at": "2025-12-24T10:00:00Z",
        "email": "ada@example.com",
        "email_verified": True,
        "metadata": {"plan": "pro"},
    }
    seeded = fake.seed_resource("customers", given, name="Ada")
    assert {k: seeded[k] for k in given} == given and seeded["name"] == "Ada"
    assert seeded["type"] == "individual" and seeded["deleted_at"] is None
    with fake.client() as client:
        assert client.customers.get(id=given["id"]) == seeded
    assert fake.records("/v1/customers/") == [seeded]  # by collection path too


def test_seeded_view_arrays_show_in_the_view_only() -> None:
    fake = FakeAPI()
    meter = {
        "id": "5c8b1f5e-8d2a-4a57-9a32-3b6f2f1d0c11",
        "created_at": "2026-01-01T00:00:00Z",
        "modified_at": None,
        "meter_id": "0f6e5b8a-1c2d-4e3f-8a9b-0c1d2e3f4a5b",
        "consumed_units": 25.0,
        "credited_units": 100,
        "balance": 75.0,
    }
    seeded = fake.seed_resource("customers", ADA, active_meters=[meter])
    assert "active_meters" not in seeded
    with fake.client(validate_responses="strict") as client:
        state = client.customers.get_state_external(external_id="usr_ada")
        assert state["active_meters"] == [meter] and state["active_subscriptions"] == []
        assert "active_meters" not in client.customers.get(id=seeded["id"])
        client.customers.update(id=seeded["id"], body={"name": "Ada King"})
        assert client.customers.get_state(id=seeded["id"])["active_meters"] == [meter]  # kept across updates


def test_seeds_the_spec_cannot_hold_are_refused_with_each_problem() -> None:
    fake = FakeAPI()
    with pytest.raises(dynclient.ConfigurationError) as caught:
        fake.seed_resource("customers", {"email": 5, "created_at": "yesterday"})
    assert "customers.email" in str(caught.value) and "customers.created_at" in str(caught.value)
    with pytest.raises(dynclient.ConfigurationError, match="active_meters"):
        fake.seed_resource("customers", ADA, active_meters=[{"id": "nope"}])
    fake.seed_resource("customers", ADA)
    with pytest.raises(dynclient.ConfigurationError, match="external_id='usr_ada' is already taken"):
        fake.seed_resource("customers", {"email": "other@example.com", "external_id": "usr_ada"})
    with pytest.raises(dynclient.ConfigurationError, match="this spec's resources: customers"):
        fake.seed_resource("pets", {})
    assert len(fake.records("customers")) == 1


# -- behaviour details ------------------------------------------------------------------------------


def test_a_body_value_the_resource_cannot_hold_is_dropped_and_the_tag_can_change() -> None:
    fake = FakeAPI()
    with fake.client(validate_responses="strict") as client:
        off_spec: Any = {**ADA, "tax_id": "FR61954506077", "owner": {"email": "o@example.com"}}
        made = client.customers.create(body=off_spec)
        assert made["tax_id"] is None and "owner" not in made  # stored as a pair; not a customer property
        upgraded = client.customers.update(id=made["id"], body={"type": "team"})
        assert upgraded["type"] == "team" and upgraded["name"] == "Ada Lovelace"
        assert client.customers.get_state(id=made["id"])["type"] == "team"
        kept = client.customers.update(id=made["id"], body={"email": None})  # a team may have no email
        assert kept["email"] is None


def test_uniqueness_and_search_are_options() -> None:
    fake = FakeAPI(unique_fields=("customers.name",), infer_unique=False, search_params=())
    assert fake.resources["customers"].unique == ["id", "external_id", "name"]
    with fake.client() as client:
        client.customers.create(body={"email": "ada@example.com", "name": "Ada"})
        client.customers.create(body={"email": "ada@example.com", "name": "Ada B"})  # email no longer unique
        with pytest.raises(client.errors.HTTPValidationError) as caught:
            client.customers.create(body={"email": "c@example.com", "name": "Ada"})
        assert caught.value.body["detail"][0]["loc"] == ["body", "name"]
        assert client.customers.list(query="zzz")["pagination"]["total_count"] == 2  # not a search here


def test_what_was_inferred_is_visible() -> None:
    fake = FakeAPI()
    res = fake.resources["customers"]
    assert (res.path, res.key, res.alternate_keys) == ("/v1/customers/", "id", ["external_id"])
    assert res.unique == ["id", "external_id", "email"]
    roles = {name: fake.binding(name).role for name in res.operations}
    assert roles["customers_create"] == "create" and roles["customers_get_state_external"] == "view"
    assert roles["customers_export"] == "export" and roles["customers_update_external"] == "update"
    plan = fake.binding("customers_list").plan
    assert plan is not None and plan.sort == "sorting" and plan.sort_default == ("-created_at",)
    assert dict(plan.search) == {"query": ("external_id", "email", "name")}
    assert ("email", "email") in plan.filters and ("metadata", "metadata") in plan.filters
    text = fake.describe()
    assert "customers (/v1/customers/; key id, external_id" in text and "view customers_get_state" in text


def test_unknown_routes_methods_and_a_missing_trailing_slash() -> None:
    fake = FakeAPI()
    raw = _raw(fake)
    assert raw.get("/v1/nowhere").status_code == 404
    put = raw.put("/v1/customers/")
    assert put.status_code == 405 and put.headers["allow"] == "GET, POST"
    moved = raw.get("/v1/customers?limit=2")  # as FastAPI does: a redirect to the declared path
    assert moved.status_code == 307 and moved.headers["location"] == "/v1/customers/?limit=2"
    assert raw.get("/v1/customers/", params={"limit": 2}).status_code == 200
    assert [c.source for c in fake.calls] == ["protocol", "protocol", "protocol", "fake"]


# -- versions ---------------------------------------------------------------------------------------


def test_versions_echo_default_and_refusal() -> None:
    fake = FakeAPI(api_versions=("2026-04", "2026-10"))
    raw = _raw(fake)
    assert raw.get("/v1/customers/").headers["polar-version"] == "2026-04"  # none sent: the default
    sent = raw.get("/v1/customers/", headers={"Polar-Version": "2026-10"})
    assert sent.headers["polar-version"] == "2026-10"
    for bad in ("2026-07", "2027-01", "garbage"):
        refused = raw.get("/v1/customers/", headers={"Polar-Version": bad})
        assert refused.status_code == 404 and refused.json() == {"detail": "Not Found"}
        assert "polar-version" not in refused.headers
    made = fake.seed_resource("customers", ADA)
    refusing = fake.client(api_version="2027-01", retry=dynclient.RetryPolicy.none())
    with refusing as client, pytest.raises(dynclient.APIError) as caught:
        client.customers.get(id=made["id"])
    assert caught.value.status_code == 404 and not isinstance(caught.value, client.errors.ResourceNotFound)
    assert fake.calls[-1].source == "protocol"
    with fake.client(api_version="2026-10") as client:
        assert client.customers.get(id=made["id"])["id"] == made["id"]


def test_the_spec_version_is_accepted_and_an_undated_one_is_not_checked() -> None:
    fake = FakeAPI()
    assert fake.api_versions == ("2026-10",)
    with fake.client(api_version=True) as client:  # sends the spec's info.version
        client.customers.list()
    assert fake.calls[-1].request.headers["polar-version"] == "2026-10"
    assert fake.calls[-1].response.headers["polar-version"] == "2026-10"
    doc = json.loads(dynclient.bundled_spec_path().read_text())
    doc["info"]["version"] = "1.2.3"
    plain = FakeAPI(doc)
    assert plain.api_versions == ()
    answer = _raw(plain).get("/v1/customers/", headers={"Polar-Version": "garbage"})
    assert answer.status_code == 200 and "polar-version" not in answer.headers


# -- an off-spec answer never leaves ----------------------------------------------------------------


def test_an_answer_the_spec_rejects_raises_instead_of_reaching_the_caller() -> None:
    doc = json.loads(dynclient.bundled_spec_path().read_text())
    schema = doc["components"]["schemas"]["CustomerIndividual"]
    # a required property no value can satisfy: whatever the fake generates is off-spec
    schema["properties"]["impossible"] = {"type": "string", "pattern": "^a$", "maxLength": 0}
    schema["required"].append("impossible")
    fake = FakeAPI(doc)
    with fake.client(validate_responses="off") as client, pytest.raises(FakeResponseError) as caught:
        client.customers.create(body=ADA)
    assert caught.value.status_code == 201 and "body.impossible" in str(caught.value)
    assert "bug in the fake" in str(caught.value) and isinstance(caught.value, dynclient.DynclientError)
    assert fake.calls == []  # nothing was answered


def test_a_failure_inside_the_fake_is_named_as_a_bug_in_the_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeAPI()
    made = fake.seed_resource("customers", ADA)

    def broken(*_args: Any) -> Any:
        raise KeyError("oops")

    monkeypatch.setattr(fake._records, "project", broken)
    with fake.client() as client, pytest.raises(FakeError) as caught:
        client.customers.get(id=made["id"])
    assert "bug in the fake" in str(caught.value) and isinstance(caught.value.__cause__, KeyError)
    with fake.serve() as server:  # over HTTP: a 500 naming it, the server keeps serving
        answer = httpx.get(f"{server.url}/v1/customers/{made['id']}")
        assert answer.status_code == 500 and "bug in the fake" in answer.json()["detail"]
        assert httpx.get(f"{server.url}/v1/nowhere").status_code == 404
