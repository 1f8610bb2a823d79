"""The exception tree: one root, every error carrying what a caller needs to act on it.

    DynclientError
    +-- SpecError                  the spec document cannot be loaded or used
    +-- RequestValidationError     bad input, raised before any byte is sent
    +-- APIError                   the server answered with an error status
    |   +-- <one class per error-response schema title, made from the spec>
    +-- ResponseValidationError    the server's answer does not match the spec
    +-- TransportError             the request did not complete (wraps httpx errors)
    |   +-- TimeoutError
    +-- PaginationError            a paginated listing misbehaves (e.g. repeats a page)

No message or repr produced here ever contains a credential: requests are
described by method and URL only, and headers are redacted on the way in.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

__all__ = [
    "APIError",
    "DynclientError",
    "FieldError",
    "PaginationError",
    "RequestValidationError",
    "ResponseValidationError",
    "SpecError",
    "TimeoutError",
    "TransportError",
]

_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """A plain copy of ``headers`` with credential-bearing values replaced."""
    return {k: ("[redacted]" if k.lower() in _SENSITIVE_HEADERS else v) for k, v in headers.items()}


def describe_request(request: httpx.Request | None) -> str:
    if request is None:
        return "<no request>"
    return f"{request.method} {request.url}"


class DynclientError(Exception):
    """Root of every error this package raises."""


class SpecError(DynclientError):
    """The OpenAPI document is malformed, hostile or uses something unsupported.

    ``pointer`` is the JSON pointer of the offending place in the document.
    """

    def __init__(self, message: str, pointer: str = "") -> None:
        self.pointer = pointer
        self.reason = message
        super().__init__(f"{message} (at {pointer or '/'})")


@dataclass(frozen=True)
class FieldError:
    """One invalid field: ``location`` like ``query.limit`` or ``body.billing_address.country``."""

    location: str
    message: str
    keyword: str = ""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class RequestValidationError(DynclientError):
    """The call's arguments do not satisfy the spec; nothing was sent."""

    def __init__(self, operation: str, errors: Sequence[FieldError]) -> None:
        self.operation = operation
        self.errors: tuple[FieldError, ...] = tuple(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"invalid arguments for {operation}:\n{lines}")

    @property
    def locations(self) -> tuple[str, ...]:
        return tuple(e.location for e in self.errors)


class APIError(DynclientError):
    """The server answered with a status the operation treats as an error.

    Subclasses are made per spec, one for each error-response schema title
    (``client.errors.<Title>``); undeclared error statuses raise ``APIError``.
    """

    #: set on the classes built from the spec: the schema title they stand for
    schema_title: str | None = None

    def __init__(
        self,
        operation: str,
        status_code: int,
        headers: Mapping[str, str] | httpx.Headers,
        body: str,
        detail: Any,
        request: httpx.Request | None,
        attempts: int = 1,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        self.attempts = attempts
        self.headers = redact_headers(headers)
        self.body = body
        self.detail = detail
        self.request = request
        summary = _detail_summary(detail, body)
        super().__init__(
            f"{operation}: HTTP {status_code} from {describe_request(request)}"
            + (f": {summary}" if summary else "")
            + (f" (after {attempts} attempts)" if attempts > 1 else "")
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code})"


def _detail_summary(detail: Any, body: str) -> str:
    if isinstance(detail, Mapping):
        inner = detail.get("detail", detail.get("error"))
        if isinstance(inner, str):
            return inner[:300]
        if isinstance(inner, list):
            parts = []
            for item in inner[:5]:
                if isinstance(item, Mapping) and "msg" in item:
                    loc = ".".join(str(p) for p in item.get("loc", []))
                    parts.append(f"{loc}: {item['msg']}" if loc else str(item["msg"]))
            if parts:
                return "; ".join(parts)
    return body[:300]


class ResponseValidationError(DynclientError):
    """The server's response does not match the spec. ``body`` keeps the parsed value."""

    def __init__(
        self,
        operation: str,
        status_code: int,
        errors: Sequence[FieldError],
        body: Any,
        text: str,
        request: httpx.Request | None,
    ) -> None:
        self.operation = operation
        self.status_code = status_code
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.body = body
        self.text = text
        self.request = request
        lines = "\n".join(f"  - {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        super().__init__(
            f"{operation}: response HTTP {status_code} from {describe_request(request)} "
            f"does not match the spec:\n{lines}{more}"
        )


class TransportError(DynclientError):
    """The request did not complete: connection refused or dropped, protocol error, timeout."""

    def __init__(self, operation: str, message: str, request: httpx.Request | None, attempts: int = 1) -> None:
        self.operation = operation
        self.request = request
        self.attempts = attempts
        suffix = f" after {attempts} attempts" if attempts > 1 else ""
        super().__init__(f"{operation}: {message} ({describe_request(request)}){suffix}")


class TimeoutError(TransportError):  # noqa: A001 - deliberately named; also a TransportError
    """The request timed out (connect, read, write or pool)."""


class PaginationError(DynclientError):
    """A paginated listing cannot continue safely (for example the server repeats a page)."""
