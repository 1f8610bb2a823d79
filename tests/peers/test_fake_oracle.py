"""The fake against openapi-core: generated calls of the eleven core operations through a stateful
fake, every answer judged by openapi-core's response validator; invalid requests on which the fake
(422) and openapi-core's request validator agree; and proof that the judge can object.

The arguments come from the spec's schemas (``_support.arguments_strategy``, independent of
dynclient's generator); half the time a path parameter names a record that exists, so the
corpus holds 200s and 404s, 201s and 422s (duplicates). Deterministic (``derandomize=True``);
``DYNCLIENT_HYPOTHESIS_PROFILE=long`` runs ten times as many examples.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dynclient
from dynclient.testing import FakeAPI

from ._fake_oracle import SUITE, judge, judge_calls, oracle_for
from ._support import CORE_OPS, arguments_strategy, count, oracle_rejects_request, spec, unchecked

_LONG = os.environ.get("DYNCLIENT_HYPOTHESIS_PROFILE") == "long"
_SETTINGS = settings(
    max_examples=400 if _LONG else 40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
_KEYS = {"id": "id", "external_id": "external_id"}


def _seed(fake: FakeAPI, n: int) -> dict[str, Any]:
    return fake.seed_resource(
        "customers", {"email": f"seed{n}@example.com", "external_id": f"ext_{n}", "name": f"S{n}"}
    )


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_generated_calls_through_the_fake_pass_openapi_core(op_name: str) -> None:
    fake = FakeAPI()
    statuses: Counter[int] = Counter()
    client = fake.client(validate_responses="strict", retry=dynclient.RetryPolicy.none())
    seeded = [_seed(fake, 0)]

    @_SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        args = data.draw(arguments_strategy(op_name), label="arguments")
        existing = [r for r in seeded if r in fake.records("customers")]
        if not existing:
            seeded.append(_seed(fake, len(seeded)))
            existing = seeded[-1:]
        for param, prop in _KEYS.items():
            if param in args and data.draw(st.booleans(), label=f"existing {param}"):
                args[param] = existing[0][prop]
        before = len(fake.calls)
        with contextlib.suppress(dynclient.APIError):  # a 404 or a 422: judged below like every answer
            client.invoke(op_name, **args)  # the operation is chosen at run time
        (call,) = fake.calls[before:]
        statuses[call.status] += 1
        count(SUITE, "generated calls through the fake")

    check()
    problems = judge_calls(fake.spec, fake.calls)
    assert problems == [], problems[:3]
    assert {s for s in statuses if s < 300}, f"{op_name}: no success at all in {dict(statuses)}"
    count(SUITE, "distinct (operation, status) pairs", len(statuses))


INVALID = [
    ("POST", "/v1/customers/", {"email": "not-an-email"}),
    ("POST", "/v1/customers/", {"type": "team", "name": 5}),
    ("POST", "/v1/customers/", {"email": "a@example.com", "billing_address": {"country": "XX"}}),
    ("GET", "/v1/customers/not-a-uuid", None),
    ("GET", "/v1/customers/?limit=ten", None),
    ("GET", "/v1/customers/?sorting=shoe_size", None),
    ("GET", "/v1/customers/?page=0", None),
    ("GET", "/v1/customers/export?organization_id=nope", None),
    ("PATCH", "/v1/customers/992fae2a-2a17-4b7a-8d9e-e287cf90131b", {"metadata": {"": "x"}}),
    ("DELETE", "/v1/customers/992fae2a-2a17-4b7a-8d9e-e287cf90131b?anonymize=maybe", None),
]


@pytest.mark.parametrize(("method", "path", "body"), INVALID)
def test_invalid_requests_the_fake_and_openapi_core_agree_on(method: str, path: str, body: Any) -> None:
    fake = FakeAPI()
    raw = httpx.Client(transport=fake.transport(), base_url="https://api.polar.sh")
    answer = raw.request(method, path, json=body) if body is not None else raw.request(method, path)
    assert answer.status_code == 422 and answer.json()["error"] == "RequestValidationError"
    request = fake.calls[-1].request
    served = request.url.copy_with(scheme="https", host="api.polar.sh", port=None)
    objection = oracle_rejects_request(
        httpx.Request(request.method, served, headers=request.headers, content=request.content)
    )
    assert objection is not None, f"openapi-core accepts {method} {path} {body!r}, the fake answered 422"
    assert judge(fake.spec, request, fake.calls[-1].response) is None  # and the 422 itself is declared
    count(SUITE, "invalid requests where fake and openapi-core agree")


def test_the_judge_objects_to_an_answer_off_the_spec() -> None:
    fake = FakeAPI()
    with fake.client() as client:
        made = client.customers.create(body={"email": "a@example.com"})
    call = fake.calls[-1]
    assert judge(fake.spec, call.request, call.response) is None
    for broken in (
        {k: v for k, v in made.items() if k != "id"},
        made | {"email_verified": "yes"},
        made | {"type": "x"},
    ):
        bad = httpx.Response(201, json=broken, request=call.request)
        assert judge(fake.spec, call.request, bad) is not None, broken
    assert oracle_for(fake.spec) is oracle_for(dynclient.load_spec(dict(fake.spec.document)))  # one per document


def test_the_unchecked_helper_lets_a_peer_see_bad_input() -> None:
    """The oracle suite's way of sending what dynclient would refuse reaches the fake too."""
    fake = FakeAPI()
    client = fake.client()
    with unchecked(client, "customers_list"), pytest.raises(dynclient.UnprocessableEntityError) as caught:
        client.customers.list(limit="ten")  # type: ignore[arg-type]  # a type error too
    assert caught.value.body["detail"][0]["loc"] == ["query", "limit"]
    assert spec()["customers_list"].parameter("limit").location == "query"
