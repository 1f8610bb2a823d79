"""The exception tree (and the warnings): one root, every error carrying what a caller needs.

    DynclientError
    +-- ConfigurationError         a caller's mistake: bad option, unknown server or operation (also ValueError)
    |   +-- InvalidTokenError      the token has whitespace, control or non-ASCII characters
    +-- SpecError                  the spec document cannot be loaded or used
    +-- RequestValidationError     bad input, raised before any byte is sent
    +-- APIError                   the server answered with an error status
    |   +-- BadRequestError        400
    |   +-- AuthenticationError    401
    |   +-- PermissionDeniedError  403
    |   +-- NotFoundError          404
    |   +-- ConflictError          409
    |   +-- UnprocessableEntityError 422
    |   +-- RateLimitError         429 (``retry_after``)
    |   +-- ServerError            500-599
    |   +-- ApiVersionError        the server refused the API version sent (an echo-less 404)
    |   +-- <one class per error-response schema, made from the spec; it subclasses the
    |        status class of every status it is declared under>
    +-- ResponseValidationError    the server's answer does not match the spec
    +-- ResponseTooLargeError      the answer exceeds ``max_response_bytes`` (decoded)
    +-- TransportError             the request did not complete (wraps httpx errors)
    |   +-- RequestTimeout         a connect/read/write/pool timeout
    |       +-- DeadlineExceeded   the call's overall ``deadline`` passed
    +-- ClientClosedError          the client was closed (also RuntimeError)
    +-- PaginationError            a paginated listing misbehaves (e.g. repeats a page)
    +-- WebhookVerificationError   a webhook's signature, timestamp or body cannot be trusted
    +-- WebhookPayloadError        a verified webhook's payload does not match the spec

Every error that carries a response uses one vocabulary: ``operation``, ``status_code``,
``headers`` (credentials redacted), ``text`` (the raw body), ``body`` (parsed JSON, or
``None``), ``response`` (the ``httpx.Response``), ``request`` and ``attempts``.

No message, repr, kept request or pickle produced here ever contains a credential: the
request an error keeps is a copy with credential headers redacted, and messages are built
from the kept (scrubbable) attributes each time they are shown. Every error pickles and
copies, including the classes made from a spec (``ProcessPoolExecutor`` workers).
"""

from __future__ import annotations

import copy
import json
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from ._retry_after import retry_after_seconds
from ._secrets import clip

__all__ = [
    "APIError",
    "ApiVersionError",
    "ApiVersionWarning",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConfigurationError",
    "ConflictError",
    "DeadlineExceeded",
    "DynclientError",
    "DynclientWarning",
    "FieldError",
    "InvalidTokenError",
    "NotFoundError",
    "PaginationError",
    "PermissionDeniedError",
    "RateLimitError",
    "RequestTimeout",
    "RequestValidationError",
    "ResponseDriftWarning",
    "ResponseTooLargeError",
    "ResponseValidationError",
    "ResponseValidationWarning",
    "ServerError",
    "SpecError",
    "TransportError",
    "UnprocessableEntityError",
    "WebhookPayloadError",
    "WebhookVerificationError",
]

_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "api-key"})
REDACTED = "[redacted]"
#: Characters of a server's message shown in an error's text (after scrubbing, never before).
API_MESSAGE_LIMIT = 300


def redact_headers(headers: Mapping[str, str] | httpx.Headers) -> dict[str, str]:
    """A plain copy of ``headers`` with credential-bearing values replaced."""
    return {k: (REDACTED if k.lower() in _SENSITIVE_HEADERS else v) for k, v in headers.items()}


def safe_request(request: httpx.Request | None) -> httpx.Request | None:
    """A copy of ``request`` that is safe to keep in an error: method, URL and redacted headers.

    The body is not kept (it was validated before sending and may be large); the copy
    pickles without carrying the credential.
    """
    if request is None:
        return None
    try:
        return httpx.Request(request.method, request.url, headers=redact_headers(request.headers))
    except (httpx.HTTPError, ValueError, TypeError):  # pragma: no cover - a request httpx built itself
        return None


def describe_request(request: httpx.Request | None) -> str:
    if request is None:
        return "<no request>"
    return f"{request.method} {request.url}"


def _parse_json(content: bytes) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None


# -- the root ------------------------------------------------------------------------------


def _rebuild(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> BaseException:
    obj = cls.__new__(cls)
    obj.args = args
    obj.__dict__.update(state)
    return obj


#: Response headers that describe the wire form of a body, dropped when a kept response is
#: rebuilt from its (decoded, scrubbed) text
_WIRE_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})


def _pickle_state(exc: BaseException) -> dict[str, Any]:
    """The state an error pickles with. A kept ``httpx.Response`` would pickle its raw body,
    which the server may have filled with the token (an echo); it is rebuilt from the kept,
    scrubbed attributes instead (status, redacted headers, ``text``, the redacted request)."""
    state = dict(exc.__dict__)
    response = state.get("response")
    if isinstance(response, httpx.Response):
        headers = {k: v for k, v in (state.get("headers") or {}).items() if k.lower() not in _WIRE_HEADERS}
        try:
            state["response"] = httpx.Response(
                response.status_code,
                headers=headers,
                content=str(state.get("text") or "").encode("utf-8", "replace"),
                request=state.get("request"),
            )
        except (httpx.HTTPError, ValueError, TypeError):  # pragma: no cover - built from our own values
            state["response"] = None
    return state


class DynclientError(Exception):
    """Root of every error this package raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        # exceptions pickle as ``cls(*args)`` by default, which breaks for any __init__ with
        # another signature; rebuild from the instance's state instead
        return (_rebuild, (type(self), self.args, _pickle_state(self)))

    def __copy__(self) -> DynclientError:
        return _rebuild(type(self), self.args, dict(self.__dict__))  # type: ignore[return-value]

    def __deepcopy__(self, memo: dict[int, Any]) -> DynclientError:
        return _rebuild(type(self), copy.deepcopy(self.args, memo), copy.deepcopy(self.__dict__, memo))  # type: ignore[return-value]


class ConfigurationError(DynclientError, ValueError):
    """A caller's mistake in configuring or calling the client (bad option, unknown name)."""


class InvalidTokenError(ConfigurationError):
    """The access token cannot be sent as given. The message never contains the token."""


class SpecError(DynclientError):
    """The OpenAPI document is malformed, hostile or uses something unsupported.

    ``pointer`` is the JSON pointer of the offending place in the document (empty when
    the problem is the document as a whole).
    """

    def __init__(self, message: str, pointer: str = "") -> None:
        self.pointer = pointer
        self.reason = message
        super().__init__(f"{message} (at {pointer})" if pointer else message)


def location_text(path: Iterable[str | int]) -> str:
    """A place as text: ``("body", "items", 2, "id")`` -> ``body.items[2].id`` (keys joined by
    dots, list indices in brackets); the one rule for every ``FieldError.location``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def prefix_path(prefix: str) -> tuple[str, ...]:
    """A dotted prefix (``body``, ``query.limit``) as the start of a path."""
    return tuple(prefix.split(".")) if prefix else ()


@dataclass(frozen=True)
class FieldError:
    """One invalid field.

    ``location`` is its text form (``query.limit``, ``body.billing_address.country``,
    ``body.items[2].id``); ``path`` the same place as a tuple (``("body", "items", 2, "id")``).
    ``FieldError.at`` makes one from the path, so the two always agree (``location_text``).
    """

    location: str
    message: str
    keyword: str = ""
    path: tuple[str | int, ...] = ()

    @classmethod
    def at(cls, path: Iterable[str | int], message: str, keyword: str = "", *, prefix: str = "") -> FieldError:
        """The error at ``prefix`` (dotted: ``body``, ``query.limit``) + ``path``."""
        full = (*prefix_path(prefix), *path)
        return cls(location_text(full), message, keyword, full)

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class RequestValidationError(DynclientError):
    """The call's arguments do not satisfy the spec; nothing was sent."""

    def __init__(self, operation: str, errors: Sequence[FieldError]) -> None:
        self.operation = operation
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(operation)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {e}" for e in self.errors)
        return f"invalid arguments for {self.operation}:\n{lines}"

    @property
    def locations(self) -> tuple[str, ...]:
        return tuple(e.location for e in self.errors)


# -- errors about a response ---------------------------------------------------------------


class _ResponseFacts:
    """The one vocabulary of every error that carries a response (see the module docstring)."""

    operation: str
    status_code: int
    headers: dict[str, str]
    text: str
    body: Any
    response: httpx.Response | None
    request: httpx.Request | None
    attempts: int

    def _keep_response(
        self,
        operation: str,
        response: httpx.Response,
        *,
        text: str | None,
        body: Any,
        attempts: int,
    ) -> None:
        self.operation = operation
        self.status_code = response.status_code
        self.headers = redact_headers(response.headers)
        self.request = safe_request(response.request if _has_request(response) else None)
        if self.request is not None:
            response.request = self.request  # the original carries the credential
        self.response = response
        self.text = text if text is not None else _response_text(response)
        self.body = body
        self.attempts = attempts


def _has_request(response: httpx.Response) -> bool:
    try:
        response.request  # noqa: B018 - raises RuntimeError when unset
    except RuntimeError:
        return False
    return True


def _response_text(response: httpx.Response) -> str:
    try:
        return response.text
    except (httpx.ResponseNotRead, httpx.StreamError, LookupError, ValueError):
        return ""


class APIError(_ResponseFacts, DynclientError):
    """The server answered with a status the operation treats as an error.

    The class is chosen by the status (``NotFoundError`` for 404, ...) and by the body:
    a class made from the spec (``client.errors.<Name>``) only when the body is valid
    against that error response's schema. Other statuses raise ``APIError`` itself.
    """

    #: set on the classes built from the spec: the schema title they stand for
    schema_title: str | None = None
    #: set on the status classes: the statuses they stand for
    statuses: tuple[int, ...] = ()

    def __init__(
        self,
        operation: str,
        response: httpx.Response,
        *,
        body: Any = None,
        text: str | None = None,
        attempts: int = 1,
    ) -> None:
        self._keep_response(operation, response, text=text, body=body, attempts=attempts)
        super().__init__(operation, self.status_code)

    def __str__(self) -> str:
        summary = _detail_summary(self.body, self.text)
        if 300 <= self.status_code < 400:  # an undeclared redirect: never followed, never success
            target = self.headers.get("location")
            where = f"redirect to {_clip(target)}" if target else "a redirect without a Location header"
            summary = f"{where}, not followed (the operation does not declare HTTP {self.status_code})"
        return (
            f"{self.operation}: HTTP {self.status_code} from {describe_request(self.request)}"
            + (f": {summary}" if summary else "")
            + (f" (after {self.attempts} attempts)" if self.attempts > 1 else "")
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code})"

    @property
    def detail(self) -> Any:
        """Deprecated: the parsed body is ``body`` (and the raw text ``text``)."""
        warnings.warn("APIError.detail is deprecated; use .body (parsed) or .text (raw)", DeprecationWarning, 2)
        return self.body


def _detail_summary(body: Any, text: str) -> str:
    """The server's own words, one line, at most ``API_MESSAGE_LIMIT`` characters."""
    if isinstance(body, Mapping):
        inner = body.get("detail", body.get("error_description", body.get("error")))
        if isinstance(inner, str):
            return _clip(inner)
        if isinstance(inner, list):
            parts = []
            for item in inner[:5]:
                if isinstance(item, Mapping) and "msg" in item:
                    raw_loc = item.get("loc")
                    loc = ".".join(str(p) for p in raw_loc) if isinstance(raw_loc, list | tuple) else ""
                    parts.append(f"{loc}: {item['msg']}" if loc else str(item["msg"]))
            if parts:
                return _clip("; ".join(parts))
    return _clip(text)


def _clip(text: str, limit: int = API_MESSAGE_LIMIT) -> str:
    # scrubbed whole before the cut, and the cut never ends in a token's beginning (_secrets.clip)
    return clip(" ".join(str(text).split()), limit)


class BadRequestError(APIError):
    """HTTP 400."""

    statuses = (400,)


class AuthenticationError(APIError):
    """HTTP 401: the token is missing, invalid or expired."""

    statuses = (401,)


class PermissionDeniedError(APIError):
    """HTTP 403: the token lacks a scope the operation needs."""

    statuses = (403,)


class NotFoundError(APIError):
    """HTTP 404."""

    statuses = (404,)


class ConflictError(APIError):
    """HTTP 409."""

    statuses = (409,)


class UnprocessableEntityError(APIError):
    """HTTP 422: the server refused the request's content."""

    statuses = (422,)


class RateLimitError(APIError):
    """HTTP 429. ``retry_after``: the seconds the server asked to wait, or ``None``."""

    statuses = (429,)

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.headers.get("retry-after"))


class ServerError(APIError):
    """HTTP 500-599."""

    statuses = tuple(range(500, 600))


class ApiVersionError(APIError):
    """The server refused the API version the client sent (Polar: a 404 with no version echo).

    Not a ``NotFoundError``: the resource may well exist. ``sent_version`` is what the
    client sent, ``spec_version`` the spec's ``info.version``.
    """

    sent_version: str = ""
    spec_version: str = ""
    version_header: str = ""

    def __str__(self) -> str:
        return (
            f"{self.operation}: the server refused API version {self.sent_version!r} "
            f"(sent in {self.version_header or 'the version header'}; the spec is {self.spec_version!r}): "
            f"HTTP {self.status_code} from {describe_request(self.request)} with no version echo. "
            "Update the spec (`dynclient spec update`) or pin a version the server supports "
            "(Client(api_version=...), or api_version=False to send none)"
        )


_STATUS_CLASSES: tuple[type[APIError], ...] = (
    BadRequestError,
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    ConflictError,
    UnprocessableEntityError,
    RateLimitError,
    ServerError,
)


def status_error_class(status: int) -> type[APIError]:
    """The status class for an HTTP status (``APIError`` when there is none)."""
    for cls in _STATUS_CLASSES:
        if status in cls.statuses:
            return cls
    return APIError


# -- classes made from a spec ------------------------------------------------------------------

#: (name, title, statuses) -> class: one class object per definition, process-wide, so a
#: pickled error comes back as an instance of the very class ``client.errors`` holds
_SPEC_CLASSES: dict[tuple[str, str, tuple[str, ...]], type[APIError]] = {}


def spec_error_bases(statuses: Sequence[str]) -> tuple[type[APIError], ...]:
    """The bases of a spec's error class declared under ``statuses`` (``"404"``, ``"4XX"``, ...)."""
    bases: list[type[APIError]] = []
    for status in statuses:
        cls = status_error_class(int(status)) if status.isdigit() else APIError
        if cls is not APIError and cls not in bases:
            bases.append(cls)
    return tuple(bases) or (APIError,)


def spec_error_class(name: str, title: str, statuses: Sequence[str]) -> type[APIError]:
    """The ``APIError`` subclass for an error-response schema ``title`` declared under ``statuses``.

    Its bases are the status classes of those statuses (a class declared under
    404 only is a ``NotFoundError``). The same arguments always give the same class object.
    """
    key = (name, title, tuple(sorted(set(statuses))))
    hit = _SPEC_CLASSES.get(key)
    if hit is None:
        bases = spec_error_bases(key[2])
        hit = type(
            name,
            bases,
            {
                "__doc__": f"HTTP error response whose body is the spec's {title!r} schema "
                f"(declared for {', '.join(key[2])}).",
                "__module__": "dynclient.errors",
                "__qualname__": name,
                "schema_title": title,
                "_spec_key": key,
            },
        )
        hit = _SPEC_CLASSES.setdefault(key, hit)
    return hit


def _rebuild_spec_error(key: tuple[str, str, tuple[str, ...]], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    return _rebuild(spec_error_class(*key), args, state)


def _spec_reduce(self: APIError) -> tuple[Any, ...]:
    key = getattr(type(self), "_spec_key", None)
    if key is None:
        return DynclientError.__reduce__(self)
    return (_rebuild_spec_error, (key, self.args, _pickle_state(self)))


APIError.__reduce__ = _spec_reduce  # type: ignore[method-assign,assignment]


def spec_error_classes() -> dict[str, type[APIError]]:
    """Every class made from a spec in this process, by name (the last made wins a name)."""
    return {key[0]: cls for key, cls in _SPEC_CLASSES.items()}


class ResponseValidationError(_ResponseFacts, DynclientError):
    """The server's response does not match the spec. ``errors`` name every place."""

    def __init__(
        self,
        operation: str,
        response: httpx.Response,
        errors: Sequence[FieldError],
        *,
        body: Any = None,
        text: str | None = None,
        attempts: int = 1,
    ) -> None:
        self._keep_response(operation, response, text=text, body=body, attempts=attempts)
        self.errors: tuple[FieldError, ...] = tuple(errors)
        super().__init__(operation, self.status_code)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        return (
            f"{self.operation}: response HTTP {self.status_code} from {describe_request(self.request)} "
            f"does not match the spec:\n{lines}{more}"
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}(operation={self.operation!r}, status_code={self.status_code})"


class ResponseTooLargeError(_ResponseFacts, DynclientError):
    """The response body (decoded) exceeds ``max_response_bytes``; reading stopped there.

    ``limit`` is the limit in bytes; ``text`` and ``body`` are empty (nothing was kept).
    """

    def __init__(self, operation: str, response: httpx.Response, limit: int, *, attempts: int = 1) -> None:
        self._keep_response(operation, response, text="", body=None, attempts=attempts)
        self.limit = limit
        super().__init__(operation, self.status_code)

    def __str__(self) -> str:
        return (
            f"{self.operation}: response HTTP {self.status_code} from {describe_request(self.request)} "
            f"is larger than max_response_bytes={self.limit} (decoded); reading stopped"
        )


# -- errors without a response -------------------------------------------------------------


class TransportError(DynclientError):
    """The request did not complete: connection refused or dropped, protocol error, timeout."""

    def __init__(self, operation: str, message: str, request: httpx.Request | None, attempts: int = 1) -> None:
        self.operation = operation
        self.request = safe_request(request)
        self.attempts = attempts
        self.message = message
        super().__init__(operation, message)

    def __str__(self) -> str:
        suffix = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.operation}: {self.message} ({describe_request(self.request)}){suffix}"


class RequestTimeout(TransportError):
    """The request timed out (connect, read, write or pool)."""


class DeadlineExceeded(RequestTimeout):
    """The call's overall ``deadline`` passed (across connecting, sending, receiving and retries)."""


class ClientClosedError(DynclientError, RuntimeError):
    """The client was closed (``close()``/``aclose()``) before or during this call."""


class PaginationError(DynclientError):
    """A paginated listing cannot continue safely (for example the server repeats a page)."""


class WebhookVerificationError(DynclientError):
    """A webhook delivery cannot be trusted: missing headers, a bad or expired timestamp,
    no matching signature, or a body that cannot be decoded. Never contains the secret."""


class WebhookPayloadError(DynclientError):
    """A webhook delivery was verified (it is trusted), but its payload does not match the
    spec's schema for its event type (a violation, or drift under ``validate="strict"``).

    Not a ``WebhookVerificationError``: the sender is who it claims to be; the spec and the
    sender disagree. ``event_type`` and ``webhook_id`` name the delivery, ``errors`` every
    place (``payload.data.email: ...``), ``payload`` is the parsed JSON (``None`` when it is
    not an object with a string ``type``).
    """

    def __init__(self, event_type: str, webhook_id: str, errors: Sequence[FieldError], payload: Any = None) -> None:
        self.event_type = event_type
        self.webhook_id = webhook_id
        self.errors: tuple[FieldError, ...] = tuple(errors)
        self.payload = payload
        super().__init__(event_type, webhook_id)

    def __str__(self) -> str:
        lines = "\n".join(f"  - {e}" for e in self.errors[:20])
        more = f"\n  ... and {len(self.errors) - 20} more" if len(self.errors) > 20 else ""
        what = f"webhook {self.event_type!r}" if self.event_type else "webhook"
        return f"{what} (webhook-id {self.webhook_id!r}): the payload does not match the spec:\n{lines}{more}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(event_type={self.event_type!r}, webhook_id={self.webhook_id!r})"


# -- warnings --------------------------------------------------------------------------------


class DynclientWarning(UserWarning):
    """Root of the warnings this package issues."""


class ResponseValidationWarning(DynclientWarning):
    """Issued instead of ResponseValidationError when ``validate_responses="warn"``."""


class ResponseDriftWarning(DynclientWarning):
    """The server sent something the spec does not know yet but that is additive (a new enum
    value, an unknown variant, an extra property); the value was returned as it came."""


class ApiVersionWarning(DynclientWarning):
    """The server answered with another API version than the one the client sent."""


#: The type of a function that removes secrets from text (see ``_client``).
Scrubber = Callable[[str], str]
