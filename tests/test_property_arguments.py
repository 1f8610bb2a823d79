"""Property suite: arbitrary Python values as arguments (issue 10, item 14).

For every parameter and body field of the eleven core operations, values drawn from a
broad, recursive mix (the odd values of the issue: lone surrogates, NaN and infinities,
``Decimal`` specials, ``complex``, huge integers and floats, ``bytes``, sets, ``UUID`` and
``datetime`` objects, custom objects, subclasses of ``str``/``int``/``dict`` with odd
methods, dicts with ``int``/``None``/tuple keys, self-containing lists, nesting up to 50
levels), under both engines and both clients:

1. with at least one value that can never be sent, only ``RequestValidationError``
   escapes, it names that value's field, and no request reaches the transport;
2. with any values at all, either ``RequestValidationError`` is raised and nothing is
   sent, or exactly one request is sent whose body, read back from the wire, is valid
   against the operation's schema (what is sent is what was validated), with no integer
   written as a float and no ``NaN``.

Fixed seed and 500 examples per run in CI (the ``ci`` profile in ``conftest.py``);
``DYNCLIENT_HYPOTHESIS_PROFILE=long`` runs 20,000 fresh random examples each.
Nesting stays at 50 levels or fewer (deeper values are bounded before validation; that
limit has its own tests).
"""

from __future__ import annotations

import asyncio
import enum
import json
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from peers._support import CORE_OPS
from test_values_arguments import Custom, OddInt, OddStr, selfish

import dynclient
from dynclient._values import INVALID, Problem, to_json

ELEVEN = CORE_OPS
SPEC = dynclient.load_spec()
ORG_ID = "1dbfc517-0bbf-4301-9ba8-555ca42b9737"
CUSTOMER_ID = "992fae2a-2a17-4b7a-8d9e-e287cf90131b"


def _resolve(schema: Any) -> Any:
    ref = schema.get("$ref") if isinstance(schema, dict) else None
    if not isinstance(ref, str):
        return schema
    node: Any = SPEC.document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return _resolve(node)


def _body_fields(schema: Any, depth: int = 0) -> set[str]:
    schema = _resolve(schema)
    if not isinstance(schema, dict) or depth > 8:
        return set()
    out = set(schema.get("properties", {}))
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            out |= _body_fields(branch, depth + 1)
    return out


def _fields(name: str) -> tuple[list[tuple[str, str]], list[str]]:
    """(parameter name, location) pairs and body field names of an operation."""
    op = SPEC[name]
    params: list[tuple[str, str]] = [(p.name, p.location) for p in op.parameters]
    body = sorted(_body_fields(op.request_body.schema.raw)) if op.request_body and op.request_body.schema else []
    return params, body


FIELDS = {name: _fields(name) for name in ELEVEN}


# -- values -------------------------------------------------------------------------------------------


class OddDict(dict):  # type: ignore[type-arg]
    def items(self) -> Any:
        raise RuntimeError("never called")


class Shape(enum.Enum):
    CIRCLE = "circle"


class Sort(enum.StrEnum):
    EMAIL = "email"


def _nested(value: Any, depth: int) -> Any:
    for _ in range(depth):
        value = [value]
    return value


#: strings that look right somewhere (ids, emails, enum values), so some calls validate
PLAUSIBLE = [CUSTOMER_ID, ORG_ID, "ada@example.com", "-created_at", "email", "individual", "team", "US", "en", "x"]

any_text = st.text(alphabet=st.characters(exclude_categories=()), max_size=12)  # surrogates included
surrogate_text = st.tuples(any_text, st.integers(0xD800, 0xDFFF), any_text).map(lambda t: t[0] + chr(t[1]) + t[2])

#: values that can never be sent (each is refused wherever it appears)
never_sendable = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf]),
    st.sampled_from([Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity"), Decimal("1E+5000")]),
    st.sampled_from([Decimal("0.1000000000000000000001"), Decimal("1.23456789012345678901234")]),
    st.complex_numbers(allow_nan=True, allow_infinity=True),
    st.binary(max_size=8),
    st.binary(max_size=8).map(bytearray),
    st.sets(st.integers(), max_size=3),
    st.frozensets(st.text(max_size=3), max_size=3),
    st.uuids(),
    st.datetimes(),
    st.dates(),
    st.builds(Custom),
    st.builds(object),
    st.just(Shape.CIRCLE),
    st.just(selfish()),
    st.integers(min_value=2**3400, max_value=2**3500),
    surrogate_text,
    st.dictionaries(
        st.one_of(st.integers(), st.none(), st.tuples(st.text(max_size=2)), st.booleans()),
        st.integers(),
        min_size=1,
        max_size=3,
    ),
    st.builds(lambda: (i for i in range(2))),
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e300, -(2.0**60), 2.0**53 + 2, 10.0, -3.0]),  # integers only up to 2**53
    st.decimals(allow_nan=True, allow_infinity=True),
    any_text,
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(PLAUSIBLE).map(OddStr),
    st.integers(-5, 200).map(OddInt),
    st.just(Sort.EMAIL),
    never_sendable,
)

keys = st.one_of(any_text, st.sampled_from(["plan", "country", "email", "line1", "type"]), st.integers(), st.none())


def _containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=4),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=4),
        st.dictionaries(st.sampled_from(["plan", "email", "type"]), children, max_size=3).map(OddDict),
    )


anything = st.one_of(
    st.recursive(scalars, _containers, max_leaves=12),
    st.tuples(scalars, st.integers(0, 50)).map(lambda t: _nested(t[0], t[1])),  # deep, at most 50 levels
)

MISSING: Any = object()
#: examples per run: the loaded profile's (500 in CI)
EXAMPLES = settings().max_examples


@st.composite
def calls(draw: Callable[..., Any], force_odd: bool) -> tuple[str, dict[str, Any], str | None]:
    """(operation, arguments, the location prefix of the value that can never be sent)."""
    name = draw(st.sampled_from(ELEVEN))
    params, body_fields = FIELDS[name]
    arguments: dict[str, Any] = {}
    for param, _where in params:
        value = draw(st.one_of(st.just(MISSING), anything))
        if value is not MISSING:
            arguments[param] = value
    if body_fields:
        shape = draw(st.sampled_from(["missing", "anything", "fields"]))
        if shape == "anything":
            arguments["body"] = draw(anything)
        elif shape == "fields":
            chosen = draw(st.lists(st.sampled_from(body_fields), unique=True, max_size=len(body_fields)))
            arguments["body"] = {f: draw(anything) for f in chosen}
    if draw(st.integers(0, 9)) == 0:
        arguments[draw(st.sampled_from(["limt", "bogus", "page-size", "_http"]))] = draw(scalars)
    odd: str | None = None
    if force_odd:
        targets = [(p, f"{where}.{p}") for p, where in params] + [(f"body.{f}", f"body.{f}") for f in body_fields]
        if not targets:
            targets = [("bogus", "argument.bogus")]
        target, odd = draw(st.sampled_from(targets))
        value = draw(never_sendable)
        if target.startswith("body."):
            body = arguments.get("body")
            body = dict(body) if type(body) is dict else {}
            body[target[5:]] = value
            arguments["body"] = body
        else:
            arguments[target] = value
    return name, arguments, odd


#: valid values, many in an odd but convertible form (subclasses, tuples, Decimal, integral floats)
VALID: dict[str, list[Any]] = {
    "organization_id": [ORG_ID, [ORG_ID], (ORG_ID, ORG_ID), OddStr(ORG_ID)],
    "email": ["ada@example.com", OddStr("ada@example.com"), "é@example.com"],
    "query": ["ada", "a b&c=d", "\u00e9\U0001f600", ""],
    "active": [True, False],
    "page": [1, 2, 2.0, Decimal("3"), OddInt(4)],
    "limit": [10, 100, 10.0, Decimal("1E+1"), OddInt(7)],
    "sorting": [["-created_at"], ("email", "-name"), [Sort.EMAIL]],
    "metadata": [{"plan": "pro"}, {"plan": ["a", "b"]}, {"n": 1}, {OddStr("plan"): True}],
    "id": [CUSTOMER_ID, OddStr(CUSTOMER_ID)],
    "external_id": ["usr_1", "a/b?c#d", "é", "..", "%2F"],
    "anonymize": [True, False],
}
VALID_BODIES: dict[str, list[Any]] = {
    "customers_create": [
        {"email": "ada@example.com", "type": "individual"},
        {"email": OddStr("ada@example.com"), "type": "individual", "metadata": {"n": 2.0, "x": Decimal("0.5")}},
        {"email": "t@example.com", "type": "team", "owner": {"email": "o@example.com"}, "name": "T"},
        {"email": "b@example.com", "billing_address": {"country": "SE"}, "tax_id": None, "locale": "sv"},
    ],
    "customers_update": [{"name": "x"}, {"metadata": {"k": Decimal("1E+2")}}, {"billing_address": None}, {}],
    "customers_update_external": [{"name": OddStr("y")}, {"metadata": {"a": OddInt(3)}}, {}],
}


@st.composite
def mostly_valid_calls(draw: Callable[..., Any]) -> tuple[str, dict[str, Any], None]:
    """Calls whose values are usually valid (in odd forms), sometimes anything at all."""
    name = draw(st.sampled_from(ELEVEN))
    params, _body_fields = FIELDS[name]
    arguments: dict[str, Any] = {}
    for param, _where in params:
        required = any(p.name == param and p.required for p in SPEC[name].parameters)
        roll = draw(st.integers(0, 9))  # 7 in 10 valid, 1 anything, 2 left out (when optional)
        if roll < 7:
            arguments[param] = draw(st.sampled_from(VALID[param]))
        elif roll == 7 or required:
            arguments[param] = draw(anything)
    if name in VALID_BODIES:
        body = dict(draw(st.sampled_from(VALID_BODIES[name])))
        if draw(st.integers(0, 4)) == 0:
            body[draw(st.sampled_from(sorted(FIELDS[name][1])))] = draw(anything)
        arguments["body"] = body
    return name, arguments, None


# -- clients ------------------------------------------------------------------------------------------


class Sent(Exception):
    """Raised by the transport: carries the request that reached it."""

    def __init__(self, request: httpx.Request) -> None:
        super().__init__("a request was sent")
        self.request = request


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"nothing may be sent, but {request.method} {request.url} was")


def _capture(request: httpx.Request) -> httpx.Response:
    request.read()
    raise Sent(request)


def make_caller(kind: str, engine: str, handler: Callable[[httpx.Request], httpx.Response]) -> Callable[..., Any]:
    """``call(operation, **arguments)`` through a client of ``kind`` over a MockTransport."""
    transport = httpx.MockTransport(handler)
    options: dict[str, Any] = {
        "engine": engine,
        "retry": dynclient.RetryPolicy.none(),
        "access_token": "prop-token-0123",
    }
    if kind == "sync":
        client = dynclient.Client(http_client=httpx.Client(transport=transport), **options)
        return client.invoke
    aclient = dynclient.AsyncClient(http_client=httpx.AsyncClient(transport=transport), **options)
    loop = asyncio.new_event_loop()

    def call(operation: str, /, **arguments: Any) -> Any:
        return loop.run_until_complete(aclient.invoke(operation, **arguments))

    return call


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("engine", ["auto", "python"])
def test_a_value_that_can_never_be_sent_is_named_and_nothing_is_sent(kind: str, engine: str) -> None:
    call = make_caller(kind, engine, _refuse)
    seen: list[str] = []

    @given(calls(force_odd=True))
    def check(case: tuple[str, dict[str, Any], str | None]) -> None:
        name, arguments, odd = case
        seen.append(name)
        assert odd is not None
        with pytest.raises(dynclient.RequestValidationError) as info:
            call(name, **arguments)
        err = info.value
        assert err.operation == name and err.errors
        assert any(loc == odd or loc.startswith((odd + ".", odd + "[")) for loc in err.locations), (odd, str(err))
        assert all(e.message and e.location for e in err.errors)
        str(err)  # the message renders

    check()
    assert len(seen) >= EXAMPLES >= 500 and set(seen) == set(ELEVEN)


SCHEMAS = SPEC.operations


def _valid_on_the_wire(name: str, request: httpx.Request) -> None:
    """What reached the transport: a body that is plain JSON, valid for the operation, with
    no integer written as a float; query values that are never NaN or exponent-written."""
    op = SPEC[name]
    for key, value in request.url.params.multi_items():
        assert value not in ("nan", "NaN", "inf", "Infinity", "-inf"), (key, value)
        assert "e+" not in value.lower() or not value.replace("e+", "").replace(".", "").isdigit(), (key, value)
    if op.request_body is None:
        assert not request.content
        return
    text = request.content.decode("utf-8")
    assert "NaN" not in text and "Infinity" not in text
    body = json.loads(text)
    from dynclient._operation import runtime_for

    compiled = runtime_for(SPEC, "python").engine.for_pointer(op.request_body.schema.pointer)  # type: ignore[union-attr]
    assert compiled.is_valid(body), compiled.errors(body, "body")


@pytest.mark.parametrize("engine", ["auto", "python"])
def test_any_values_are_refused_or_sent_exactly_as_validated(engine: str) -> None:
    call = make_caller("sync", engine, _capture)
    outcomes = {"refused": 0, "sent": 0}

    @given(st.one_of(calls(force_odd=False), mostly_valid_calls()))
    def check(case: tuple[str, dict[str, Any], str | None]) -> None:
        name, arguments, _ = case
        try:
            call(name, **arguments)
        except dynclient.RequestValidationError as err:
            assert err.errors and all(e.message for e in err.errors)
            outcomes["refused"] += 1
        except Sent as sent:
            _valid_on_the_wire(name, sent.request)
            outcomes["sent"] += 1
        else:  # pragma: no cover - the transport always raises
            raise AssertionError("the call returned without reaching the transport")

    check()
    assert outcomes["refused"] > 0 and outcomes["sent"] > 0, outcomes  # both kinds of example were seen
    assert outcomes["refused"] + outcomes["sent"] >= EXAMPLES >= 500


@given(never_sendable)
def test_the_converter_refuses_every_value_that_can_never_be_sent(value: Any) -> None:
    problems: list[Problem] = []
    assert to_json(value, problems) is INVALID
    assert problems and all(isinstance(message, str) and message for _path, message in problems)
