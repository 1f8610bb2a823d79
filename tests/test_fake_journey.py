"""The journey: a user's whole day with the customers API, against the stateful fake.

Create an individual and a team, a duplicate (422), an invalid body (422), list with sorting,
filters and pagination, export, get/update by id and by external id, state by both, delete,
the 404s after it, an unknown id, a malformed id: statuses, bodies and cross-step
consistency, for ``Client`` and ``AsyncClient`` under ``strict`` validation, against the
bundled spec and (unchanged) Polar's July spec cut to ``customers``. Every answer the fake
gives is also judged by openapi-core (``fake_oracle``).
"""

from __future__ import annotations

import asyncio
import csv
import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark

import dynclient
from dynclient.testing import FakeAPI

pytestmark = pytest.mark.usefixtures("fake_oracle")

UNKNOWN_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
NOT_FOUND = {"error": "ResourceNotFound", "detail": "Not found"}


@dataclass
class Journey:
    fake: FakeAPI
    client: dynclient.Client | dynclient.AsyncClient
    run: Callable[[Any], Any]
    raw: httpx.Client

    def call(self, operation: str, /, **arguments: Any) -> Any:
        return self.run(self.client.invoke(operation, **arguments))  # the operation is chosen at run time

    def fails(self, error: type[BaseException], operation: str, /, **arguments: Any) -> Any:
        with pytest.raises(error) as caught:
            self.call(operation, **arguments)
        return caught.value


@pytest.fixture
def journey(spec: dynclient.ApiSpec, kind: str) -> Iterator[Journey]:
    fake = FakeAPI(spec)
    raw = httpx.Client(transport=fake.transport(), base_url=fake.base_url)
    loop = asyncio.new_event_loop()
    if kind == "sync":
        client: Any = fake.client(validate_responses="strict")
        yield Journey(fake, client, lambda v: v, raw)
        client.close()
    else:
        client = fake.async_client(validate_responses="strict")
        yield Journey(fake, client, loop.run_until_complete, raw)
        loop.run_until_complete(client.aclose())
    loop.close()
    raw.close()


def _is_uuid4(value: Any) -> bool:
    return isinstance(value, str) and uuid.UUID(value).version == 4


def test_journey(journey: Journey) -> None:
    j, fake = journey, journey.fake
    errors = j.client.errors

    # -- create: 201 with the server-set fields --------------------------------------------------
    ada = j.call(
        "customers_create",
        body={
            "email": "ada@example.com",
            "name": "Ada Lovelace",
            "external_id": "usr_ada",
            "metadata": {"plan": "pro", "seats": 3},
            "billing_address": {"country": "GB", "city": "London"},
        },
    )
    assert fake.calls[-1].status == 201 and fake.calls[-1].source == "fake"
    assert _is_uuid4(ada["id"]) and _is_uuid4(ada["organization_id"])
    assert ada["type"] == "individual" and ada["name"] == "Ada Lovelace" and ada["email"] == "ada@example.com"
    assert ada["metadata"] == {"plan": "pro", "seats": 3} and ada["billing_address"]["country"] == "GB"
    assert ada["created_at"].endswith("Z") and ada["email_verified"] is False
    for server_set in ("modified_at", "deleted_at", "first_user_event_at", "avatar_url", "tax_id"):
        assert ada.get(server_set) is None, server_set
    team = j.call(
        "customers_create",
        body={
            "type": "team",
            "name": "Analytical Engines Ltd",
            "email": "office@engines.example",
            "external_id": "team_1",
        },
    )
    assert team["type"] == "team" and team["id"] != ada["id"]
    assert team["organization_id"] == ada["organization_id"]  # one tenant
    assert team["created_at"] > ada["created_at"]

    # -- a duplicate email, a duplicate external id: 422 naming the field ----------------------
    for field, body in (
        ("email", {"email": "ada@example.com", "name": "Another Ada"}),
        ("external_id", {"email": "other@example.com", "external_id": "usr_ada"}),
    ):
        dup = j.fails(errors.HTTPValidationError, "customers_create", body=body)
        assert isinstance(dup, dynclient.UnprocessableEntityError) and dup.status_code == 422
        assert dup.body["error"] == "RequestValidationError"
        (entry,) = dup.body["detail"]
        assert entry["loc"] == ["body", field] and entry["input"] == body[field] and entry["type"] == "value_error"
    assert len(fake.records("customers")) == 2

    # -- an invalid body: the client refuses it; sent anyway, the fake answers 422 with loc ------
    sent = len(fake.calls)
    refused = j.fails(dynclient.RequestValidationError, "customers_create", body={"email": "not-an-email"})
    assert "body.email" in refused.locations and len(fake.calls) == sent  # nothing was sent
    raw = j.raw.post("/v1/customers/", json={"email": "not-an-email", "name": 42})
    assert raw.status_code == 422
    detail = raw.json()["detail"]
    assert raw.json()["error"] == "RequestValidationError"
    assert {tuple(e["loc"]) for e in detail} == {("body", "email"), ("body", "name")}
    assert all({"type", "loc", "msg", "input"} <= set(e) for e in detail)
    assert next(e for e in detail if e["loc"] == ["body", "name"])["input"] == 42

    grace = j.call(
        "customers_create", body={"email": "grace@example.com", "name": "Grace Hopper", "metadata": {"plan": "free"}}
    )

    # -- list: default sorting (-created_at), explicit sorting, pagination, filters --------------
    page = j.call("customers_list")
    assert [c["id"] for c in page["items"]] == [grace["id"], team["id"], ada["id"]]
    assert page["pagination"] == {"total_count": 3, "max_page": 1}
    first = j.call("customers_list", sorting=["email"], limit=2)
    second = j.call("customers_list", sorting=["email"], limit=2, page=2)
    assert [c["email"] for c in first["items"] + second["items"]] == [
        "ada@example.com",
        "grace@example.com",
        "office@engines.example",
    ]
    assert first["pagination"] == second["pagination"] == {"total_count": 3, "max_page": 2}
    assert j.call("customers_list", sorting=["email"], limit=2, page=3)["items"] == []
    by_name = j.call("customers_list", sorting=["-name"])
    assert [c["name"] for c in by_name["items"]] == ["Grace Hopper", "Analytical Engines Ltd", "Ada Lovelace"]
    assert [c["id"] for c in j.call("customers_list", email="ada@example.com")["items"]] == [ada["id"]]
    assert j.call("customers_list", email="nobody@example.com")["pagination"] == {"total_count": 0, "max_page": 0}
    assert [c["id"] for c in j.call("customers_list", metadata={"plan": "pro"})["items"]] == [ada["id"]]
    assert [c["id"] for c in j.call("customers_list", metadata={"seats": 3})["items"]] == [ada["id"]]
    for text, who in (("engines", team), ("usr_ada", ada), ("HOPPER", grace), ("ada@", ada)):
        assert [c["id"] for c in j.call("customers_list", query=text)["items"]] == [who["id"]], text
    assert j.call("customers_list", organization_id=ada["organization_id"])["pagination"]["total_count"] == 3
    two = [UNKNOWN_ID, ada["organization_id"]]
    assert j.call("customers_list", organization_id=two)["pagination"]["total_count"] == 3  # any of
    assert fake.calls[-1].arguments == {"organization_id": two}  # decoded from the wire, as sent
    assert j.call("customers_list", organization_id=[UNKNOWN_ID])["items"] == []

    # -- export: CSV, one row per customer --------------------------------------------------------
    text = j.call("customers_export")
    assert fake.calls[-1].response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["id"] for r in rows] == [ada["id"], team["id"], grace["id"]]
    assert (
        rows[0]["email"] == "ada@example.com"
        and rows[0]["name"] == "Ada Lovelace"
        and rows[0]["external_id"] == "usr_ada"
    )
    assert "metadata" not in rows[0]  # scalar properties only

    # -- get and update, by id and by external id: one customer ---------------------------------
    assert j.call("customers_get", id=ada["id"]) == ada == j.call("customers_get_external", external_id="usr_ada")
    updated = j.call("customers_update", id=ada["id"], body={"name": "Ada King", "metadata": {"plan": "team"}})
    assert updated["name"] == "Ada King" and updated["metadata"] == {"plan": "team"}
    assert updated["modified_at"] is not None and updated["modified_at"] > ada["created_at"]
    assert updated["id"] == ada["id"] and updated["created_at"] == ada["created_at"]
    assert j.call("customers_get_external", external_id="usr_ada")["name"] == "Ada King"
    again = j.call("customers_update_external", external_id="usr_ada", body={"locale": "en-GB"})
    assert again["locale"] == "en-GB" and again["name"] == "Ada King"
    read = j.call("customers_get", id=ada["id"])
    assert read == again
    assert [c["name"] for c in j.call("customers_list", email="ada@example.com")["items"]] == ["Ada King"]
    taken = j.fails(errors.HTTPValidationError, "customers_update", id=grace["id"], body={"email": "ada@example.com"})
    assert taken.body["detail"][0]["loc"] == ["body", "email"]

    # -- state, by id and by external id --------------------------------------------------------
    state = j.call("customers_get_state", id=ada["id"])
    assert state == j.call("customers_get_state_external", external_id="usr_ada")
    assert {k: state[k] for k in read} == read  # the customer's fields, as stored
    assert state["active_subscriptions"] == state["granted_benefits"] == state["active_meters"] == []
    team_state = j.call("customers_get_state_external", external_id="team_1")
    assert team_state["type"] == "team" and team_state["name"] == "Analytical Engines Ltd"

    # -- delete by id: 204, empty; then every read is the 404 ----------------------------------
    assert j.call("customers_delete", id=ada["id"]) is None
    assert fake.calls[-1].status == 204 and fake.calls[-1].response.content == b""
    for op, args in (
        ("customers_get", {"id": ada["id"]}),
        ("customers_get_external", {"external_id": "usr_ada"}),
        ("customers_get_state", {"id": ada["id"]}),
        ("customers_get_state_external", {"external_id": "usr_ada"}),
        ("customers_update", {"id": ada["id"], "body": {"name": "x"}}),
        ("customers_delete", {"id": ada["id"]}),
        ("customers_delete_external", {"external_id": "usr_ada"}),
        ("customers_get", {"id": UNKNOWN_ID}),  # an id that never existed: the same 404
    ):
        gone = j.fails(errors.ResourceNotFound, op, **args)
        assert isinstance(gone, dynclient.NotFoundError) and gone.status_code == 404 and gone.body == NOT_FOUND, op
        assert fake.calls[-1].response.headers.get("polar-version") == j.client.spec_version
    assert [c["id"] for c in j.call("customers_list")["items"]] == [grace["id"], team["id"]]

    # -- delete by external id ----------------------------------------------------------------
    assert j.call("customers_delete_external", external_id="team_1") is None
    j.fails(errors.ResourceNotFound, "customers_get", id=team["id"])
    j.fails(errors.ResourceNotFound, "customers_get_state_external", external_id="team_1")
    assert j.call("customers_list")["pagination"] == {"total_count": 1, "max_page": 1}
    # the external id is free again
    assert (
        j.call("customers_create", body={"email": "new@example.com", "external_id": "usr_ada"})["external_id"]
        == "usr_ada"
    )

    # -- a malformed id: the client refuses it; sent anyway, 422 at loc path.id -----------------
    j.fails(dynclient.RequestValidationError, "customers_get", id="not-a-uuid")
    bad = j.raw.get("/v1/customers/not-a-uuid")
    assert bad.status_code == 422
    (entry,) = bad.json()["detail"]
    assert entry["loc"] == ["path", "id"] and entry["input"] == "not-a-uuid"

    # every call is on record: operation, arguments, status
    assert fake.calls[0].operation == "customers_create" and fake.calls[0].arguments["body"]["name"] == "Ada Lovelace"
    assert {c.source for c in fake.calls} == {"fake"}
