# pyright: strict
"""Misuses the stubs must reject: every line with an E-marker comment is an error for mypy --strict
and for pyright strict, and no other line is. Never run; only type-checked (see tests/test_stubs.py)."""

from __future__ import annotations

import dynclient
from dynclient.schemas import Customer, CustomerCreate, CustomerUpdate

CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"


def misuse(client: dynclient.Client, customer: Customer) -> None:
    client.call("customers_get", identifier=CUSTOMER_ID)  # E: wrong parameter name
    client.customers.list(limt=10)  # E: misspelt parameter in the group form
    client.call("customers_list", limit="ten")  # E: wrong type for limit
    client.call("customers_lst")  # E: unknown operation
    client.call("customers_get")  # E: missing path parameter
    client.customers.get()  # E: missing path parameter in the group form
    client.call("customers_list", sorting=["-created"])  # E: bad enum value for sorting
    client.customers.create(body={"email": "a@example.com", "billing_address": {"country": "XX"}})  # E: bad country
    client.customers.create(body={"email": "a@example.com", "nickname": "ada"})  # E: unknown body key
    client.customers.create(body={"name": "Ada"})  # E: missing required body key
    client.customer.list()  # E: misspelt group
    client.customers.lst()  # E: misspelt method
    _ = customer["nickname"]  # E: key that does not exist
    _ = customer["name"].upper()  # E: nullable field treated as non-null
    _ = customer["billing_address"]["country"]  # E: nullable nested object treated as non-null
    _ = client.customers.delete(id=CUSTOMER_ID)["id"]  # E: delete returns None
    _ = client.customers.export()["items"]  # E: export is CSV text, not an object
    client.customers.update(id=CUSTOMER_ID, body={"type": "company"})  # E: bad enum value in the body
    client.call("customers_delete", id=CUSTOMER_ID, anonymize="yes")  # E: wrong type for a query parameter
    client.customers.get(CUSTOMER_ID)  # E: parameters are keyword-only
    client.with_options(validate_responses="lenient")  # E: unknown response-validation mode
    version: str = client.api_version  # E: api_version may be None (nothing sent)
    print(version)
    _ = client.errors.CustomerMissing  # E: unknown error class
    _ = client.call("customers_get", id=CUSTOMER_ID)["tax_id"][2]  # E: tax_id is a pair
    client.paginate("customers_get", id=CUSTOMER_ID)  # E: not a paginated operation
    body: CustomerCreate = {"email": "a@example.com", "type": "company"}  # E: bad discriminator value
    update: CustomerUpdate = {"metadata": {"plan": ["pro"]}}  # E: metadata values are scalars
    print(body, update)
    if customer["type"] == "individual":
        _ = customer["members"]  # E: no such key on either customer type
    _ = client.with_raw_response.customers.get(id=CUSTOMER_ID)["id"]  # E: a RawResponse is not the parsed value
    _ = client.with_raw_response.call("customers_get", id=CUSTOMER_ID).parsed["nickname"]  # E: parsed is typed
    client.with_raw_response.customers.lst()  # E: misspelt method on the raw facade
    client.with_raw_response.call("customers_get", identifier=CUSTOMER_ID)  # E: wrong parameter name, raw call
    _ = client.with_raw_response.customers.delete(id=CUSTOMER_ID).parsed["id"]  # E: raw delete parses to None
    client.with_options(deadline="soon")  # E: a deadline is a number of seconds
    _ = client.invoke("anything_at_all", whatever=1)  # the escape hatch is untyped on purpose


def webhook_misuse(client: dynclient.Client, body: bytes, headers: dict[str, str]) -> None:
    hooks = client.webhooks("secret")
    event = hooks.parse(body, headers)
    _ = event.data["active_subscriptions"]  # E: not narrowed: a customer has no active_subscriptions
    hooks.parse(body.decode(), headers)  # E: the body is the raw bytes
    dynclient.Webhooks("secret", validate="lenient")  # E: no such validation mode
    hooks.sign({"type": "customer.created"}, timestamp="now")  # E: a timestamp is seconds or a datetime
    client.webhooks()  # E: the secret is required
    if isinstance(event, dynclient.UnknownWebhookEvent):
        return
    if event.type == "customer.state_changed":
        _ = event.data["nickname"]  # E: a customer state has no such key
    if event.type == "customer.nothing":  # E: no such event type in the spec
        pass
