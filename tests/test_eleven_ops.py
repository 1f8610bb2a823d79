"""The eleven core operations, each through call() and the group form, on the wire and back.

Parametrized over the bundled spec and Polar's July spec (cut to `customers`), and over the
sync and async clients: the same cases, no code change.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from conftest import TOKEN, Api, internals, json_response
from payloads import (
    CUSTOMER_ID,
    EXPORT_CSV,
    NOT_FOUND,
    ORG_ID,
    UNPROCESSABLE,
    customer,
    customer_page,
    customer_state,
    uuid4_from,
)

import dynclient

ORG_2 = uuid4_from(7)
CREATE_BODY = {
    "external_id": "usr_1337",
    "name": "John Doe",
    "billing_address": {"country": "US", "line1": "1 Main St", "city": "NYC", "postal_code": "10001"},
    "locale": "en",
    "organization_id": ORG_ID,
    "owner": {"email": "member@example.com", "name": "Jane Doe", "external_id": "usr_1337"},
    "type": "individual",
    "email": "customer@example.com",
    "metadata": {"plan": "pro", "seats": 3, "trial": True},
}
UPDATE_BODY = {
    "email": "customer@example.com",
    "name": "John Doe",
    "billing_address": {"country": "FR"},
    "locale": "en",
    "external_id": "usr_1337",
}
UPDATE_EXTERNAL_BODY = {"email": "customer@example.com", "name": "John Doe", "billing_address": None, "locale": "en"}


@dataclass(frozen=True)
class Case:
    operation: str
    group: str
    arguments: dict[str, Any]
    method: str
    path: str
    status: int
    payload: Any
    query: list[tuple[str, str]] = field(default_factory=list)
    body: Any = None
    errors: tuple[int, ...] = (404, 422)
    accept: str = "application/json"

    def respond(self, request: httpx.Request) -> httpx.Response:
        if self.status == 204:
            return httpx.Response(204)
        if isinstance(self.payload, str):
            return httpx.Response(self.status, text=self.payload, headers={"content-type": "text/csv"})
        return json_response(self.status, self.payload)

    @property
    def expected(self) -> Any:
        return None if self.status == 204 else self.payload


CASES = [
    Case(
        "customers_list",
        "customers.list",
        {
            "organization_id": [ORG_ID, ORG_2],
            "email": "customer0@example.com",
            "query": "John",
            "active": True,
            "page": 2,
            "limit": 10,
            "sorting": ["-created_at", "email"],
            "metadata": {"plan": "pro", "seats": [1, 2], "vip": True},
        },
        "GET",
        "/v1/customers/",
        200,
        customer_page(10),
        query=[
            ("organization_id", ORG_ID),
            ("organization_id", ORG_2),
            ("email", "customer0@example.com"),
            ("query", "John"),
            ("active", "true"),
            ("page", "2"),
            ("limit", "10"),
            ("sorting", "-created_at"),
            ("sorting", "email"),
            ("metadata[plan]", "pro"),
            ("metadata[seats]", "1"),
            ("metadata[seats]", "2"),
            ("metadata[vip]", "true"),
        ],
        errors=(422,),
    ),
    Case(
        "customers_create",
        "customers.create",
        {"body": CREATE_BODY},
        "POST",
        "/v1/customers/",
        201,
        customer(0),
        body=CREATE_BODY,
        errors=(422,),
    ),
    Case(
        "customers_export",
        "customers.export",
        {"organization_id": ORG_ID},
        "GET",
        "/v1/customers/export",
        200,
        EXPORT_CSV,
        query=[("organization_id", ORG_ID)],
        errors=(422,),
        accept="text/csv, application/json",
    ),
    Case(
        "customers_get", "customers.get", {"id": CUSTOMER_ID}, "GET", f"/v1/customers/{CUSTOMER_ID}", 200, customer(0)
    ),
    Case(
        "customers_update",
        "customers.update",
        {"id": CUSTOMER_ID, "body": UPDATE_BODY},
        "PATCH",
        f"/v1/customers/{CUSTOMER_ID}",
        200,
        customer(0, kind="team"),
        body=UPDATE_BODY,
    ),
    Case(
        "customers_delete",
        "customers.delete",
        {"id": CUSTOMER_ID, "anonymize": True},
        "DELETE",
        f"/v1/customers/{CUSTOMER_ID}",
        204,
        None,
        query=[("anonymize", "true")],
    ),
    Case(
        "customers_get_external",
        "customers.get_external",
        {"external_id": "usr_1337"},
        "GET",
        "/v1/customers/external/usr_1337",
        200,
        customer(0),
    ),
    Case(
        "customers_update_external",
        "customers.update_external",
        {"external_id": "usr/1337?#", "body": UPDATE_EXTERNAL_BODY},
        "PATCH",
        "/v1/customers/external/usr%2F1337%3F%23",
        200,
        customer(0),
        body=UPDATE_EXTERNAL_BODY,
    ),
    Case(
        "customers_delete_external",
        "customers.delete_external",
        {"external_id": "usr_1337", "anonymize": False},
        "DELETE",
        "/v1/customers/external/usr_1337",
        204,
        None,
        query=[("anonymize", "false")],
    ),
    Case(
        "customers_get_state",
        "customers.get_state",
        {"id": CUSTOMER_ID},
        "GET",
        f"/v1/customers/{CUSTOMER_ID}/state",
        200,
        customer_state(),
    ),
    Case(
        "customers_get_state_external",
        "customers.get_state_external",
        {"external_id": "usr_1337"},
        "GET",
        "/v1/customers/external/usr_1337/state",
        200,
        customer_state("team"),
    ),
]
IDS = [c.operation for c in CASES]


def assert_wire(request: httpx.Request, case: Case) -> None:
    assert request.method == case.method
    assert request.url.scheme == "https" and request.url.host == "api.polar.sh"
    assert request.url.raw_path.split(b"?")[0].decode() == case.path
    assert Counter(request.url.params.multi_items()) == Counter(case.query)
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.headers["accept"] == case.accept  # every media type the operation declares
    if case.body is None:
        assert request.content == b""
        assert "content-type" not in request.headers
    else:
        assert request.headers["content-type"] == "application/json"
        assert json.loads(request.content) == case.body


def test_the_eleven_operations_are_built_from_the_spec(spec: dynclient.ApiSpec) -> None:
    assert set(IDS) <= set(spec.names)
    for case in CASES:
        op = spec[case.operation]
        assert op.http_method == case.method
        assert re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", op.path), case.path)
        assert ".".join((*op.group, op.method_name)) == case.group


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_operation_call_and_group_form(make_api: Any, spec: dynclient.ApiSpec, case: Case) -> None:
    api: Api = make_api(case.respond, spec)
    via_call = api.call(case.operation, **case.arguments)
    via_group = api.group(case.group)(**case.arguments)
    assert via_call == case.expected
    assert via_group == case.expected
    assert len(api.sent) == 2
    for request in api.sent:
        assert_wire(request, case)
    assert api.sent[0].url == api.sent[1].url
    assert api.sent[0].content == api.sent[1].content


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_operation_error_statuses_raise_the_spec_classes(make_api: Any, spec: dynclient.ApiSpec, case: Case) -> None:
    for status in case.errors:
        payload = NOT_FOUND if status == 404 else UNPROCESSABLE
        api: Api = make_api(lambda _r, s=status, p=payload: json_response(s, p), spec)
        cls = api.errors.ResourceNotFound if status == 404 else api.errors.HTTPValidationError
        with pytest.raises(cls) as info:
            api.call(case.operation, **case.arguments)
        err = info.value
        assert isinstance(err, dynclient.APIError)
        assert err.status_code == status
        assert err.operation == case.operation
        assert err.body == payload
        assert json.loads(err.text) == payload
        assert err.request is not None and err.request.method == case.method
        assert err.headers["content-type"] == "application/json"
        assert TOKEN not in str(err) and TOKEN not in repr(err) and TOKEN not in str(err.headers)
        if status == 404:
            assert "Customer not found." in str(err)
        else:
            assert "body.email: value is not a valid email address" in str(err)


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, dynclient.BadRequestError),
        (401, dynclient.AuthenticationError),
        (403, dynclient.PermissionDeniedError),
        (409, dynclient.ConflictError),
        (418, dynclient.APIError),
        (500, dynclient.ServerError),
        (503, dynclient.ServerError),
    ],
)
def test_undeclared_error_statuses_raise_their_status_class(make_api: Any, status: int, cls: type) -> None:
    # issue 11: undeclared error statuses raise the status class (APIError for statuses without one)
    api: Api = make_api(lambda _r: json_response(status, {"detail": "nope"}))
    with pytest.raises(dynclient.APIError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert type(info.value) is cls
    assert info.value.status_code == status
    assert info.value.body == {"detail": "nope"}


def test_error_body_that_is_not_json_keeps_the_text(make_api: Any) -> None:
    api: Api = make_api(lambda _r: httpx.Response(404, text="<html>gateway</html>"))
    with pytest.raises(dynclient.APIError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.body is None
    assert info.value.text == "<html>gateway</html>"


def test_malformed_success_body_is_an_error_that_keeps_the_text(make_api: Any) -> None:
    api: Api = make_api(lambda _r: httpx.Response(200, text="{not json", headers={"content-type": "application/json"}))
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert info.value.text == "{not json"
    assert info.value.body is None
    assert "not valid JSON" in str(info.value)


def test_invalid_response_raises_in_strict_mode_with_location(make_api: Any) -> None:
    bad = customer(0)
    bad["email_verified"] = "yes"
    del bad["organization_id"]
    api: Api = make_api(lambda _r: json_response(200, bad))
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert set(e.location for e in info.value.errors) == {"body.email_verified", "body.organization_id"}
    assert info.value.body == bad


def test_invalid_response_warns_in_warn_mode_and_passes_in_off_mode(make_api: Any) -> None:
    bad = customer(0)
    bad["type"] = "robot"
    warn: Api = make_api(lambda _r: json_response(200, bad), validate_responses="warn")
    with pytest.warns(dynclient.ResponseValidationWarning, match="body.type"):
        assert warn.call("customers_get", id=CUSTOMER_ID) == bad
    off: Api = make_api(lambda _r: json_response(200, bad), validate_responses="off")
    assert off.call("customers_get", id=CUSTOMER_ID) == bad


def test_discriminator_names_the_real_problem(make_api: Any) -> None:
    bad = customer(0, kind="team")
    bad["tax_id"] = ["123", "not_a_format"]
    api: Api = make_api(lambda _r: json_response(200, bad))
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert [e.location for e in info.value.errors] == ["body.tax_id[1]"]


def test_no_token_means_no_authorization_header(make_api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POLAR_ACCESS_TOKEN", raising=False)
    api: Api = make_api(lambda _r: json_response(200, customer(0)), access_token=None)
    api.call("customers_get", id=CUSTOMER_ID)
    assert "authorization" not in api.sent[0].headers


def test_token_from_environment(make_api: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLAR_ACCESS_TOKEN", "env-token-xyz")
    api: Api = make_api(lambda _r: json_response(200, customer(0)), access_token=None)
    api.call("customers_get", id=CUSTOMER_ID)
    assert api.sent[0].headers["authorization"] == "Bearer env-token-xyz"


@pytest.mark.parametrize(
    ("server", "host"),
    [
        (None, "api.polar.sh"),
        ("production", "api.polar.sh"),
        ("sandbox", "sandbox-api.polar.sh"),
        (1, "sandbox-api.polar.sh"),
    ],
)
def test_server_selection_is_deterministic(make_api: Any, server: Any, host: str) -> None:
    api: Api = make_api(lambda _r: json_response(200, customer(0)), server=server)
    api.call("customers_get", id=CUSTOMER_ID)
    assert api.sent[0].url.host == host


def test_base_url_overrides_the_server(make_api: Any) -> None:
    api: Api = make_api(
        lambda _r: json_response(200, customer(0)), server="sandbox", base_url="http://127.0.0.1:9/api/"
    )
    api.call("customers_get", id=CUSTOMER_ID)
    assert str(api.sent[0].url) == f"http://127.0.0.1:9/api/v1/customers/{CUSTOMER_ID}"


def test_unknown_server_is_an_error() -> None:
    with pytest.raises(ValueError, match="sandbox"):
        dynclient.Client(server="staging")


def test_schema_defaults_are_not_sent(make_api: Any) -> None:
    api: Api = make_api(lambda _r: json_response(200, customer_page(0)))
    api.call("customers_list")
    assert api.sent[0].url.query == b""
    api.call("customers_list", limit=None, page=None, sorting=None)
    assert api.sent[1].url.query == b""


@pytest.mark.parametrize(
    ("value", "encoded"),
    [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("?", "%3F"),
        ("#", "%23"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("a b", "a%20b"),
        ("ü", "%C3%BC"),
        ("%2F", "%252F"),
    ],
)
def test_path_values_cannot_change_the_path(make_api: Any, value: str, encoded: str) -> None:
    api: Api = make_api(lambda _r: json_response(200, customer_state()))
    api.call("customers_get_state_external", external_id=value)
    assert api.sent[0].url.raw_path.decode() == f"/v1/customers/external/{encoded}/state"


def test_single_sorting_value_and_single_organization(make_api: Any) -> None:
    api: Api = make_api(lambda _r: json_response(200, customer_page(0)))
    api.call("customers_list", sorting=["name"], organization_id=ORG_ID)
    assert api.sent[0].url.params.multi_items() == [("sorting", "name"), ("organization_id", ORG_ID)]


def test_client_repr_and_operations_listing() -> None:
    with dynclient.Client(access_token=TOKEN) as client:
        assert TOKEN not in repr(client)
        assert client.spec_version == "2026-10"
        assert len(client.fingerprint) == 64
        names = list(client.operations)  # a Mapping: iterating yields the names
        assert names == [op.name for op in client.operations.values()] == [op.name for op in client.spec]
        assert names[:3] == ["customers_list", "customers_create", "customers_export"]
        op = client.operations["customers_get"]
        assert op.parameters[0].location == "path" and op.parameters[0].required
        assert op.scopes == ("customers:read", "customers:write")
        assert {r.status for r in op.responses} == {"200", "404", "422"}


def test_help_shows_summary_and_signature() -> None:
    import inspect
    import pydoc

    client = dynclient.Client()
    text = pydoc.plain(pydoc.render_doc(client.customers.get))
    assert "Get Customer" in text and "Get a customer by ID." in text
    sig = inspect.signature(client.customers.list)
    assert list(sig.parameters)[:3] == ["organization_id", "email", "query"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in sig.parameters.values())
    assert inspect.signature(client.customers.get).parameters["id"].default is inspect.Parameter.empty
    assert "body" in inspect.signature(client.customers.create).parameters


def test_unknown_operation_suggests_the_nearest(make_api: Any) -> None:
    api: Api = make_api(lambda _r: json_response(200, {}))
    with pytest.raises(dynclient.DynclientError, match="customers_get_state"):
        api.call("customers_get_stat", id=CUSTOMER_ID)
    assert api.sent == []


def test_with_options_shares_the_pool_and_keeps_the_original(make_api: Any) -> None:
    api: Api = make_api(lambda _r: json_response(200, customer(0)))
    derived = api.client.with_options(headers={"X-Trace": "1"})
    assert internals(derived)._http is internals(api.client)._http
    api.run(derived.customers.get(id=CUSTOMER_ID))
    api.run(api.client.customers.get(id=CUSTOMER_ID))
    assert api.sent[0].headers["x-trace"] == "1"
    assert "x-trace" not in api.sent[1].headers


def test_api_version_is_pinned_by_default(make_api: Any) -> None:
    # issue 11: the spec's dated info.version is sent by default; api_version=False opts out
    plain: Api = make_api(lambda _r: json_response(200, customer(0)))
    plain.call("customers_get", id=CUSTOMER_ID)
    assert plain.sent[0].headers["polar-version"] == "2026-10"
    unpinned: Api = make_api(lambda _r: json_response(200, customer(0)), api_version=False)
    unpinned.call("customers_get", id=CUSTOMER_ID)
    assert "polar-version" not in unpinned.sent[0].headers
    pinned: Api = make_api(lambda _r: json_response(200, customer(0)), api_version=True)
    pinned.call("customers_get", id=CUSTOMER_ID)
    assert pinned.sent[0].headers["polar-version"] == "2026-10"


def test_client_tag_filter_and_operation_allow_list() -> None:
    only = dynclient.Client(operations=["customers_get", "customers:list"])
    assert only.spec.names == tuple(only.operations) == ("customers_list", "customers_get")
    assert callable(only.customers.get) and not hasattr(only.customers, "create")
    tagged = dynclient.Client(tags=["members"])
    assert tagged.operations and all("members" in op.tags for op in tagged.operations.values())
    with pytest.raises(dynclient.SpecError, match="customers_nope"):
        dynclient.Client(operations=["customers_nope"])


def _two_status_spec() -> dict[str, Any]:
    boom = {"title": "Boom", "type": "object", "properties": {"boom": {"type": "string"}}, "required": ["boom"]}
    error = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Boom"}}}, "description": "x"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "paths": {
            "/x": {
                "get": {
                    "operationId": "things:get",
                    "responses": {"200": {"description": "ok"}, "400": error, "409": error},
                }
            }
        },
        "components": {"schemas": {"Boom": boom}},
    }


@pytest.mark.parametrize("status", [400, 409])
def test_a_spec_class_declared_under_two_statuses_is_both_status_classes(make_api: Any, status: int) -> None:
    api: Api = make_api(lambda _r: json_response(status, {"boom": "yes"}), dynclient.load_spec(_two_status_spec()))
    boom = api.errors.Boom
    assert issubclass(boom, dynclient.BadRequestError) and issubclass(boom, dynclient.ConflictError)
    with pytest.raises(boom) as info:
        api.call("things_get")
    assert info.value.status_code == status and info.value.body == {"boom": "yes"}
    # a body that is not the declared one: the status class alone
    other: Api = make_api(lambda _r: json_response(status, {"detail": "no"}), dynclient.load_spec(_two_status_spec()))
    with pytest.raises(dynclient.APIError) as plain:
        other.call("things_get")
    assert type(plain.value) is (dynclient.BadRequestError if status == 400 else dynclient.ConflictError)
