"""openapi-core as an independent judge of every answer the fake gives in the test suite.

``fake_oracle`` (a fixture the fake's test modules use for every test) records each answer
of every ``FakeAPI`` made during the test and, at teardown, has openapi-core's response
validator check each answer whose source is ``"fake"`` (the spec-driven behaviour). Answers
the fake marks ``"injected"`` (a test's own choice) or ``"protocol"`` (an unknown route, a
refused version: nothing the spec can declare) are counted, not judged.

openapi-core reads its copy of each spec with the adjustments of ``_support.oracle_document``
(docs/peers.md); one oracle per spec document, built on first use.
"""

from __future__ import annotations

import functools
import json
import warnings
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import dynclient
from dynclient.testing import Call, FakeAPI

from ._support import OracleRequest, OracleResponse, count, is_uuid4_independent, oracle_document

SUITE = "fake"


def _utf8(data: bytes, **parameters: str) -> str:
    """text/csv for openapi-core (which has no decoder for it), with the media type's charset."""
    return data.decode(parameters.get("charset", "utf-8"))


@functools.lru_cache(maxsize=8)
def _oracle_for(fingerprint: str, document_json: str) -> Any:
    from openapi_core import Config, OpenAPI

    doc, _notes = oracle_document(json.loads(document_json))
    config = Config(
        extra_format_validators={"uuid4": is_uuid4_independent},
        extra_media_type_deserializers={"text/csv": _utf8},
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # an unsupported feature must not be skipped silently
        return OpenAPI.from_dict(doc, config=config)


def oracle_for(spec: dynclient.ApiSpec) -> Any:
    return _oracle_for(spec.fingerprint, json.dumps(spec.document))


def _as_served(spec: dynclient.ApiSpec, request: httpx.Request) -> httpx.Request:
    """The request as if it had gone to the spec's first server (openapi-core finds the
    operation by server URL + path; the fake answers on its own host)."""
    server = httpx.URL(spec.servers[0].url)
    url = request.url.copy_with(scheme=server.scheme, host=server.host, port=server.port)
    return httpx.Request(request.method, url, headers=request.headers, content=request.content)


def judge(spec: dynclient.ApiSpec, request: httpx.Request, response: httpx.Response) -> str | None:
    """openapi-core's objection to ``response`` (``None``: it passes)."""
    try:
        oracle_for(spec).validate_response(OracleRequest(_as_served(spec, request)), OracleResponse(response))
    except Exception as exc:  # any openapi-core validation error
        cause = f" ({exc.__cause__!r})" if exc.__cause__ is not None else ""
        return f"{request.method} {request.url.raw_path.decode()} -> {response.status_code}: {exc!r}{cause}"
    return None


def judge_calls(spec: dynclient.ApiSpec, calls: list[Call]) -> list[str]:
    problems: list[str] = []
    for call in calls:
        if call.source != "fake":
            count(SUITE, f"{call.source} answers (not judged)")
            continue
        count(SUITE, "answers checked by openapi-core")
        problem = judge(spec, call.request, call.response)
        if problem is not None:
            problems.append(problem)
    return problems


@pytest.fixture
def fake_oracle(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[FakeAPI, Call]]]:
    """Every answer of every fake made in the test, judged by openapi-core at teardown."""
    seen: list[tuple[FakeAPI, Call]] = []
    original = FakeAPI._record

    def record(self: FakeAPI, *args: Any, **kwargs: Any) -> httpx.Response:
        answer = original(self, *args, **kwargs)
        seen.append((self, self.calls[-1]))
        return answer

    monkeypatch.setattr(FakeAPI, "_record", record)
    yield seen
    problems: list[str] = []
    for fake in dict.fromkeys(f for f, _ in seen):
        problems += judge_calls(fake.spec, [c for f, c in seen if f is fake])
    assert problems == [], "openapi-core rejects answers of the fake:\n" + "\n".join(problems[:10])
