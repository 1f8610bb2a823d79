"""Differential test against Polar's official Python SDK (``polar-sdk`` 1.0.2, test-only).

The same call is made through the SDK (``polar.v2026_10.Polar``, the spec's version) and
through dynclient, both over an ``httpx.MockTransport`` that captures the request. On the
wire they must agree: method, path, query parameters as a multiset, decoded JSON body.

Known, decided differences (docs/peers.md):
- the SDK always sends its defaults (``page=1``, ``limit=10``, ``sorting=-created_at``,
  ``anonymize=false``); dynclient sends only what the caller gave. Both mean the same: the
  spec declares exactly these values as the parameters' ``default``. The comparison drops a
  query parameter the dynclient call did not pass when the SDK's value is the spec default.
- the SDK puts path values into the URL unencoded (``"/v1/customers/external/" + "a/b"``),
  which changes the path; dynclient percent-encodes them as RFC 6570 simple expansion
  requires. Asserted separately below.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections import Counter
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest
from polar import PolarError
from polar.v2026_10 import Polar

import dynclient
from dynclient._ir import NO_DEFAULT
from dynclient._serialize import query_pairs

from ._mutate import Walker
from ._support import CORE_OPS, bundled_document, count, spec

SUITE = "sdk"
BASE = "https://api.polar.sh"
ORG_A, ORG_B = str(uuid.uuid4()), str(uuid.uuid4())
CID = str(uuid.uuid4())


def _full_bodies(op_name: str) -> list[Any]:
    body = spec()[op_name].request_body
    assert body is not None and body.schema is not None
    return [s.value for s in Walker(bundled_document()).full(body.schema.raw)]


def _cases() -> list[tuple[str, dict[str, Any]]]:
    cases: list[tuple[str, dict[str, Any]]] = [
        ("customers_list", {}),
        ("customers_list", {"sorting": ["-created_at", "email"]}),
        ("customers_list", {"sorting": ["name"], "limit": 50, "page": 3}),
        ("customers_list", {"metadata": {"plan": "pro", "seats": 3, "tags": ["a", "b"], "vip": True}}),
        ("customers_list", {"organization_id": [ORG_A, ORG_B]}),
        ("customers_list", {"organization_id": ORG_A, "email": "a@example.com", "query": "jo d", "active": True}),
        ("customers_list", {"active": False, "query": "ü & ?=#"}),
        ("customers_create", {"body": {"email": "a@example.com"}}),
        ("customers_create", {"body": {"type": "team", "name": "Team A", "email": None}}),
        ("customers_export", {}),
        ("customers_export", {"organization_id": ORG_A}),
        ("customers_export", {"organization_id": [ORG_A, ORG_B]}),
        ("customers_get", {"id": CID}),
        ("customers_update", {"id": CID, "body": {}}),
        ("customers_update", {"id": CID, "body": {"name": None, "metadata": {"k": 1.5, "b": False}}}),
        ("customers_delete", {"id": CID}),
        ("customers_delete", {"id": CID, "anonymize": True}),
        ("customers_get_external", {"external_id": "usr_1337"}),
        ("customers_update_external", {"external_id": "usr_1337", "body": {"locale": "fr-CA"}}),
        ("customers_delete_external", {"external_id": "usr_1337"}),
        ("customers_delete_external", {"external_id": "usr_1337", "anonymize": True}),
        ("customers_get_state", {"id": CID}),
        ("customers_get_state_external", {"external_id": "usr-42.x"}),
    ]
    for op_name in ("customers_create", "customers_update", "customers_update_external"):
        path = {p.name: (CID if p.name == "id" else "usr_1337") for p in spec()[op_name].parameters if p.required}
        cases += [(op_name, {**path, "body": body}) for body in _full_bodies(op_name)]
    return cases


CASES = _cases()


def _capture() -> tuple[list[httpx.Request], httpx.MockTransport]:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={})  # neither client may mind the answer (see below)

    return seen, httpx.MockTransport(handler)


def _sdk_request(op_name: str, args: dict[str, Any]) -> httpx.Request:
    seen, transport = _capture()
    sdk = Polar(access_token="sdk-token", base_url=BASE)
    old = sdk._client._client
    sdk._client._client = httpx.Client(base_url=old.base_url, headers=old.headers, transport=transport)
    op = spec()[op_name]
    method = getattr(getattr(sdk, op.group[0]), op.method_name)
    kwargs = {k: v for k, v in args.items() if k != "body"}
    kwargs.update(args.get("body") or {})
    with contextlib.suppress(PolarError):  # our "{}" is not what the SDK expects back; only the request matters
        method(**kwargs)
    assert len(seen) == 1, f"the SDK sent {len(seen)} requests"
    return seen[0]


def _dynclient_request(op_name: str, args: dict[str, Any]) -> httpx.Request:
    seen, transport = _capture()
    with dynclient.Client(
        http_client=httpx.Client(transport=transport), access_token="t", validate_responses="off"
    ) as client:
        client.invoke(op_name, **args)
    assert len(seen) == 1
    return seen[0]


def _wire(request: httpx.Request) -> tuple[str, str, Counter[tuple[str, str]], Any]:
    url = urlsplit(str(request.url))
    body = json.loads(request.content) if request.content else None
    return request.method, url.path, Counter(parse_qsl(url.query, keep_blank_values=True)), body


def _drop_spec_defaults(op_name: str, args: dict[str, Any], query: Counter[tuple[str, str]]) -> list[str]:
    dropped = []
    for p in spec()[op_name].parameters:
        if p.location != "query" or p.name in args or p.default is NO_DEFAULT or p.default is None:
            continue
        pairs = Counter(query_pairs(p.name, p.style, p.default))
        present = Counter({k: v for k, v in query.items() if k[0] == p.name})
        if present == pairs:
            for key in pairs:
                del query[key]
            dropped.append(p.name)
    return dropped


@pytest.mark.parametrize(("op_name", "args"), CASES, ids=[f"{o}-{i}" for i, (o, _) in enumerate(CASES)])
def test_same_request_on_the_wire(op_name: str, args: dict[str, Any]) -> None:
    sdk = _wire(_sdk_request(op_name, args))
    ours = _wire(_dynclient_request(op_name, args))
    method, path, sdk_query, sdk_body = sdk
    dropped = _drop_spec_defaults(op_name, args, sdk_query)
    if dropped:
        count(SUITE, "cases where only spec defaults differed")
    assert (method, path) == ours[:2]
    assert sdk_query == ours[2]
    assert sdk_body == ours[3]
    count(SUITE, "calls compared")


def test_all_core_operations_compared() -> None:
    assert {op for op, _ in CASES} == set(CORE_OPS)
    count(SUITE, "operations", len(CORE_OPS))


@pytest.mark.parametrize("external_id", ["a/b", "x?y=1", "../state", "#frag"])
def test_path_values_sdk_does_not_encode(external_id: str) -> None:
    """Decided for dynclient: path values are percent-encoded (RFC 6570 simple expansion).

    The SDK formats them into the URL as they are, so ``a/b`` names a different resource.
    """
    ours = _dynclient_request("customers_get_external", {"external_id": external_id})
    sdk = _sdk_request("customers_get_external", {"external_id": external_id})
    prefix = "/v1/customers/external/"
    assert ours.url.raw_path.decode().startswith(prefix)
    tail = ours.url.raw_path.decode()[len(prefix) :]
    assert "/" not in tail and "?" not in tail and "#" not in tail
    assert urlsplit(str(sdk.url)).path != urlsplit(str(ours.url)).path or sdk.url.query != ours.url.query
    count(SUITE, "documented disagreements (path encoding)")
