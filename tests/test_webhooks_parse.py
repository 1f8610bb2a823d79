"""Parsing webhooks from the spec: the four customer events, unknown events returned (never
raised), the drift policy of responses (compatible/strict/warn/off, one warning per object,
event type and schema location), the client's engine shared, and the spec side (IR, extract,
filtered views, spec diff) of webhooks."""

from __future__ import annotations

import copy
import functools
import json
import logging
import pickle
import warnings
from typing import Any

import pytest
from conftest import POLAR_CURRENT, internals
from payloads import CUSTOMER_ID, customer, customer_state

import dynclient
from dynclient._build import build_spec
from dynclient._diff import diff_specs
from dynclient._document import load_document
from dynclient._extract import extract
from dynclient._stubs import render_stubs

SECRET = "polar_whs_parse-tests-secret"
STAMP = "2026-01-02T03:04:05Z"


def event(kind: str, data: Any) -> dict[str, Any]:
    return {"type": kind, "timestamp": STAMP, "data": data}


EVENTS = {
    "customer.created": lambda: event("customer.created", customer(1)),
    "customer.updated": lambda: event("customer.updated", customer(2, kind="team")),
    "customer.deleted": lambda: event("customer.deleted", customer(3)),
    "customer.state_changed": lambda: event("customer.state_changed", customer_state()),
}


@pytest.fixture
def hooks() -> dynclient.Webhooks:
    return dynclient.Webhooks(SECRET)


def signed(hooks: dynclient.Webhooks, payload: Any, msg_id: str = "msg_parse") -> tuple[bytes, dict[str, str]]:
    return hooks.sign(payload, id=msg_id)


def record(fn: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w for w in caught if issubclass(w.category, dynclient.DynclientWarning)]


# -- the events of the bundled spec -----------------------------------------------------------------


def test_the_bundled_spec_declares_the_four_customer_events() -> None:
    spec = dynclient.load_spec()
    assert [(w.name, w.event_type, w.payload.name) for w in spec.webhooks] == [
        ("customer.created", "customer.created", "WebhookCustomerCreatedPayload"),
        ("customer.updated", "customer.updated", "WebhookCustomerUpdatedPayload"),
        ("customer.deleted", "customer.deleted", "WebhookCustomerDeletedPayload"),
        ("customer.state_changed", "customer.state_changed", "WebhookCustomerStateChangedPayload"),
    ]
    assert [w.data.name if w.data else None for w in spec.webhooks] == ["Customer"] * 3 + ["CustomerState"]
    assert spec.webhooks[3].pointer == "/webhooks/customer.state_changed/post"
    assert spec.webhook_for("customer.updated") is spec.webhooks[1] and spec.webhook_for("member.created") is None
    assert dynclient.Webhooks(SECRET).event_types == tuple(w.event_type for w in spec.webhooks)


@pytest.mark.parametrize("kind", EVENTS)
def test_each_customer_event_verifies_parses_and_validates(hooks: dynclient.Webhooks, kind: str) -> None:
    payload = EVENTS[kind]()
    body, headers = signed(hooks, payload)
    got, warned = record(lambda: hooks.parse(body, headers))
    assert warned == []
    assert type(got) is dynclient.WebhookEvent and got.known
    assert (got.type, got.id, got.data, got.payload) == (kind, "msg_parse", payload["data"], payload)
    assert int(got.timestamp.timestamp()) == int(headers["webhook-timestamp"])
    assert got.timestamp.tzinfo is not None
    assert repr(got).startswith(f"<WebhookEvent {kind!r} id='msg_parse'")
    assert got == hooks.parse(body, headers)


def test_an_unknown_event_type_is_returned_not_raised(hooks: dynclient.Webhooks) -> None:
    payload = {"type": "member.created", "timestamp": STAMP, "data": {"anything": ["goes", 1]}}
    got = hooks.parse(*signed(hooks, payload))
    assert isinstance(got, dynclient.UnknownWebhookEvent) and isinstance(got, dynclient.WebhookEvent)
    assert not got.known and got.type == "member.created" and got.payload == payload
    strict = dynclient.Webhooks(SECRET, validate="strict")
    assert isinstance(strict.parse(*signed(strict, {"type": "customer.something_new"})), dynclient.UnknownWebhookEvent)


@pytest.mark.parametrize("payload", [[1, 2], "text", {"data": {}}, {"type": 7}])
def test_a_verified_payload_without_a_string_type_is_a_payload_error(hooks: dynclient.Webhooks, payload: Any) -> None:
    with pytest.raises(dynclient.WebhookPayloadError) as info:
        hooks.parse(*signed(hooks, json.dumps(payload)))  # a JSON string: signed as it is
    assert info.value.errors[0].location == "payload.type" and info.value.webhook_id == "msg_parse"


def test_an_undecodable_body_is_a_verification_error(hooks: dynclient.Webhooks) -> None:
    for raw in (b"{not json", b"\xff\xfe\xfd", b""):
        with pytest.raises(dynclient.WebhookVerificationError, match="not JSON"):
            hooks.parse(*hooks.sign(raw))


# -- validation: the drift policy of responses ------------------------------------------------------


def drifting() -> dict[str, Any]:
    """A state whose subscription status and billing country are values the spec does not know."""
    payload = EVENTS["customer.state_changed"]()
    payload["data"]["active_subscriptions"][0]["status"] = "paused_by_owner"
    payload["data"]["billing_address"]["country"] = "ZZ"
    payload["api_version"] = "2026-10"  # an extra field where the schema is open: not even drift
    return payload


def violating() -> dict[str, Any]:
    payload = EVENTS["customer.created"]()
    payload["data"]["email_verified"] = "yes"  # a required boolean
    return payload


def test_compatible_returns_drift_with_one_warning_per_location(
    hooks: dynclient.Webhooks, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="dynclient")
    body, headers = signed(hooks, drifting())
    results, warned = record(lambda: [hooks.parse(body, headers) for _ in range(100)])
    assert all(r.payload == json.loads(body) for r in results)
    assert len(warned) == 2 and all(w.category is dynclient.ResponseDriftWarning for w in warned)
    texts = sorted(str(w.message) for w in warned)
    assert "payload.billing_address.country" not in texts[0]
    assert "'customer.state_changed': payload.data.active_subscriptions[0].status: 'paused_by_owner'" in texts[0]
    assert "payload.data.billing_address.country: 'ZZ' is not one of" in texts[1]
    assert all("dynclient spec update" in t and "2026-10" in t for t in texts)
    assert warned[0].filename == __file__  # points at the caller of parse()
    assert len([r for r in caplog.records if "additive drift" in r.getMessage()]) == 2
    # another subscription with the same new status: the same schema location, no new warning
    payload = drifting()
    payload["data"]["active_subscriptions"].append(copy.deepcopy(payload["data"]["active_subscriptions"][0]))
    _, again = record(lambda: hooks.parse(*signed(hooks, payload)))
    assert again == []
    # a new Webhooks object warns afresh
    _, fresh = record(lambda: dynclient.Webhooks(SECRET).parse(body, headers))
    assert len(fresh) == 2


def test_violations_raise_in_compatible_and_strict(hooks: dynclient.Webhooks) -> None:
    body, headers = signed(hooks, violating())
    for mode in ("compatible", "strict"):
        with pytest.raises(dynclient.WebhookPayloadError) as info:
            dynclient.Webhooks(SECRET, validate=mode).parse(body, headers)
        error = info.value
        assert isinstance(error, dynclient.DynclientError)
        assert not isinstance(error, dynclient.WebhookVerificationError)
        assert (error.event_type, error.webhook_id) == ("customer.created", "msg_parse")
        assert [e.location for e in error.errors] == ["payload.data.email_verified"]
        assert "'yes' is not of type 'boolean'" in str(error)
        assert error.payload == json.loads(body)
        for twin in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
            assert type(twin) is dynclient.WebhookPayloadError and str(twin) == str(error)


def test_strict_raises_for_drift_warn_warns_off_skips() -> None:
    strict = dynclient.Webhooks(SECRET, validate="strict")
    body, headers = signed(strict, drifting())
    with pytest.raises(dynclient.WebhookPayloadError) as info:
        strict.parse(body, headers)
    assert {e.location for e in info.value.errors} == {
        "payload.data.active_subscriptions[0].status",
        "payload.data.billing_address.country",
    }
    warn = dynclient.Webhooks(SECRET, validate="warn")
    for payload in (drifting(), violating()):
        got, warned = record(functools.partial(lambda p: warn.parse(*signed(warn, p)), payload))
        assert got.payload == payload
        assert [w.category for w in warned] == [dynclient.ResponseValidationWarning]
    off = dynclient.Webhooks(SECRET, validate="off")
    got, warned = record(lambda: off.parse(*signed(off, violating())))
    assert warned == [] and got.data["email_verified"] == "yes"


@pytest.mark.parametrize("kind", EVENTS)
def test_a_missing_required_field_raises_for_each_event(hooks: dynclient.Webhooks, kind: str) -> None:
    payload = EVENTS[kind]()
    del payload["data"]["id"]
    with pytest.raises(dynclient.WebhookPayloadError, match=r"payload\.data\.id: required field is missing"):
        hooks.parse(*signed(hooks, payload))
    payload = EVENTS[kind]()
    del payload["data"]["type"]  # the discriminator: located at its object, once
    with pytest.raises(dynclient.WebhookPayloadError) as info:
        hooks.parse(*signed(hooks, payload))
    assert [e.location for e in info.value.errors] == ["payload.data.type"]


# -- the client's webhooks ------------------------------------------------------------------------


def test_client_webhooks_share_the_client_runtime_and_compile_once() -> None:
    client = dynclient.Client(access_token="t")
    hooks = client.webhooks(SECRET, tolerance=10, validate="strict")
    assert internals(hooks)._runtime is internals(client)._runtime and hooks.spec is client.spec
    assert (hooks.tolerance, hooks.validate) == (10.0, "strict")
    body, headers = signed(hooks, EVENTS["customer.state_changed"]())
    hooks.parse(body, headers)
    compiled = internals(hooks)._compiled["customer.state_changed"]
    hooks.parse(body, headers)
    assert internals(hooks)._compiled["customer.state_changed"] is compiled
    pointer = client.spec.webhook_for("customer.state_changed").payload.pointer  # type: ignore[union-attr]
    assert internals(client)._runtime.engine.for_pointer(pointer) is compiled  # the engine's one cached validator
    python = dynclient.Client(access_token="t", engine="python").webhooks(SECRET)
    python.parse(body, headers)
    assert internals(python)._runtime.engine.engine == "python"


def test_a_spec_group_named_webhooks_keeps_its_place() -> None:
    full = dynclient.load_spec(POLAR_CURRENT)
    client = dynclient.Client(full)
    assert isinstance(client.webhooks, dynclient.OperationGroup)
    assert callable(client.webhooks.list_webhook_endpoints)
    assert "def webhooks(" not in render_stubs(full)["dynclient/__init__.pyi"]
    hooks = dynclient.Webhooks(SECRET, spec=full)
    assert len(hooks.event_types) == 41 and "member.created" in hooks.event_types
    got = hooks.parse(*hooks.sign({"type": "customer.state_changed", "timestamp": STAMP, "data": customer_state()}))
    assert got.known and got.data["id"] == CUSTOMER_ID


def test_filtered_views_keep_the_webhooks_they_name() -> None:
    assert len(dynclient.load_spec(POLAR_CURRENT).webhooks) == 41
    assert dynclient.load_spec(POLAR_CURRENT, tags=["customers"]).webhooks == ()
    chosen = dynclient.load_spec(POLAR_CURRENT, tags=["customers"], webhook_prefixes=["customer.", "order.p"])
    assert [w.name for w in chosen.webhooks] == [
        "customer.created",
        "customer.updated",
        "customer.deleted",
        "customer.state_changed",
        "order.paid",
    ]


# -- the spec side --------------------------------------------------------------------------------


def bundled_doc() -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(dynclient.bundled_spec_path().read_text(encoding="utf-8"))
    return doc


def load(doc: dict[str, Any]) -> dynclient.ApiSpec:
    return build_spec(load_document(doc))


def test_a_payload_without_a_type_const_is_announced_by_its_name() -> None:
    doc = bundled_doc()
    del doc["components"]["schemas"]["WebhookCustomerCreatedPayload"]["properties"]["type"]["const"]
    hook = load(doc).webhooks[0]
    assert (hook.name, hook.event_type) == ("customer.created", "customer.created")
    doc["components"]["schemas"]["WebhookCustomerCreatedPayload"]["properties"]["type"]["enum"] = ["customer.born"]
    assert load(doc).webhooks[0].event_type == "customer.born"


def _edit(path: list[str], value: Any) -> dict[str, Any]:
    doc = bundled_doc()
    node: Any = doc
    for key in path[:-1]:
        node = node[key]
    if value is KeyError:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


MALFORMED = {
    "not an object": (["webhooks", "customer.created"], [1], "/webhooks/customer.created", "path item object"),
    "no operation": (["webhooks", "customer.created"], {"summary": "x"}, "/webhooks/customer.created", "no operation"),
    "operation not an object": (
        ["webhooks", "customer.created", "post"],
        "x",
        "/webhooks/customer.created/post",
        "operation must be an object",
    ),
    "no payload": (
        ["webhooks", "customer.created", "post", "requestBody"],
        KeyError,
        "/webhooks/customer.created/post",
        "no payload schema",
    ),
    "form payload": (
        ["webhooks", "customer.created", "post", "requestBody", "content"],
        {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
        "/webhooks/customer.created/post/requestBody",
        "not JSON",
    ),
    "one event type twice": (
        ["components", "schemas", "WebhookCustomerUpdatedPayload", "properties", "type", "const"],
        "customer.created",
        "/webhooks/customer.updated/post",
        "both announce event type 'customer.created'",
    ),
}


@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_webhook_entries_are_spec_errors_naming_the_pointer(case: tuple[Any, ...]) -> None:
    path, value, pointer, message = case
    with pytest.raises(dynclient.SpecError) as info:
        load(_edit(path, value))
    assert info.value.pointer == pointer and message in str(info.value)


def test_extract_carries_webhooks_by_prefix_or_name_with_their_closure() -> None:
    source = load_document(POLAR_CURRENT)
    by_name = extract(source, ["customers"], webhooks=["customer.state_changed", "order.paid"])
    assert list(by_name["webhooks"]) == ["customer.state_changed", "order.paid"]
    assert by_name["x-dynclient-extract"]["webhooks"] == ["customer.state_changed", "order.paid"]
    assert "webhook_prefixes" not in by_name["x-dynclient-extract"]
    assert {"WebhookOrderPaidPayload", "Order"} <= set(by_name["components"]["schemas"])
    spec = load(by_name)  # every $ref of the kept webhooks resolves in the cut
    assert [w.name for w in spec.webhooks] == ["customer.state_changed", "order.paid"]
    plain = extract(source, ["customers"])
    assert "webhooks" not in plain and set(plain["x-dynclient-extract"]) == {"source", "source_sha256", "tags"}
    with pytest.raises(dynclient.SpecError, match=r"webhooks not in the spec: customer\.born"):
        extract(source, ["customers"], webhooks=["customer.born"])
    with pytest.raises(dynclient.SpecError, match=r"no webhook name starts with 'nothing\.'"):
        extract(source, ["customers"], webhook_prefixes=["nothing."])


def _diff(edit: Any) -> list[tuple[str, bool, str, tuple[str, ...]]]:
    old = dynclient.load_spec()
    doc = bundled_doc()
    edit(doc)
    return [(c.kind, c.breaking, c.pointer, c.webhooks) for c in diff_specs(old, load(doc)).changes]


S = "/components/schemas/"


def test_spec_diff_reports_events_added_and_removed() -> None:
    def remove_and_add(doc: dict[str, Any]) -> None:
        doc["webhooks"]["customer.archived"] = doc["webhooks"].pop("customer.deleted")
        doc["components"]["schemas"]["WebhookCustomerDeletedPayload"]["properties"]["type"]["const"] = (
            "customer.archived"
        )

    assert _diff(remove_and_add) == [
        ("webhook-removed", True, "/webhooks/customer.deleted/post", ("customer.deleted",)),
        ("webhook-added", False, "/webhooks/customer.archived/post", ("customer.archived",)),
    ]


def test_spec_diff_judges_payloads_like_responses() -> None:
    def payload_changes(doc: dict[str, Any]) -> None:
        state = doc["components"]["schemas"]["WebhookCustomerStateChangedPayload"]
        state["properties"]["api_version"] = {"type": "string"}
        state["required"].append("api_version")  # a new required field: a receiver is not broken
        del doc["components"]["schemas"]["WebhookCustomerCreatedPayload"]["properties"]["timestamp"]
        doc["components"]["schemas"]["CustomerStateSubscription"]["properties"]["status"]["enum"].append("paused")

    found = _diff(payload_changes)
    assert (
        "property-added",
        False,
        f"{S}WebhookCustomerStateChangedPayload/properties/api_version",
        ("customer.state_changed",),
    ) in found
    assert (
        "property-removed",
        True,
        f"{S}WebhookCustomerCreatedPayload/properties/timestamp",
        ("customer.created",),
    ) in found
    assert (
        "enum-values-added",
        True,
        f"{S}CustomerStateSubscription/properties/status",
        ("customer.state_changed",),
    ) in found
    enum = next(
        c
        for c in diff_specs(dynclient.load_spec(), load(_doc_with(payload_changes))).changes
        if c.kind == "enum-values-added"
    )
    assert enum.operations == ("customers_get_state", "customers_get_state_external")  # one change, every reader
    assert enum.as_dict()["webhooks"] == ["customer.state_changed"]
    assert (
        "webhooks (1): customer.state_changed"
        in diff_specs(dynclient.load_spec(), load(_doc_with(payload_changes))).to_text()
    )


def _doc_with(edit: Any) -> dict[str, Any]:
    doc = bundled_doc()
    edit(doc)
    return doc


def test_the_webhooks_stub_mirrors_the_runtime_class() -> None:
    import ast
    import inspect

    tree = ast.parse((dynclient.bundled_spec_path().parent.parent / "dynclient" / "__init__.pyi").read_text())
    cls = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Webhooks")
    members = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)} | {
        n.target.id for n in cls.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
    }
    hooks = dynclient.Webhooks(SECRET)
    assert members - {"__init__"} == {n for n in dir(hooks) if not n.startswith("_")}
    init = next(n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__")
    stub_keywords = [a.arg for a in init.args.kwonlyargs]
    assert stub_keywords == [p.name for p in inspect.signature(dynclient.Webhooks).parameters.values()][1:]
    client = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Client")
    method = next(n for n in client.body if isinstance(n, ast.FunctionDef) and n.name == "webhooks")
    runtime = inspect.signature(dynclient.Client.webhooks)
    assert [a.arg for a in method.args.kwonlyargs] == [p for p in runtime.parameters if p not in ("self", "secret")]


def test_the_demo_signs_verifies_and_parses_one_state_event() -> None:
    from tools.demo_webhook import run

    lines: list[str] = []
    assert run(lines.append) == 0
    assert lines[0] == "webhook customer.state_changed"
    assert any(line.startswith("  = verified and valid: customer.state_changed for ") for line in lines)
    assert "  = active subscriptions: 1 (active 49.00 usd)" in lines
    assert lines[-1].endswith("refused (no matching signature)")
