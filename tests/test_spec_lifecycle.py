"""The spec lifecycle promise: edit the spec, and everything follows with no code change.

Each case takes the bundled spec, applies one realistic edit in code, and checks that
(a) a client built from the edited spec exposes the new or changed behaviour,
(b) ``diff_specs`` reports the change with the right classification and JSON pointer,
(c) the stub renderer's output includes it.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from payloads import CUSTOMER_ID, customer

from dynclient import (
    Client,
    RequestValidationError,
    ResponseValidationError,
    RetryPolicy,
    bundled_spec_path,
    load_spec,
)
from dynclient._diff import diff_specs
from dynclient._stubs import render_stubs

BUNDLED: dict[str, Any] = json.loads(bundled_spec_path().read_text(encoding="utf-8"))
LIST, GET = "/v1/customers/", "/v1/customers/{id}"


def client_for(spec: Any, handler: Callable[[httpx.Request], httpx.Response]) -> Any:
    """A client of a changed spec: untyped (the stubs type the bundled spec's operations)."""
    http = httpx.Client(transport=httpx.MockTransport(handler))
    return Client(spec, http_client=http, access_token="lifecycle-test-token", retry=RetryPolicy(attempts=1))


def reply(payload: Any, status: int = 200) -> Callable[[httpx.Request], httpx.Response]:
    return lambda _request: httpx.Response(status, json=payload)


def stub_text(spec: Any) -> str:
    return "\n".join(render_stubs(spec).values())


# -- the edits ----------------------------------------------------------------------------------
def add_operation(doc: dict[str, Any]) -> None:
    op = copy.deepcopy(doc["paths"][GET]["get"])
    op["operationId"] = "customers:get_notes"
    op["summary"] = "Get Customer Notes"
    op["responses"]["200"]["content"]["application/json"]["schema"] = {"type": "array", "items": {"type": "string"}}
    doc["paths"]["/v1/customers/{id}/notes"] = {"get": op}


def add_query_parameter(doc: dict[str, Any]) -> None:
    doc["paths"][LIST]["get"]["parameters"].append(
        {
            "name": "country",
            "in": "query",
            "required": False,
            "schema": {"anyOf": [{"type": "string", "pattern": "^[A-Z]{2}$"}, {"type": "null"}]},
        }
    )


def require_response_property(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["CustomerIndividual"]["required"].append("locale")


def remove_enum_value(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["CustomerSortProperty"]["enum"].remove("-name")


def rename_path_parameter(doc: dict[str, Any]) -> None:
    item = doc["paths"].pop(GET)
    for op in item.values():
        for p in op.get("parameters", []):
            if p["name"] == "id":
                p["name"] = "customer_id"
    doc["paths"]["/v1/customers/{customer_id}"] = item


def add_error_response(doc: dict[str, Any]) -> None:
    doc["components"]["schemas"]["RateLimited"] = {
        "type": "object",
        "title": "RateLimited",
        "properties": {"error": {"type": "string", "const": "RateLimited"}, "detail": {"type": "string"}},
        "required": ["error", "detail"],
    }
    doc["paths"][GET]["get"]["responses"]["429"] = {
        "description": "Too many requests.",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RateLimited"}}},
    }


# -- (a): what the client does differently ----------------------------------------------------
def exposes_new_operation(old: Any, new: Any) -> None:
    assert not hasattr(client_for(old, reply([])).customers, "get_notes")
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=["first note"])

    client = client_for(new, handler)
    assert client.customers.get_notes(id=CUSTOMER_ID) == ["first note"]
    assert seen[0].url.path == f"/v1/customers/{CUSTOMER_ID}/notes"
    assert "Get Customer Notes" in (client.customers.get_notes.__doc__ or "")


def accepts_new_parameter(old: Any, new: Any) -> None:
    with pytest.raises(RequestValidationError):
        client_for(old, reply({})).build_request("customers_list", country="US")
    request = client_for(new, reply({})).build_request("customers_list", country="US")
    assert request.url.params["country"] == "US"
    with pytest.raises(RequestValidationError) as info:
        client_for(new, reply({})).build_request("customers_list", country="usa")
    assert info.value.locations == ("query.country",)


def requires_response_property(old: Any, new: Any) -> None:
    body = customer(0)
    del body["locale"]
    assert client_for(old, reply(body)).customers.get(id=CUSTOMER_ID)["email"] == body["email"]
    with pytest.raises(ResponseValidationError) as info:
        client_for(new, reply(body)).customers.get(id=CUSTOMER_ID)
    assert any("locale" in str(e) for e in info.value.errors)


def rejects_removed_enum_value(old: Any, new: Any) -> None:
    request = client_for(old, reply({})).build_request("customers_list", sorting=["-name"])
    assert request.url.params.get_list("sorting") == ["-name"]
    with pytest.raises(RequestValidationError) as info:
        client_for(new, reply({})).build_request("customers_list", sorting=["-name"])
    assert info.value.locations[0].startswith("query.sorting")
    client_for(new, reply({})).build_request("customers_list", sorting=["name"])


def uses_renamed_parameter(old: Any, new: Any) -> None:
    client = client_for(new, reply(customer(0)))
    request = client.build_request("customers_get", customer_id=CUSTOMER_ID)
    assert request.url.path == f"/v1/customers/{CUSTOMER_ID}"
    with pytest.raises(RequestValidationError):
        client.build_request("customers_get", id=CUSTOMER_ID)
    assert client.customers.get(customer_id=CUSTOMER_ID)["id"] == CUSTOMER_ID
    assert "customer_id" in str(client.customers.get.__signature__)


def raises_new_error_class(old: Any, new: Any) -> None:
    assert not hasattr(client_for(old, reply({})).errors, "RateLimited")
    client = client_for(new, reply({"error": "RateLimited", "detail": "slow down"}, status=429))
    with pytest.raises(client.errors.RateLimited) as info:
        client.customers.get(id=CUSTOMER_ID)
    assert info.value.status_code == 429 and info.value.body["detail"] == "slow down"


# -- (c): what the stubs show ---------------------------------------------------------------------
def _class_block(text: str, name: str) -> str:
    match = re.search(rf"^class {name}\b.*?(?=^\S)", text, re.S | re.M)
    assert match, f"no class {name} in the stubs"
    return match.group(0)


def stub_new_operation(old: str, new: str) -> None:
    assert "def get_notes(" not in old and "def get_notes(self, *, id: builtins.str)" in new


def stub_new_parameter(old: str, new: str) -> None:
    pattern = r"def list\(self, \*,[^)]*country: builtins\.str \| None = \.\.\."
    assert not re.search(pattern, old) and re.search(pattern, new)


def stub_required_property(old: str, new: str) -> None:
    assert "locale: typing.NotRequired[" in _class_block(old, "CustomerIndividual")
    block = _class_block(new, "CustomerIndividual")
    assert re.search(r"^\s+locale: builtins\.str \| None$", block, re.M), block


def stub_enum_value(old: str, new: str) -> None:
    assert '"-name"' in old and '"-name"' not in new and '"name"' in new


def stub_renamed_parameter(old: str, new: str) -> None:
    assert "def get(self, *, id: builtins.str)" in old
    assert "def get(self, *, customer_id: builtins.str)" in new


def stub_error_class(old: str, new: str) -> None:
    assert "RateLimited" not in old and "class RateLimited(" in new


@dataclass(frozen=True)
class Edit:
    id: str
    apply: Callable[[dict[str, Any]], None]
    changes: frozenset[tuple[str, bool, str]]  # (kind, breaking, pointer) diff_specs must report
    client: Callable[[Any, Any], None]
    stubs: Callable[[str, str], None]


P = "/paths/~1v1~1customers~1"
EDITS = [
    Edit(
        "add-operation",
        add_operation,
        frozenset({("operation-added", False, f"{P}{{id}}~1notes/get")}),
        exposes_new_operation,
        stub_new_operation,
    ),
    Edit(
        "add-optional-query-parameter",
        add_query_parameter,
        frozenset({("parameter-added", False, f"{P}/get/parameters/8")}),
        accepts_new_parameter,
        stub_new_parameter,
    ),
    Edit(
        "make-response-property-required",
        require_response_property,
        frozenset({("property-became-required", False, "/components/schemas/CustomerIndividual/properties/locale")}),
        requires_response_property,
        stub_required_property,
    ),
    Edit(
        "remove-enum-value",
        remove_enum_value,
        frozenset({("parameter-enum-values-removed", True, "/components/schemas/CustomerSortProperty")}),
        rejects_removed_enum_value,
        stub_enum_value,
    ),
    Edit(
        "rename-path-parameter",
        rename_path_parameter,
        frozenset(
            {
                (kind, True, f"{P}{where}/{method}{tail}")
                for method in ("get", "patch", "delete")
                for kind, where, tail in (
                    ("operation-moved", "{customer_id}", ""),
                    ("parameter-removed", "{id}", "/parameters/0"),
                    ("parameter-added", "{customer_id}", "/parameters/0"),
                )
            }
        ),
        uses_renamed_parameter,
        stub_renamed_parameter,
    ),
    Edit(
        "add-error-response",
        add_error_response,
        frozenset({("response-added", False, f"{P}{{id}}/get/responses/429")}),
        raises_new_error_class,
        stub_error_class,
    ),
]


@pytest.fixture(scope="module")
def old_spec() -> Any:
    return load_spec(BUNDLED)


@pytest.fixture(scope="module")
def old_stubs(old_spec: Any) -> str:
    return stub_text(old_spec)


@pytest.mark.parametrize("edit", EDITS, ids=[e.id for e in EDITS])
def test_an_edit_flows_into_client_diff_and_stubs(edit: Edit, old_spec: Any, old_stubs: str) -> None:
    doc = copy.deepcopy(BUNDLED)
    edit.apply(doc)
    new_spec = load_spec(doc)
    assert new_spec.fingerprint != old_spec.fingerprint
    # (a) the client follows the spec, no code change
    edit.client(old_spec, new_spec)
    # (b) the diff reports exactly this change, classified, with its pointer
    diff = diff_specs(old_spec, new_spec)
    assert {(c.kind, c.breaking, c.pointer) for c in diff.changes} == edit.changes, diff.to_text()
    for change in diff.changes:
        assert change.operations, change
    # (c) the stubs re-render to include it
    edit.stubs(old_stubs, stub_text(new_spec))


def test_all_edits_at_once_are_all_reported(old_spec: Any) -> None:
    doc = copy.deepcopy(BUNDLED)
    for edit in sorted(EDITS, key=lambda e: e.id == "rename-path-parameter"):  # the rename last
        edit.apply(doc)
    diff = diff_specs(old_spec, load_spec(doc))
    want = {c for edit in EDITS for c in edit.changes}
    # the rename moved the path the new error response was added to: it is reported at the new path
    want = {c for c in want if c[0] != "response-added"} | {
        ("response-added", False, f"{P}{{customer_id}}/get/responses/429")
    }
    assert {(c.kind, c.breaking, c.pointer) for c in diff.changes} == want
    assert diff.breaking and diff.non_breaking
    assert diff.changes[: len(diff.breaking)] == diff.breaking  # breaking first


def test_an_unchanged_spec_has_no_diff(old_spec: Any) -> None:
    assert diff_specs(old_spec, load_spec()).changes == ()
