# pyright: strict
"""Typed use of the bundled client: must pass `mypy --strict` and pyright strict, and run for real.

Every one of the eleven core operations is called through ``call()`` and through its group
method, with ``assert_type`` on what comes back; then the sync and async clients run the
whole file against an ``httpx.MockTransport`` that answers with spec-valid JSON.
"""

from __future__ import annotations

import asyncio
import datetime
from typing import Any, Literal, assert_type

import httpx

import dynclient
from dynclient.schemas import (
    Customer,
    CustomerCreate,
    CustomerState,
    CustomerStateSubscription,
    CustomerUpdate,
    CustomerUpdateExternalID,
    ListResource_Customer_,
    TaxIDFormat,
    WebhookCustomerStateChangedPayload,
)
from dynclient.testing import FakeAPI

CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"
ORG_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
MISSING_ID = "5b2c6b8e-8f0a-4d8e-9a57-0d5a1f0f4e11"
TOKEN = "usage-ok-token"
CSV = "id,email\n992fae2a-2a17-4b7a-8d9e-e287cf90131b,ada@example.com\n"


def customer_json(kind: str) -> dict[str, object]:
    return {
        "id": CUSTOMER_ID,
        "created_at": "2026-01-02T03:04:05Z",
        "modified_at": None,
        "metadata": {"plan": "pro"},
        "external_id": "usr_1",
        "email": "ada@example.com",
        "email_verified": True,
        "type": kind,
        "name": "Ada",
        "billing_name": None,
        "billing_address": None,
        "tax_id": ["911144442", "us_ein"],
        "locale": "en",
        "organization_id": ORG_ID,
        "default_payment_method_id": None,
        "deleted_at": None,
        "first_user_event_at": None,
        "avatar_url": "https://example.com/a.png",
    }


def handler(request: httpx.Request) -> httpx.Response:
    path, method = request.url.path, request.method
    kind = "team" if b'"team"' in request.content else "individual"
    if method == "DELETE":
        return httpx.Response(204)
    if path.endswith("/export"):
        return httpx.Response(200, text=CSV, headers={"content-type": "text/csv"})
    if path.endswith("/state"):
        state: dict[str, object] = {
            **customer_json(kind),
            "active_subscriptions": [],
            "granted_benefits": [],
            "active_meters": [],
        }
        return httpx.Response(200, json=state)
    if path == "/v1/customers/" and method == "GET":
        page = {
            "items": [customer_json("individual"), customer_json("team")],
            "pagination": {"total_count": 2, "max_page": 1},
        }
        return httpx.Response(200, json=page)
    if path.endswith(MISSING_ID):
        return httpx.Response(404, json={"error": "ResourceNotFound", "detail": "Customer not found."})
    return httpx.Response(201 if method == "POST" else 200, json=customer_json(kind))


def describe(customer: Customer) -> str:
    """Narrowing on the discriminator: each branch sees its own member type."""
    if customer["type"] == "team":
        assert_type(customer["type"], Literal["team"])
        return f"team {customer['name']}"
    assert_type(customer["type"], Literal["individual"])
    return f"individual {customer['email']}"


def tax_id_parts(customer: Customer) -> tuple[str, TaxIDFormat] | None:
    tax_id = customer["tax_id"]
    if tax_id is None:  # nullable: must be checked before use
        return None
    number, kind = tax_id
    assert_type(number, str)
    assert_type(kind, TaxIDFormat)
    return number, kind


def exercise(client: dynclient.Client) -> list[str]:
    seen: list[str] = []
    # customers_list
    page = client.call("customers_list", organization_id=ORG_ID, limit=10, sorting=["-created_at", "email"])
    assert_type(page, ListResource_Customer_)
    assert_type(client.customers.list(limit=10, page=1, email="ada@example.com"), ListResource_Customer_)
    seen += [describe(c) for c in page["items"]]
    assert_type(page["pagination"]["max_page"], int)
    # customers_create: the body is the CustomerCreate union (individual or team)
    new: CustomerCreate = {"email": "ada@example.com", "name": "Ada", "billing_address": {"country": "FR"}}
    created = client.call("customers_create", body=new)
    assert_type(created, Customer)
    team = client.customers.create(body={"type": "team", "email": "ops@example.com", "metadata": {"seats": 5}})
    assert_type(team, Customer)
    seen += [describe(created), describe(team)]
    # customers_export: text/csv is a str
    assert_type(client.call("customers_export", organization_id=ORG_ID), str)
    csv_text = client.customers.export()
    assert_type(csv_text, str)
    seen.append(csv_text.splitlines()[0])
    # customers_get / customers_get_external
    got = client.call("customers_get", id=CUSTOMER_ID)
    assert_type(got, Customer)
    assert_type(client.customers.get(id=CUSTOMER_ID), Customer)
    assert_type(client.call("customers_get_external", external_id="usr_1"), Customer)
    assert_type(client.customers.get_external(external_id="usr_1"), Customer)
    parts = tax_id_parts(got)
    seen.append(repr(parts))
    # customers_update / customers_update_external
    update: CustomerUpdate = {"name": None, "metadata": {"plan": "team"}, "type": "team"}
    assert_type(client.call("customers_update", id=CUSTOMER_ID, body=update), Customer)
    assert_type(client.customers.update(id=CUSTOMER_ID, body={"email": "new@example.com"}), Customer)
    external: CustomerUpdateExternalID = {"locale": "fr"}
    assert_type(client.call("customers_update_external", external_id="usr_1", body=external), Customer)
    assert_type(client.customers.update_external(external_id="usr_1", body={"locale": None}), Customer)
    # customers_delete / customers_delete_external: 204 is None
    assert_type(client.call("customers_delete", id=CUSTOMER_ID), None)
    assert_type(client.customers.delete(id=CUSTOMER_ID, anonymize=True), None)
    assert_type(client.call("customers_delete_external", external_id="usr_1"), None)
    assert_type(client.customers.delete_external(external_id="usr_1", anonymize=False), None)
    # customers_get_state / customers_get_state_external
    state = client.call("customers_get_state", id=CUSTOMER_ID)
    assert_type(state, CustomerState)
    assert_type(client.customers.get_state(id=CUSTOMER_ID), CustomerState)
    assert_type(client.call("customers_get_state_external", external_id="usr_1"), CustomerState)
    assert_type(client.customers.get_state_external(external_id="usr_1"), CustomerState)
    seen.append(f"{state['type']} subscriptions={len(state['active_subscriptions'])}")
    # pagination, the escape hatch, errors
    for item in client.paginate("customers_list", limit=2):
        assert_type(item, Customer)
    for each in client.pages("customers_list", max_pages=1):
        assert_type(each, ListResource_Customer_)
    untyped = client.invoke("customers_get", id=CUSTOMER_ID)
    seen.append(str(type(untyped).__name__))
    try:
        client.customers.get(id=MISSING_ID)
    except client.errors.ResourceNotFound as exc:
        assert_type(exc.status_code, int)
        assert isinstance(exc, dynclient.APIError)
        seen.append(f"not found {exc.status_code}")
    assert_type(client.build_request("customers_get", id=CUSTOMER_ID), httpx.Request)
    # raw responses: the same calls, the parsed value with the HTTP facts around it
    raw = client.with_raw_response
    got_raw = raw.customers.get(id=CUSTOMER_ID)
    assert_type(got_raw, dynclient.RawResponse[Customer])
    assert_type(got_raw.parsed, Customer)
    assert_type(got_raw.status_code, int)
    assert_type(got_raw.headers, httpx.Headers)
    assert_type(got_raw.api_version, str | None)
    assert_type(got_raw.elapsed, datetime.timedelta)
    assert_type(got_raw.http_response, httpx.Response)
    assert_type(raw.call("customers_list", limit=1), dynclient.RawResponse[ListResource_Customer_])
    assert_type(raw.customers.delete(id=CUSTOMER_ID).parsed, None)
    assert_type(raw.call("customers_export").parsed, str)
    seen.append(f"raw {got_raw.status_code} {describe(got_raw.parsed)}")
    # limits: an overall deadline per call and a cap on the decoded response size
    bounded = client.with_options(deadline=5.0, max_response_bytes=1_000_000)
    assert_type(bounded.deadline, float | None)
    assert_type(bounded.max_response_bytes, int)
    assert_type(bounded.closed, bool)
    return seen


async def exercise_async(client: dynclient.AsyncClient) -> list[str]:
    got = await client.customers.get(id=CUSTOMER_ID)
    assert_type(got, Customer)
    assert_type(await client.call("customers_list", limit=1), ListResource_Customer_)
    assert_type(await client.call("customers_export"), str)
    assert_type(await client.customers.delete(id=CUSTOMER_ID), None)
    items = [item async for item in client.paginate("customers_list")]
    assert_type(items, list[Customer])
    raw = await client.with_raw_response.customers.get_state(id=CUSTOMER_ID)
    assert_type(raw, dynclient.RawResponse[CustomerState])
    assert_type(await client.with_raw_response.call("customers_delete", id=CUSTOMER_ID), dynclient.RawResponse[None])
    return [describe(got), *(describe(i) for i in items)]


# -- webhooks ---------------------------------------------------------------------------------------


def on_event(hooks: dynclient.Webhooks, body: bytes, headers: dict[str, str]) -> str:
    """The receiver's shape: unknown types first (acknowledged), then ``type`` narrows."""
    event = hooks.parse(body, headers)
    assert_type(event.id, str)
    assert_type(event.timestamp, datetime.datetime)
    if isinstance(event, dynclient.UnknownWebhookEvent):
        assert_type(event.payload, dict[str, Any])
        return f"unknown {event.type}"
    if event.type == "customer.state_changed":
        subscriptions = event.data["active_subscriptions"]
        assert_type(subscriptions, list[CustomerStateSubscription])
        assert_type(event.payload, WebhookCustomerStateChangedPayload)
        assert_type(event.payload["type"], Literal["customer.state_changed"])
        return f"state of {event.data['id']}: {len(subscriptions)} active subscriptions"
    assert_type(event.type, Literal["customer.created", "customer.updated", "customer.deleted"])
    assert_type(event.data, Customer)
    return f"{event.type}: {describe(event.data)}"


def on_known(event: dynclient.WebhookEvent) -> bool:
    return event.known


def exercise_webhooks(client: dynclient.Client) -> list[str]:
    hooks = client.webhooks("usage-ok-webhook-secret")
    assert_type(hooks, dynclient.Webhooks)
    state: dict[str, object] = {
        **customer_json("individual"),
        "active_subscriptions": [],
        "granted_benefits": [],
        "active_meters": [],
    }
    seen: list[str] = []
    payloads: list[dict[str, object]] = [
        {"type": "customer.state_changed", "timestamp": "2026-01-02T03:04:05Z", "data": state},
        {"type": "customer.created", "timestamp": "2026-01-02T03:04:05Z", "data": customer_json("team")},
        {"type": "member.created", "timestamp": "2026-01-02T03:04:05Z", "data": {}},
    ]
    for payload in payloads:
        body, headers = hooks.sign(payload)
        assert_type(body, bytes)
        hooks.verify(body, headers)
        seen.append(on_event(hooks, body, headers))
    standalone = dynclient.Webhooks("whsec_dXNhZ2Utb2s=", tolerance=60, validate="strict")
    body, headers = standalone.sign(
        {"type": "member.created"}, id="msg_1", timestamp=datetime.datetime.now(datetime.UTC)
    )
    seen.append(str(on_known(standalone.parse(body, headers))))
    return seen


def contract_options(transport: httpx.MockTransport) -> list[str]:
    """The pinned version and the response-validation modes (issue 11) are typed."""
    with dynclient.Client(http_client=httpx.Client(transport=transport), access_token=TOKEN) as client:
        assert_type(client.api_version, str | None)
        assert_type(client.version_header, str)
        strict = client.with_options(validate_responses="strict")
        assert_type(strict, dynclient.Client)
        unpinned = dynclient.Client(
            http_client=httpx.Client(transport=transport),
            access_token=TOKEN,
            api_version=False,
            validate_responses="compatible",
        )
        seen = [f"{client.version_header}: {client.api_version}", f"unpinned: {unpinned.api_version}"]
        unpinned.close()
        return seen


def with_the_fake() -> list[str]:
    """The fake's clients and the pytest fixtures' are the typed clients of the stubs (issue 13)."""
    fake = FakeAPI()
    with fake.client() as client:
        assert_type(client, dynclient.Client)
        created = client.customers.create(body={"email": "fake@example.com", "type": "individual"})
        assert_type(created, Customer)
        fetched = client.customers.get(id=created["id"])
        seen = [f"fake: {fetched.get('email')}, {len(list(client.paginate('customers_list', limit=10)))} listed"]

    async def run() -> str:
        async with fake.async_client() as ac:
            assert_type(ac, dynclient.AsyncClient)
            state = await ac.customers.get_state(id=created["id"])
            assert_type(state, CustomerState)
            return f"fake async: {state.get('email')}"

    return [*seen, asyncio.run(run())]


def main() -> list[str]:
    transport = httpx.MockTransport(handler)
    with dynclient.Client(http_client=httpx.Client(transport=transport), access_token=TOKEN) as client:
        seen = exercise(client) + contract_options(transport)
        seen += exercise_webhooks(client)

    async def run() -> list[str]:
        async with dynclient.AsyncClient(http_client=httpx.AsyncClient(transport=transport), access_token=TOKEN) as ac:
            return await exercise_async(ac)

    return seen + asyncio.run(run()) + with_the_fake()


if __name__ == "__main__":
    print("\n".join(main()))
