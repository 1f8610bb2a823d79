"""Arguments are converted once to plain JSON, validated, and sent exactly as validated
(issue 10, items 10 and 14). Every odd value is a RequestValidationError naming the field,
raised before anything is sent, with both engines and both clients.

The conversion rules are in ``dynclient._values``; header and cookie values are checked as
serialized (``_serialize.header_value_problem`` / ``cookie_value_problem``).
"""

from __future__ import annotations

import copy
import enum
import json
import uuid
from collections import OrderedDict
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from conftest import Api, json_response
from payloads import CUSTOMER_ID, customer, customer_page

import dynclient
from dynclient._operation import MAX_TARGET_LENGTH
from dynclient._values import MAX_DEPTH

BUNDLED: dict[str, Any] = json.loads(dynclient.bundled_spec_path().read_text())
GOOD_BODY = {"email": "ada@example.com", "type": "individual"}


def edited_spec() -> dict[str, Any]:
    """The bundled spec with a header and a cookie parameter on customers_get and a query
    parameter that takes anything on customers_list."""
    doc = copy.deepcopy(BUNDLED)
    get = doc["paths"]["/v1/customers/{id}"]["get"]
    get["parameters"] = [
        *get["parameters"],
        {"name": "X-Request-Id", "in": "header", "schema": {"type": ["string", "array"], "items": {"type": "string"}}},
        {"name": "session", "in": "cookie", "schema": {}},
        {"name": "theme", "in": "cookie", "schema": {"type": "string"}},
    ]
    listing = doc["paths"]["/v1/customers/"]["get"]
    listing["parameters"] = [*listing["parameters"], {"name": "anything", "in": "query", "schema": {}}]
    return doc


EDITED = dynclient.load_spec(edited_spec())


@pytest.fixture(params=["auto", "python"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def api(make_api: Callable[..., Api], engine: str) -> Api:
    """A client (sync or async, per ``kind``) over the edited spec that fails if anything is sent
    with a 500: tests that expect a request answer it themselves."""
    return make_api(_answer, spec=EDITED, engine=engine)


def _answer(request: httpx.Request) -> httpx.Response:
    if request.url.path.endswith("/v1/customers/"):
        return json_response(
            201 if request.method == "POST" else 200, customer(0) if request.method == "POST" else customer_page(1)
        )
    return json_response(200, customer(0))


def refused(api: Api, operation: str, **arguments: Any) -> dynclient.RequestValidationError:
    """The RequestValidationError a call raises; asserts nothing was sent."""
    before = len(api.sent)
    with pytest.raises(dynclient.RequestValidationError) as info:
        api.call(operation, **arguments)
    assert len(api.sent) == before, "a request was sent"
    assert all(e.message for e in info.value.errors)
    return info.value


# -- item 10: header and cookie injection ----------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["abc; admin=true", 'a"b', "a,b", "a\\b", "a b", "caf\u00e9", "a\r\nSet-Cookie: x=1", "a\x00", "\t"],
)
def test_a_cookie_value_cannot_inject_a_second_cookie_or_break_the_header(api: Api, value: str) -> None:
    err = refused(api, "customers_get", id=CUSTOMER_ID, session=value)
    assert err.locations == ("cookie.session",)
    assert "cookie" in str(err)


def test_cookie_values_that_are_cookie_octets_are_sent_as_is(api: Api) -> None:
    api.call("customers_get", id=CUSTOMER_ID, session="abc-123_x.y~Z!%2B", theme="dark")
    api.call("customers_get", id=CUSTOMER_ID, session=42)
    api.call("customers_get", id=CUSTOMER_ID, session=True)
    first, second, third = (r.headers["Cookie"] for r in api.sent)
    assert first == "session=abc-123_x.y~Z!%2B; theme=dark"
    assert second == "session=42" and third == "session=true"


@pytest.mark.parametrize("value", [["a", "b"], {"a": "b"}])
def test_a_cookie_carries_one_primitive_value(api: Api, value: Any) -> None:
    err = refused(api, "customers_get", id=CUSTOMER_ID, session=value)
    assert err.locations == ("cookie.session",)


@pytest.mark.parametrize(
    "value",
    [
        "a\r\nX-Evil: 1",
        "a\nb",
        "a\rb",
        "a\x00b",
        "a\x7fb",
        "a\x1bb",
        "caf\u00e9",
        " padded",
        "padded\t",
        ["ok", "b\r\nc"],
    ],
)
def test_a_header_value_with_characters_a_header_cannot_carry_is_refused(api: Api, value: Any) -> None:
    err = refused(api, "customers_get", id=CUSTOMER_ID, **{"X-Request-Id": value})
    assert err.locations == ("header.X-Request-Id",)


def test_header_values_with_inner_spaces_tabs_and_arrays_are_sent(api: Api) -> None:
    api.call("customers_get", id=CUSTOMER_ID, **{"X-Request-Id": "a b\tc ~!"})
    api.call("customers_get", id=CUSTOMER_ID, **{"X-Request-Id": ["a", "b"]})
    assert [r.headers["X-Request-Id"] for r in api.sent] == ["a b\tc ~!", "a,b"]


# -- item 14: odd Python values ---------------------------------------------------------------------


class OddStr(str):
    def __str__(self) -> str:
        return "not-what-it-holds"

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


class Twin(str):
    """Equal only to itself: a dict holds it beside the plain str it spells."""

    def __eq__(self, other: object) -> bool:
        return self is other

    def __hash__(self) -> int:
        return 1


class OddInt(int):
    def __str__(self) -> str:
        return "0"

    def __repr__(self) -> str:
        return "0"

    def __index__(self) -> int:
        return 0


class OddDict(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        return [("email", "evil@example.com")]

    def __iter__(self) -> Any:
        return iter(["email"])


class Color(enum.Enum):
    RED = "red"


class Sort(enum.StrEnum):
    NAME = "name"


class Level(enum.IntEnum):
    TEN = 10


class Custom:
    """An object whose repr and str dynclient must never call (they are counted)."""

    calls = 0

    def __repr__(self) -> str:
        Custom.calls += 1
        return "Custom()"

    __str__ = __repr__


def selfish() -> list[Any]:
    loop: list[Any] = []
    loop.append(loop)
    return loop


def nested(depth: int) -> Any:
    value: Any = "leaf"
    for _ in range(depth):
        value = [value]
    return value


#: (operation, arguments, the locations named)
ODD_CALLS: list[tuple[str, dict[str, Any], set[str]]] = [
    # lone surrogates
    ("customers_list", {"email": "a\ud800b"}, {"query.email"}),
    ("customers_get_external", {"external_id": "x\udfff"}, {"path.external_id"}),
    ("customers_create", {"body": {**GOOD_BODY, "name": "\ud83d"}}, {"body.name"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {"\udc00": "v"}}}, {"body.metadata"}),
    # URLs over the limit
    ("customers_list", {"email": "x" * 70_000}, {"query.email"}),
    ("customers_list", {"query": "\u00e9" * 6_000}, {"query.query"}),
    ("customers_get_external", {"external_id": "/" * 12_000}, {"path.external_id"}),
    # numbers JSON cannot carry, or not exactly
    ("customers_list", {"limit": 1 + 2j}, {"query.limit"}),
    ("customers_list", {"limit": Decimal("NaN")}, {"query.limit"}),
    ("customers_list", {"limit": Decimal("sNaN")}, {"query.limit"}),
    ("customers_list", {"limit": Decimal("Infinity")}, {"query.limit"}),
    ("customers_list", {"limit": float("nan")}, {"query.limit"}),
    ("customers_list", {"page": float("inf")}, {"query.page"}),
    ("customers_list", {"limit": 1e300}, {"query.limit"}),
    ("customers_list", {"limit": -(2.0**60)}, {"query.limit"}),
    ("customers_list", {"limit": 10**2000}, {"query.limit"}),
    ("customers_list", {"limit": Decimal("1E+5000")}, {"query.limit"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {"score": float("nan")}}}, {"body.metadata.score"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {"score": float("-inf")}}}, {"body.metadata.score"}),
    (
        "customers_create",
        {"body": {**GOOD_BODY, "metadata": {"score": Decimal("0.1000000000000000000001")}}},
        {"body.metadata.score"},
    ),
    # keys JSON would turn into other keys
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {1: "v"}}}, {"body.metadata"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {None: "v"}}}, {"body.metadata"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {("a", "b"): "v"}}}, {"body.metadata"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {True: "v"}}}, {"body.metadata"}),
    ("customers_create", {"body": {1.5: "x", **GOOD_BODY}}, {"body"}),
    ("customers_list", {"metadata": {2: "x"}}, {"query.metadata"}),
    # types that are not JSON values
    ("customers_list", {"email": b"ada@example.com"}, {"query.email"}),
    ("customers_list", {"email": bytearray(b"x")}, {"query.email"}),
    ("customers_list", {"sorting": {"-created_at"}}, {"query.sorting"}),
    ("customers_list", {"sorting": frozenset({"email"})}, {"query.sorting"}),
    ("customers_get", {"id": uuid.UUID(CUSTOMER_ID)}, {"path.id"}),
    ("customers_list", {"email": Custom()}, {"query.email"}),
    ("customers_list", {"email": Color.RED}, {"query.email"}),
    ("customers_list", {"sorting": ["email", object()]}, {"query.sorting[1]"}),
    ("customers_list", {"sorting": iter(["email"])}, {"query.sorting"}),
    ("customers_create", {"body": {**GOOD_BODY, "name": memoryview(b"x")}}, {"body.name"}),
    ("customers_create", {"body": {**GOOD_BODY, "metadata": {"plan": {1, 2}}}}, {"body.metadata.plan"}),
    # depth and cycles
    (
        "customers_create",
        {"body": {**GOOD_BODY, "metadata": {"k": selfish()}}},
        {"body.metadata.k" + "[0]" * (MAX_DEPTH - 2)},
    ),
    ("customers_list", {"anything": nested(MAX_DEPTH + 5)}, {"query.anything" + "[0]" * MAX_DEPTH}),
    # values a style cannot carry
    ("customers_list", {"anything": {"a": {"b": 1}}}, {"query.anything"}),
    ("customers_list", {"anything": [[1, 2]]}, {"query.anything"}),
    # several at once: each named
    (
        "customers_update",
        {"id": b"x", "body": {"name": float("nan"), "metadata": {7: 1}}},
        {"path.id", "body.name", "body.metadata"},
    ),
]


def test_there_are_at_least_forty_odd_calls() -> None:
    assert len(ODD_CALLS) >= 40


@pytest.mark.parametrize(
    ("operation", "arguments", "locations"), ODD_CALLS, ids=[str(i) for i in range(len(ODD_CALLS))]
)
def test_every_odd_value_is_refused_naming_the_field(
    api: Api, operation: str, arguments: dict[str, Any], locations: set[str]
) -> None:
    err = refused(api, operation, **arguments)
    assert set(err.locations) == locations, str(err)
    assert "argument.value" not in str(err)
    for e in err.errors:
        assert e.path[0] in ("query", "path", "header", "cookie", "body")


def test_an_odd_object_is_refused_without_calling_its_repr_or_str(api: Api) -> None:
    before = Custom.calls
    err = refused(api, "customers_create", body={**GOOD_BODY, "name": Custom(), "metadata": {"k": [Custom()]}})
    assert set(err.locations) == {"body.name", "body.metadata.k[0]"}
    assert "test_values_arguments.Custom is not a JSON value" in str(err)
    assert Custom.calls == before


def test_nan_in_a_body_is_named_where_it_is(api: Api) -> None:
    err = refused(api, "customers_create", body={**GOOD_BODY, "metadata": {"score": float("nan")}})
    assert err.errors[0].path == ("body", "metadata", "score")
    assert "NaN" in err.errors[0].message


def test_a_url_just_under_the_limit_is_sent(api: Api) -> None:
    api.call("customers_list", email="x" * (MAX_TARGET_LENGTH - 200))
    assert len(str(api.sent[0].url)) > MAX_TARGET_LENGTH - 200


# -- what is sent is exactly what was validated ----------------------------------------------------


def sent_query(api: Api, operation: str, **arguments: Any) -> list[tuple[str, str]]:
    api.call(operation, **arguments)
    return list(api.sent[-1].url.params.multi_items())


def sent_body(api: Api, **body: Any) -> Any:
    api.call("customers_create", body={**GOOD_BODY, **body})
    return json.loads(api.sent[-1].content)


def test_integer_valued_floats_are_sent_as_integers(api: Api) -> None:
    assert sent_query(api, "customers_list", limit=10.0, page=float(2**53)) == [("limit", "10"), ("page", str(2**53))]
    assert json.loads(json.dumps(sent_body(api, metadata={"n": 3.0, "x": 1.5}))) == {
        **GOOD_BODY,
        "metadata": {"n": 3, "x": 1.5},
    }
    assert b'"n":3,' in api.sent[-1].content


def test_a_float_beyond_2_53_is_a_number_but_never_an_integer(api: Api) -> None:
    body = sent_body(api, metadata={"big": -8.746503765160236e179, "n": 2.0**60})
    assert body["metadata"] == {"big": -8.746503765160236e179, "n": 2.0**60}
    assert b'"big":-8.746503765160236e+179' in api.sent[-1].content  # a number, written as the float it is
    for value in (1e300, 2.0**60, 2.0**53 + 2):
        err = refused(api, "customers_list", limit=value)
        assert err.locations == ("query.limit",) and "wants an integer" in str(err)
    err = refused(api, "customers_list", limit=1e300, page=2.0**54)
    assert set(err.locations) == {"query.limit", "query.page"}


def test_a_non_integer_float_stays_a_float_and_fails_an_integer_schema(api: Api) -> None:
    err = refused(api, "customers_list", page=2.5)
    assert err.locations == ("query.page",)


def test_decimals_are_converted_exactly(api: Api) -> None:
    assert sent_query(api, "customers_list", limit=Decimal("1E+2")) == [("limit", "100")]
    assert sent_body(api, metadata={"score": Decimal("0.1"), "n": Decimal("2.000")})["metadata"] == {
        "score": 0.1,
        "n": 2,
    }
    assert b'"score":0.1' in api.sent[-1].content


def test_subclasses_are_sent_as_the_value_they_hold_never_their_methods(api: Api) -> None:
    query = sent_query(api, "customers_list", email=OddStr("ada@example.com"), limit=OddInt(5), page=Level.TEN)
    assert query == [("email", "ada@example.com"), ("limit", "5"), ("page", "10")]
    assert sent_query(api, "customers_list", sorting=(Sort.NAME, "-email")) == [
        ("sorting", "name"),
        ("sorting", "-email"),
    ]
    body = OddDict(GOOD_BODY)
    api.call("customers_create", body=body)
    assert json.loads(api.sent[-1].content) == GOOD_BODY
    ordered = OrderedDict([("type", "individual"), ("email", "b@example.com")])
    assert sent_body(api, **ordered) == {"email": "b@example.com", "type": "individual"}


def test_an_odd_int_is_validated_as_the_int_it_holds(api: Api) -> None:
    # OddInt(0) holds 0, whatever its methods say: limit must be > 0
    err = refused(api, "customers_list", limit=OddInt(0))
    assert err.locations == ("query.limit",)


def test_tuples_become_arrays(api: Api) -> None:
    org = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
    assert sent_query(api, "customers_list", organization_id=(org, org)) == [("organization_id", org)] * 2
    assert sent_query(api, "customers_list", anything=("a", 1)) == [("anything", "a"), ("anything", "1")]


def test_a_key_equal_to_another_as_plain_str_is_refused(api: Api) -> None:
    metadata = {"a": 1, Twin("a"): 2}
    assert len(metadata) == 2
    err = refused(api, "customers_create", body={**GOOD_BODY, "metadata": metadata})
    assert err.locations == ("body.metadata.a",)


def test_a_valid_call_is_unchanged(api: Api) -> None:
    api.call("customers_list", limit=10, sorting=["-created_at", "email"], metadata={"plan": ["pro", "team"]})
    assert list(api.sent[-1].url.params.multi_items()) == [
        ("limit", "10"),
        ("sorting", "-created_at"),
        ("sorting", "email"),
        ("metadata[plan]", "pro"),
        ("metadata[plan]", "team"),
    ]


def test_a_required_argument_given_but_refused_is_reported_once(api: Api) -> None:
    err = refused(api, "customers_get", id=b"992fae2a")
    assert [e.location for e in err.errors] == ["path.id"] and "bytes" in err.errors[0].message
    err = refused(api, "customers_create", body={"email": float("nan")})
    assert [e.location for e in err.errors] == ["body.email"]
