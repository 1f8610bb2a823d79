"""Shared by the peer suites: the eleven core operations, schema-driven generators, and
openapi-core's copy of the spec with adapters for httpx requests and responses.

Nothing here knows an operation's parameters by hand: everything is read from the spec.
"""

from __future__ import annotations

import copy
import functools
import json
import uuid
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
from conftest import internals
from hypothesis import strategies as st
from werkzeug.datastructures import Headers, ImmutableMultiDict

import dynclient
from dynclient._operation import PreparedOperation

from ._gen import SchemaStrategies

CORE_OPS = (
    "customers_list",
    "customers_create",
    "customers_export",
    "customers_get",
    "customers_update",
    "customers_delete",
    "customers_get_external",
    "customers_update_external",
    "customers_delete_external",
    "customers_get_state",
    "customers_get_state_external",
)

#: counts shown at the end of the test run (tests/peers/conftest.py)
COUNTS: dict[str, Counter[str]] = {}


def count(suite: str, key: str, n: int = 1) -> None:
    COUNTS.setdefault(suite, Counter())[key] += n


@functools.lru_cache(maxsize=1)
def bundled_document() -> dict[str, Any]:
    return json.loads(dynclient.bundled_spec_path().read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@functools.lru_cache(maxsize=1)
def spec() -> dynclient.ApiSpec:
    return dynclient.load_spec()


def is_uuid4_independent(value: str) -> bool:
    """``uuid4`` checked with the standard library (not dynclient's regex)."""
    try:
        u = uuid.UUID(value)
    except (ValueError, AttributeError, TypeError):
        return False
    return u.version == 4 and u.variant == uuid.RFC_4122 and len(value) == 36


# -- generators ---------------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def strategies() -> SchemaStrategies:
    return SchemaStrategies(bundled_document())


def schema_strategy(schema: Mapping[str, Any]) -> st.SearchStrategy[Any]:
    """Values valid against ``schema`` (whose refs point into the bundled spec)."""
    return strategies().strategy(schema)


def _nonempty_value(value: Any) -> bool:
    return not (isinstance(value, str) and value == "")


def arguments_strategy(op_name: str) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for ``op_name``: required ones always, optional ones sometimes."""
    op = spec()[op_name]
    fields: dict[str, st.SearchStrategy[Any]] = {}
    optional: list[str] = []
    for p in op.parameters:
        strat = schema_strategy(p.schema.raw)
        if p.location in ("path", "query"):
            # a path segment cannot be empty (the URL would name another route); a query
            # parameter only with allowEmptyValue, which the spec never sets
            strat = strat.filter(_nonempty_value)
        fields[p.name] = strat
        if not p.required:
            optional.append(p.name)
    body = op.request_body
    if body is not None and body.schema is not None:
        fields["body"] = schema_strategy(body.schema.raw)
        if not body.required:
            optional.append("body")
    required = {k: v for k, v in fields.items() if k not in optional}
    maybe = {k: fields[k] for k in optional}
    return st.fixed_dictionaries(required, optional=maybe)


# -- openapi-core -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Adjustment:
    kind: str
    where: str
    why: str


def _query_schema_for_oracle(schema: dict[str, Any]) -> dict[str, Any] | None:
    """A query parameter's schema with a top-level ``type`` openapi-core can deserialize by."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return None
    kept = [b for b in branches if not (isinstance(b, dict) and b.get("type") == "null")]
    arrays = [b for b in kept if isinstance(b, dict) and b.get("type") == "array"]
    pick = arrays[0] if arrays else (kept[0] if len(kept) == 1 else None)
    if pick is None:
        return None
    out = {k: v for k, v in schema.items() if k != "anyOf"}
    out.update(copy.deepcopy(pick))
    return out


def oracle_document(document: Mapping[str, Any]) -> tuple[dict[str, Any], list[Adjustment]]:
    """openapi-core 0.23.1's copy of the spec, and each adjustment made (see docs/peers.md)."""
    doc: dict[str, Any] = copy.deepcopy(dict(document))
    notes: list[Adjustment] = []
    comps = doc.setdefault("components", {})
    for name, scheme in comps.get("securitySchemes", {}).items():
        if scheme.get("type") == "openIdConnect":
            comps["securitySchemes"][name] = {"type": "http", "scheme": "bearer"}
            notes.append(Adjustment("openIdConnect", name, "unsupported scheme type; the token travels as Bearer"))
    for path, item in doc.get("paths", {}).items():
        for method, op in item.items():
            if not isinstance(op, dict):
                continue
            for param in op.get("parameters", []):
                where = f"{method.upper()} {path} {param.get('in')}.{param.get('name')}"
                if param.get("in") != "query":
                    continue
                schema = param.get("schema", {})
                if param.get("style") == "deepObject":
                    if not param.get("explode"):
                        param["explode"] = True
                        notes.append(
                            Adjustment(
                                "deepObject-explode", where, "openapi-core reads deepObject only with explode: true"
                            )
                        )
                    target = schema
                    if "$ref" in schema:
                        target = copy.deepcopy(_resolve(doc, schema["$ref"]))
                    flat = _query_schema_for_oracle(target)
                    if flat is not None:
                        param["schema"] = flat
                        notes.append(Adjustment("anyOf-param", where, "object branch hoisted (null cannot be sent)"))
                    continue
                flat = _query_schema_for_oracle(schema)
                if flat is not None:
                    param["schema"] = flat
                    notes.append(
                        Adjustment("anyOf-param", where, f"hoisted {flat.get('type')!r} branch as the top-level type")
                    )
    return doc, notes


def _utf8(data: bytes) -> str:
    return data.decode("utf-8")


def _resolve(doc: Mapping[str, Any], ref: str) -> Any:
    node: Any = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


@functools.lru_cache(maxsize=1)
def oracle() -> tuple[Any, list[Adjustment]]:
    import warnings

    from openapi_core import Config, OpenAPI

    doc, notes = oracle_document(bundled_document())
    config = Config(
        extra_format_validators={"uuid4": is_uuid4_independent},
        # openapi-core has no text/csv deserializer and would hand the schema raw bytes
        extra_media_type_deserializers={"text/csv": _utf8},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unsupported feature must not be skipped silently
        api = OpenAPI.from_dict(doc, config=config)
    return api, notes


class OracleRequest:
    """An ``httpx.Request`` seen through openapi-core's Request protocol (raw path, multi-valued query)."""

    def __init__(self, request: httpx.Request) -> None:
        url = urlsplit(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path
        self.method = request.method.lower()
        self.parameters = _parameters(url.query, request.headers)
        self.body: bytes | None = request.content or None
        self.content_type = request.headers.get("content-type", "")


def _parameters(query: str, headers: httpx.Headers) -> Any:
    from openapi_core.datatypes import RequestParameters

    return RequestParameters(
        query=ImmutableMultiDict(parse_qsl(query, keep_blank_values=True)),
        header=Headers(list(headers.multi_items())),
        cookie=ImmutableMultiDict(),
    )


class OracleResponse:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.headers = Headers(list(response.headers.multi_items()))
        self.content_type = response.headers.get("content-type", "")
        self.data: bytes | None = response.content


def oracle_rejects_request(request: httpx.Request) -> Exception | None:
    api, _ = oracle()
    try:
        api.validate_request(OracleRequest(request))
    except Exception as exc:  # any openapi-core validation error
        return exc
    return None


def oracle_rejects_response(request: httpx.Request, response: httpx.Response) -> Exception | None:
    api, _ = oracle()
    try:
        api.validate_response(OracleRequest(request), OracleResponse(response))
    except Exception as exc:
        return exc
    return None


# -- dynclient helpers ---------------------------------------------------------------------------


def offline_client(**options: Any) -> dynclient.Client:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"the offline client must not send {request.method} {request.url}")

    http = httpx.Client(transport=httpx.MockTransport(refuse))
    return dynclient.Client(http_client=http, access_token="peer-test-token", **options)


@contextmanager
def unchecked(client: dynclient.Client, op_name: str) -> Iterator[None]:
    """Build requests for ``op_name`` without dynclient's input validation (to show a peer bad input)."""
    prep: PreparedOperation = internals(client)._prepared(op_name)

    def no_check(arguments: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in arguments.items() if v is not None}

    prep.check = no_check  # type: ignore[method-assign]
    try:
        yield
    finally:
        del prep.check


def json_response(request: httpx.Request, status: int, body: Any) -> httpx.Response:
    return httpx.Response(status, json=body, request=request)
