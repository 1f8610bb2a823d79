"""`diff_specs`: every kind of change, classified for a client, with its JSON pointer; and the
real differences between Polar's July and October specs."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from conftest import POLAR_CURRENT, POLAR_OLD

from dynclient import load_spec
from dynclient._diff import diff_specs


def base() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "post": {
                    "operationId": "things:create",
                    "security": [{"tok": ["things:write"]}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ThingCreate"}}},
                    },
                    "responses": {
                        "201": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        },
                        "422": {
                            "description": "bad",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                        },
                    },
                }
            },
            "/things/{id}": {
                "get": {
                    "operationId": "things:get",
                    "security": [{"tok": ["things:read"]}],
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "expand", "in": "query", "schema": {"type": "boolean"}},
                        {"name": "view", "in": "query", "schema": {"type": "string", "enum": ["short", "full"]}},
                    ],
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}},
                        },
                        "404": {
                            "description": "gone",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
                        },
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "tok": {"type": "http", "scheme": "bearer"},
                "key": {"type": "http", "scheme": "bearer"},
            },
            "schemas": {
                "ThingCreate": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "size": {"type": "integer"},
                        "color": {"type": "string", "enum": ["red", "blue"]},
                        "note": {"type": "string"},
                        "shape": {
                            "oneOf": [{"$ref": "#/components/schemas/Round"}, {"$ref": "#/components/schemas/Square"}]
                        },
                    },
                    "required": ["name"],
                },
                "Thing": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "name": {"type": "string"},
                        "note": {"anyOf": [{"type": "string"}, {"type": "null"}]},
                        "color": {"type": "string", "enum": ["red", "blue"]},
                        "size": {"type": "integer"},
                        "children": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}},
                        "shape": {
                            "oneOf": [{"$ref": "#/components/schemas/Round"}, {"$ref": "#/components/schemas/Square"}]
                        },
                    },
                    "required": ["id", "name"],
                },
                "Round": {"type": "object", "properties": {"r": {"type": "number"}}, "required": ["r"]},
                "Square": {"type": "object", "properties": {"side": {"type": "number"}}, "required": ["side"]},
                "Triangle": {"type": "object", "properties": {"a": {"type": "number"}}},
                "Problem": {"type": "object", "properties": {"detail": {"type": "string"}}},
            },
        },
    }


S = "/components/schemas/"
CREATE = "/paths/~1things/post"
GET = "/paths/~1things~1{id}/get"


def schema(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return doc["components"]["schemas"][name]  # type: ignore[no-any-return]


def get_op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things/{id}"]["get"]  # type: ignore[no-any-return]


def create_op(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["paths"]["/things"]["post"]  # type: ignore[no-any-return]


def _set(path: list[Any], value: Any) -> Callable[[dict[str, Any]], None]:
    def fn(doc: dict[str, Any]) -> None:
        node = doc
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return fn


def _do(*fns: Callable[[dict[str, Any]], Any]) -> Callable[[dict[str, Any]], None]:
    def fn(doc: dict[str, Any]) -> None:
        for f in fns:
            f(doc)

    return fn


def _required(name: str, *props: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: schema(d, name).update(required=list(props))


def _prop(name: str, prop: str, value: Any) -> Callable[[dict[str, Any]], None]:
    return lambda d: schema(d, name)["properties"].__setitem__(prop, value)


def _drop_prop(name: str, prop: str) -> Callable[[dict[str, Any]], None]:
    return lambda d: schema(d, name)["properties"].pop(prop)


_TRI = {"$ref": "#/components/schemas/Triangle"}
_SHAPES = [{"$ref": "#/components/schemas/Round"}, {"$ref": "#/components/schemas/Square"}]

# (id, edit, kind, breaking, pointer)
RULES: list[tuple[str, Callable[[dict[str, Any]], None], str, bool, str]] = [
    # request bodies: a client must keep being able to send what it sent
    (
        "req-prop-added-optional",
        _prop("ThingCreate", "tag", {"type": "string"}),
        "property-added",
        False,
        f"{S}ThingCreate/properties/tag",
    ),
    (
        "req-prop-added-required",
        _do(_prop("ThingCreate", "tag", {"type": "string"}), _required("ThingCreate", "name", "tag")),
        "property-added",
        True,
        f"{S}ThingCreate/properties/tag",
    ),
    (
        "req-prop-removed",
        _drop_prop("ThingCreate", "note"),
        "property-removed",
        True,
        f"{S}ThingCreate/properties/note",
    ),
    (
        "req-became-required",
        _required("ThingCreate", "name", "size"),
        "property-became-required",
        True,
        f"{S}ThingCreate/properties/size",
    ),
    (
        "req-became-optional",
        _required("ThingCreate"),
        "property-became-optional",
        False,
        f"{S}ThingCreate/properties/name",
    ),
    (
        "req-became-nullable",
        _prop("ThingCreate", "note", {"type": ["string", "null"]}),
        "became-nullable",
        False,
        f"{S}ThingCreate/properties/note",
    ),
    (
        "req-type-widened",
        _prop("ThingCreate", "size", {"type": "number"}),
        "type-changed",
        False,
        f"{S}ThingCreate/properties/size",
    ),
    (
        "req-type-changed",
        _prop("ThingCreate", "size", {"type": "string"}),
        "type-changed",
        True,
        f"{S}ThingCreate/properties/size",
    ),
    (
        "req-enum-added",
        _prop("ThingCreate", "color", {"type": "string", "enum": ["red", "blue", "green"]}),
        "enum-values-added",
        False,
        f"{S}ThingCreate/properties/color",
    ),
    (
        "req-enum-removed",
        _prop("ThingCreate", "color", {"type": "string", "enum": ["red"]}),
        "enum-values-removed",
        True,
        f"{S}ThingCreate/properties/color",
    ),
    (
        "req-variant-added",
        _prop("ThingCreate", "shape", {"oneOf": [*_SHAPES, _TRI]}),
        "variant-added",
        False,
        f"{S}ThingCreate/properties/shape/oneOf/2",
    ),
    (
        "req-variant-removed",
        _prop("ThingCreate", "shape", {"oneOf": _SHAPES[:1]}),
        "variant-removed",
        True,
        f"{S}ThingCreate/properties/shape/oneOf/1",
    ),
    # responses: code reading what came back must keep working
    (
        "resp-prop-added",
        _do(_prop("Thing", "tag", {"type": "string"}), _required("Thing", "id", "name", "tag")),
        "property-added",
        False,
        f"{S}Thing/properties/tag",
    ),
    ("resp-prop-removed", _drop_prop("Thing", "size"), "property-removed", True, f"{S}Thing/properties/size"),
    ("resp-became-optional", _required("Thing", "id"), "property-became-optional", True, f"{S}Thing/properties/name"),
    (
        "resp-became-required",
        _required("Thing", "id", "name", "size"),
        "property-became-required",
        False,
        f"{S}Thing/properties/size",
    ),
    (
        "resp-became-nullable",
        _prop("Thing", "name", {"anyOf": [{"type": "string"}, {"type": "null"}]}),
        "became-nullable",
        True,
        f"{S}Thing/properties/name",
    ),
    (
        "resp-became-non-nullable",
        _prop("Thing", "note", {"type": "string"}),
        "became-non-nullable",
        False,
        f"{S}Thing/properties/note",
    ),
    (
        "resp-type-widened",
        _prop("Thing", "size", {"type": "number"}),
        "type-changed",
        True,
        f"{S}Thing/properties/size",
    ),
    (
        "resp-enum-added",
        _prop("Thing", "color", {"type": "string", "enum": ["red", "blue", "green"]}),
        "enum-values-added",
        True,
        f"{S}Thing/properties/color",
    ),
    (
        "resp-enum-removed",
        _prop("Thing", "color", {"type": "string", "enum": ["red"]}),
        "enum-values-removed",
        False,
        f"{S}Thing/properties/color",
    ),
    (
        "resp-variant-added",
        _prop("Thing", "shape", {"oneOf": [*_SHAPES, _TRI]}),
        "variant-added",
        True,
        f"{S}Thing/properties/shape/oneOf/2",
    ),
    (
        "error-variant-added",
        lambda d: get_op(d)["responses"]["404"]["content"]["application/json"].update(
            schema={"oneOf": [{"$ref": "#/components/schemas/Problem"}, _TRI]}
        ),
        "variant-added",
        False,
        f"{GET}/responses/404/content/application~1json/schema/oneOf/1",
    ),
    ("resp-deep-in-recursion", _prop("Round", "r", {"type": "string"}), "type-changed", True, f"{S}Round/properties/r"),
    # parameters
    (
        "param-added-optional",
        lambda d: get_op(d)["parameters"].append({"name": "lang", "in": "query", "schema": {"type": "string"}}),
        "parameter-added",
        False,
        f"{GET}/parameters/3",
    ),
    (
        "param-added-required",
        lambda d: get_op(d)["parameters"].append(
            {"name": "lang", "in": "query", "required": True, "schema": {"type": "string"}}
        ),
        "parameter-added",
        True,
        f"{GET}/parameters/3",
    ),
    ("param-removed", lambda d: get_op(d)["parameters"].pop(1), "parameter-removed", True, f"{GET}/parameters/1"),
    (
        "param-became-required",
        _set(["paths", "/things/{id}", "get", "parameters", 1, "required"], True),
        "parameter-became-required",
        True,
        f"{GET}/parameters/1",
    ),
    (
        "param-type-changed",
        _set(["paths", "/things/{id}", "get", "parameters", 1, "schema"], {"type": "integer"}),
        "parameter-type-changed",
        True,
        f"{GET}/parameters/1/schema",
    ),
    (
        "param-enum-added",
        _set(["paths", "/things/{id}", "get", "parameters", 2, "schema", "enum"], ["short", "full", "x"]),
        "parameter-enum-values-added",
        False,
        f"{GET}/parameters/2/schema",
    ),
    (
        "param-enum-removed",
        _set(["paths", "/things/{id}", "get", "parameters", 2, "schema", "enum"], ["full"]),
        "parameter-enum-values-removed",
        True,
        f"{GET}/parameters/2/schema",
    ),
    (
        "param-style-changed",
        _set(["paths", "/things/{id}", "get", "parameters", 1, "style"], "deepObject"),
        "parameter-style-changed",
        True,
        f"{GET}/parameters/1",
    ),
    # bodies and responses as a whole
    ("body-removed", lambda d: create_op(d).pop("requestBody"), "request-body-removed", True, f"{CREATE}/requestBody"),
    (
        "response-added",
        _set(["paths", "/things/{id}", "get", "responses", "409"], {"description": "conflict"}),
        "response-added",
        False,
        f"{GET}/responses/409",
    ),
    (
        "error-response-removed",
        lambda d: get_op(d)["responses"].pop("404"),
        "response-removed",
        False,
        f"{GET}/responses/404",
    ),
    (
        "success-response-removed",
        lambda d: create_op(d)["responses"].pop("201"),
        "response-removed",
        True,
        f"{CREATE}/responses/201",
    ),
    (
        "response-media-changed",
        lambda d: get_op(d)["responses"]["200"].update(content={"text/csv": {"schema": {"type": "string"}}}),
        "response-media-type-changed",
        True,
        f"{GET}/responses/200",
    ),
    # security
    (
        "scope-added",
        _set(["paths", "/things/{id}", "get", "security"], [{"tok": ["things:read", "things:admin"]}]),
        "security-scope-added",
        True,
        f"{GET}/security",
    ),
    (
        "scope-removed",
        _set(["paths", "/things/{id}", "get", "security"], [{"tok": []}]),
        "security-scope-removed",
        False,
        f"{GET}/security",
    ),
    ("security-removed", lambda d: get_op(d).pop("security"), "security-removed", False, f"{GET}/security"),
    (
        "scheme-replaced-removed",
        _set(["paths", "/things/{id}", "get", "security"], [{"key": ["things:read"]}]),
        "security-scheme-removed",
        True,
        f"{GET}/security",
    ),
    # operations
    ("operation-removed", lambda d: d["paths"].pop("/things"), "operation-removed", True, CREATE),
    (
        "operation-added",
        _set(["paths", "/other"], {"get": {"operationId": "other", "responses": {"204": {"description": "x"}}}}),
        "operation-added",
        False,
        "/paths/~1other/get",
    ),
    (
        "operation-moved",
        lambda d: d["paths"].__setitem__("/v2/things", d["paths"].pop("/things")),
        "operation-moved",
        True,
        "/paths/~1v2~1things/post",
    ),
    ("operation-deprecated", lambda d: create_op(d).update(deprecated=True), "operation-deprecated", False, CREATE),
]


@pytest.fixture(scope="module")
def old() -> Any:
    return load_spec(base())


@pytest.mark.parametrize(("edit", "kind", "breaking", "pointer"), [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_change_is_classified_with_its_pointer(
    old: Any, edit: Callable[[dict[str, Any]], None], kind: str, breaking: bool, pointer: str
) -> None:
    doc = base()
    edit(doc)
    diff = diff_specs(old, load_spec(doc))
    found = {(c.kind, c.pointer): c for c in diff.changes}
    assert (kind, pointer) in found, diff.to_text()
    assert found[(kind, pointer)].breaking is breaking, diff.to_text()
    assert bool(diff.breaking) == any(c.breaking for c in diff.changes)


def test_a_shared_schema_is_reported_once_with_every_operation(old: Any) -> None:
    doc = base()
    _prop("Thing", "tag", {"type": "string"})(doc)
    diff = diff_specs(old, load_spec(doc))
    (change,) = diff.changes
    assert change.operations == ("things_create", "things_get")
    assert change.message == "Thing: response property 'tag' added (optional)"


def test_the_two_directions_of_one_schema_are_judged_separately(old: Any) -> None:
    doc = base()
    doc["paths"]["/things"]["post"]["requestBody"]["content"]["application/json"]["schema"] = {
        "$ref": "#/components/schemas/Thing"
    }
    before = load_spec(doc)
    after_doc = copy.deepcopy(doc)
    _do(_prop("Thing", "tag", {"type": "string"}), _required("Thing", "id", "name", "tag"))(after_doc)
    diff = diff_specs(before, load_spec(after_doc))
    kinds = {(c.kind, c.breaking, c.operations) for c in diff.changes}
    assert ("property-added", True, ("things_create",)) in kinds  # the request body must now carry it
    assert ("property-added", False, ("things_create", "things_get")) in kinds  # responses merely gain it


def test_no_change_no_diff(old: Any) -> None:
    diff = diff_specs(old, load_spec(base()))
    assert diff.changes == ()
    assert "no changes a client would notice" in diff.to_text()


def test_json_form_is_complete(old: Any) -> None:
    doc = base()
    _drop_prop("Thing", "size")(doc)
    data = json.loads(json.dumps(diff_specs(old, load_spec(doc)).as_dict()))
    assert data["summary"] == {"changes": 1, "breaking": 1, "non_breaking": 0}
    assert data["changes"] == [
        {
            "kind": "property-removed",
            "breaking": True,
            "pointer": f"{S}Thing/properties/size",
            "message": "Thing: response property 'size' removed",
            "operations": ["things_create", "things_get"],
        }
    ]
    assert data["old"]["fingerprint"] == old.fingerprint and data["new"]["version"] == "1"


@pytest.fixture(scope="module")
def polar_diff() -> Any:
    return diff_specs(load_spec(POLAR_OLD, tags=["customers"]), load_spec(POLAR_CURRENT, tags=["customers"]))


def test_polar_july_to_october_customers(polar_diff: Any) -> None:
    """The real differences: `first_user_event_at` on four customer schemas, and one error status moved."""
    found = {(c.kind, c.breaking, c.pointer) for c in polar_diff.changes}
    confirm = "/paths/~1v1~1customer-portal~1customers~1me~1payment-methods~1confirm/post/responses"
    assert found == {
        *{
            ("property-added", False, f"{S}{name}/properties/first_user_event_at")
            for name in ("CustomerIndividual", "CustomerTeam", "CustomerStateIndividual", "CustomerStateTeam")
        },
        ("response-added", False, f"{confirm}/403"),
        ("response-removed", False, f"{confirm}/400"),
    }
    by_pointer = {c.pointer: c for c in polar_diff.changes}
    individual = by_pointer[f"{S}CustomerIndividual/properties/first_user_event_at"]
    assert "(required)" in individual.message
    assert {"customers_list", "customers_get", "customers_create", "customers_update"} <= set(individual.operations)
    text = polar_diff.to_text()
    assert "info.version 2026-04" in text and "info.version 2026-10" in text
    assert "6 change(s): 0 breaking, 6 non-breaking" in text


def test_polar_full_specs() -> None:
    """Across the whole API, July to October adds operations and breaks a few things for clients."""
    diff = diff_specs(load_spec(POLAR_OLD), load_spec(POLAR_CURRENT))
    found = {(c.kind, c.breaking, c.pointer) for c in diff.changes}
    assert ("operation-added", False, "/paths/~1v1~1benefits~1{id}~1files/get") in found
    assert ("enum-values-added", True, f"{S}WebhookEventType") in found
    assert (
        "property-added",
        True,
        f"{S}OrganizationCustomerEmailSettings/properties/payment_method_expiration_reminder",
    ) in found
    assert not any(c.kind == "operation-removed" for c in diff.changes)
