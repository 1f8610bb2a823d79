"""Responses of the fake, each validated strictly against the spec before it leaves.

A body the operation's declared response schema rejects (drift included: the fake never
drifts) raises ``FakeResponseError``: it is a bug in the fake (or a seed the spec cannot
hold), never something to hand to the code under test. The few answers the spec cannot
declare (an unknown route, a method not allowed, a refused API version, a not-found for
an operation that declares no 404) are *protocol answers*, marked as such in ``calls``.
"""

from __future__ import annotations

import http
import json
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from .._errors import DynclientError, FieldError
from .._ir import Operation, Response
from .._schema.media import is_json
from .._validation import Compiled, SchemaEngine

__all__ = ["FakeError", "FakeResponseError", "Responder", "reason"]


class FakeError(DynclientError):
    """The fake failed to answer: a bug in the fake, never something the code under test did."""


class FakeResponseError(FakeError):
    """The fake was about to answer something its spec does not allow (a bug in the fake, or
    seeded data the spec cannot hold). Raised instead of answering."""

    def __init__(self, operation: str, status: int, errors: Sequence[FieldError], body: Any = None) -> None:
        self.operation = operation
        self.status_code = status
        self.errors = tuple(errors)
        self.body = body
        super().__init__(operation, status)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {e}" for e in self.errors[:20])
        return (
            f"the fake's answer to {self.operation} (HTTP {self.status_code}) does not match the spec; "
            f"this is a bug in the fake (or seeded data the spec cannot hold), not in the code under test:\n{lines}"
        )


def reason(status: int) -> str:
    """``Not found`` for 404: the reason phrase as the server's ``detail`` words it."""
    try:
        return http.HTTPStatus(status).phrase.capitalize()
    except ValueError:
        return "Error"


class Responder:
    """Builds ``httpx.Response`` objects for one spec; validators come from the shared engine."""

    def __init__(self, engine: SchemaEngine) -> None:
        self._engine = engine

    def validator(self, declared: Response) -> Compiled | None:
        if declared.schema is None:
            return None
        return self._engine.for_pointer(declared.schema.pointer)

    def check(self, op: Operation, status: int, body: Any) -> None:
        """Raise ``FakeResponseError`` unless ``body`` is what ``op`` declares for ``status``."""
        declared = op.response_for(status)
        if declared is None:
            error = FieldError.at(("status",), f"HTTP {status} is not declared")
            raise FakeResponseError(op.name, status, [error], body)
        validator = self.validator(declared)
        if validator is not None and not validator.is_valid(body):
            raise FakeResponseError(op.name, status, validator.errors(body, "body"), body)

    def media_type(self, op: Operation, status: int) -> str | None:
        declared = op.response_for(status)
        return declared.media_type if declared is not None else None

    def json(
        self, op: Operation | None, status: int, body: Any, headers: Mapping[str, str], *, check: bool = True
    ) -> httpx.Response:
        if check and op is not None:
            self.check(op, status, body)
        media = (self.media_type(op, status) if op is not None else None) or "application/json"
        if not is_json(media):
            media = "application/json"
        content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        return httpx.Response(status, headers={**headers, "content-type": media}, content=content)

    def text(self, op: Operation, status: int, text: str, headers: Mapping[str, str]) -> httpx.Response:
        self.check(op, status, text)
        media = self.media_type(op, status) or "text/plain"
        return httpx.Response(status, headers={**headers, "content-type": f"{media}; charset=utf-8"}, content=text)

    def empty(self, op: Operation, status: int, headers: Mapping[str, str]) -> httpx.Response:
        declared = op.response_for(status)
        if declared is None or declared.schema is not None:
            self.check(op, status, None)
        return httpx.Response(status, headers=dict(headers))
