"""``Client`` and ``AsyncClient``: one request/response logic, two ways of waiting.

Everything that decides what goes on the wire or what comes back lives in
``_ClientBase`` and the sans-IO modules it uses (``_operation``, ``_retry``,
``_pagination``). The two subclasses only differ where they send, sleep and
call hooks.
"""

from __future__ import annotations

import copy
import datetime
import functools
import http.cookiejar
import inspect
import logging
import os
import re
import textwrap
import threading
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _deadline
from ._body import ACCEPT_ENCODING, BodyReader, BodyTooLarge
from ._drift import DriftLedger, drift_message
from ._errors import (
    ApiVersionWarning,
    ClientClosedError,
    ConfigurationError,
    DeadlineExceeded,
    DynclientError,
    FieldError,
    InvalidTokenError,
    RequestTimeout,
    RequestValidationError,
    ResponseDriftWarning,
    ResponseTooLargeError,
    ResponseValidationError,
    ResponseValidationWarning,
    SpecError,
    TransportError,
    redact_headers,
)
from ._ir import ApiSpec, Operation, Operations, Server
from ._logging import logger, warn_caller
from ._names import CLIENT_ATTRIBUTES, MERGEABLE_GROUPS, check_member_names
from ._operation import (
    VALIDATE_MODES,
    Contract,
    Drift,
    ErrorClasses,
    PreparedOperation,
    SpecRuntime,
    ValidateMode,
    runtime_for,
)
from ._options import (
    KEEP,
    OPTIONS_DOC,
    UNSET,
    VALIDATE_MODES_DOC,
    WITH_OPTIONS_DOC,
    check_deadline,
    check_flag,
    check_headers,
    check_hooks,
    check_max_bytes,
    check_mode,
    check_names,
    check_retry,
    check_text,
    check_timeout,
)
from ._pagination import PageCursor
from ._raw import AsyncRawClient, RawClient, RawResponse
from ._retry import RetryPolicy, RetryState
from ._secrets import Secret as _Secret
from ._secrets import clip, scrub, scrub_value, token_problem
from ._spec import SpecSource, load_spec
from ._validation import Engine
from ._version import __version__

if TYPE_CHECKING:
    from ._webhooks import Webhooks, WebhookValidation

__all__ = [
    "DEFAULT_MAX_RESPONSE_BYTES",
    "DEFAULT_TIMEOUT",
    "AfterResponse",
    "AsyncClient",
    "BeforeRequest",
    "Client",
    "OperationGroup",
]


#: 30 s overall, 10 s to connect: finite, so a silent server can never hang a call.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The environment variable read for the token when ``access_token`` is not given.
DEFAULT_TOKEN_ENV = "POLAR_ACCESS_TOKEN"
#: The header that pins the API version (and that the server echoes).
DEFAULT_VERSION_HEADER = "Polar-Version"
#: The largest response body (decoded) a call reads: 32 MiB. Polar's answers are far
#: smaller (a 100-customer page is about 60 KB); only a CSV export of a very large
#: organization could come near it (raise it with ``max_response_bytes=``).
DEFAULT_MAX_RESPONSE_BYTES = 32 * 1024 * 1024

BeforeRequest = Callable[[str, httpx.Request], Any]
AfterResponse = Callable[[str, httpx.Request, httpx.Response], Any]

_USER_AGENT = f"dynclient/{__version__}"
_BEARER_TYPES = frozenset({"oauth2", "openIdConnect"})
_DATED_VERSION = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
#: an async call waiting to retry checks this often whether its client was closed
_SLEEP_SLICE = 0.1
_ENGINES = ("auto", "python", "rs")
_Self = TypeVar("_Self", bound="_ClientBase")
_E = TypeVar("_E", bound=BaseException)


class OperationGroup:
    """A namespace of operations (``client.<group>``), made from operationId segments."""

    def __init__(self, path: tuple[str, ...]) -> None:
        self._path = path

    def __repr__(self) -> str:
        names = sorted(k for k in vars(self) if not k.startswith("_"))
        shown = ", ".join(clip(n, 40) for n in names[:6]) + (f", ... ({len(names) - 6} more)" if len(names) > 6 else "")
        return f"<operation group {clip('.'.join(self._path), 60)}: {shown}>"


class _MethodGroup(OperationGroup):
    """A top-level group that joins the client method of its name (``_names.MERGEABLE_GROUPS``):
    calling it calls the method; its attributes are the group's operations."""

    def __init__(self, path: tuple[str, ...], method: Callable[..., Any]) -> None:
        super().__init__(path)
        self._method = method
        self.__doc__ = method.__doc__

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._method(*args, **kwargs)


def _pick_server(servers: Sequence[Server], server: str | int | None) -> Server:
    if server is None:
        return servers[0]
    if isinstance(server, bool) or not isinstance(server, str | int):
        raise ConfigurationError(f"server must be a server's id, description or index, not {type(server).__name__}")
    if isinstance(server, int):
        try:
            return servers[server]
        except IndexError:
            raise ConfigurationError(f"server index {server} out of range (the spec has {len(servers)})") from None
    for s in servers:
        if s.matches(server):
            return s
    known = ", ".join(s.id or s.description or s.url for s in servers)
    raise ConfigurationError(f"unknown server {server!r}; the spec declares: {known}")


def _origin_of(base_url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) of the base URL; every request must go there and nowhere else."""
    try:
        url = httpx.URL(base_url)
    except (httpx.InvalidURL, ValueError, TypeError):
        raise ConfigurationError(f"base URL {base_url[:200]!r} is not a valid URL") from None
    if url.scheme not in ("http", "https") or not url.host:
        raise ConfigurationError(f"base URL {base_url[:200]!r} must be an absolute http(s) URL")
    return url.scheme, url.host, url.port


def _check_read(response: httpx.Response, limit: int, started: float) -> None:
    """The size check for a response whose body a transport already holds in memory (httpx
    then never sets ``elapsed``: it is set here, from when the attempt started)."""
    if len(response.content) > limit:
        raise BodyTooLarge
    response.elapsed = datetime.timedelta(seconds=time.perf_counter() - started)


class _DeadlinePassed(Exception):
    """Internal: the call's deadline passed in the middle of an attempt."""


class _ClientBase:
    """State and logic shared by the sync and async clients."""

    _http: Any
    #: the httpx client class this kind of client sends with
    _http_type: type[httpx.Client] | type[httpx.AsyncClient]

    def __init__(
        self,
        spec: SpecSource | None = None,
        *,
        http_client: httpx.Client | httpx.AsyncClient | None = None,
        tags: Iterable[str] | None = None,
        operations: Iterable[str] | None = None,
        base_url: str | None = None,
        server: str | int | None = None,
        access_token: str | None = None,
        token_env: str = DEFAULT_TOKEN_ENV,
        timeout: float | httpx.Timeout | None = UNSET,
        deadline: float | None = None,
        validate_responses: ValidateMode = "compatible",
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        api_version: bool | str = "spec",
        version_header: str = DEFAULT_VERSION_HEADER,
        before_request: Sequence[BeforeRequest] = (),
        after_response: Sequence[AfterResponse] = (),
        log_bodies: bool = False,
        engine: Engine = "auto",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if http_client is not None and not isinstance(http_client, self._http_type):
            wanted = f"httpx.{self._http_type.__name__}"
            raise ConfigurationError(f"{type(self).__name__} needs an {wanted}, not {type(http_client).__name__}")
        if spec is not None and not isinstance(spec, str | os.PathLike | Mapping | ApiSpec):
            raise ConfigurationError(
                f"spec must be a path, an http(s) URL, a parsed document or an ApiSpec, not {type(spec).__name__}"
            )
        check_mode(validate_responses, VALIDATE_MODES)
        if engine not in _ENGINES:
            raise ConfigurationError(f"engine must be one of {', '.join(map(repr, _ENGINES))}")
        #: the loaded spec: metadata, servers, operations, webhooks and the document
        self.spec: ApiSpec = load_spec(
            spec, tags=check_names(tags, "tags"), operations=check_names(operations, "operations")
        )
        #: every operation by name, read-only (``client.operations["pets_get"]``)
        self.operations: Operations = self.spec.by_name
        self._runtime: SpecRuntime = runtime_for(self.spec, engine)
        self.errors: ErrorClasses = self._runtime.errors
        self.server: Server = _pick_server(self.spec.servers, server)
        self.base_url: str = (check_text(base_url, "base_url", optional=True) or self.server.url).rstrip("/")
        self._origin = _origin_of(self.base_url)
        self._token = _token_secret(access_token, check_text(token_env, "token_env"))
        self._timeout: Any = check_timeout(timeout)
        self.validate_responses: ValidateMode = validate_responses
        self.retry: RetryPolicy = check_retry(retry)
        #: only the codings _body decodes with a bound on the output
        self._headers: dict[str, str] = {
            "User-Agent": _USER_AGENT,
            "Accept": "application/json",
            "Accept-Encoding": ACCEPT_ENCODING,
        }
        #: the header that carries the API version (and the server's echo of it)
        self.version_header: str = check_text(version_header, "version_header")
        version = _version_to_send(api_version, self.spec.version)
        if version is not None:
            self._headers[version_header] = version
        self._headers.update(check_headers(headers, "headers"))
        check_headers(self._headers, "headers, api_version or version_header")
        self._drift = DriftLedger()  # what this client (and its with_options clones) reported
        self._set_contract()
        #: the overall bound of one call (connect, send, receive and retries), or None
        self.deadline: float | None = check_deadline(deadline)
        #: the largest response body (decoded) a call reads
        self.max_response_bytes: int = check_max_bytes(max_response_bytes)
        # set when this client closes; a with_options() clone also watches its parents'
        self._closed_by: tuple[threading.Event, ...] = (threading.Event(),)
        self._raw_facade: Any = None
        self._before = check_hooks(before_request, "before_request")
        self._after = check_hooks(after_response, "after_response")
        self._log_bodies = check_flag(log_bodies, "log_bodies")
        self._owns_http = True
        # the headers an owned pool already sends by default (see _request); None: send them each time
        self._baked: dict[str, str] | None = None
        self._attach_groups()
        self._use_http(http_client, self._http_type)

    # -- public, shared -----------------------------------------------------------------
    @property
    def spec_version(self) -> str:
        """The spec's ``info.version``."""
        return self.spec.version

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical spec document."""
        return self.spec.fingerprint

    def with_options(
        self: _Self,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = KEEP,
        validate_responses: ValidateMode | None = None,
        headers: Mapping[str, str] | None = None,
        deadline: float | None = KEEP,
        max_response_bytes: int | None = None,
    ) -> _Self:
        """A client sharing this one's connection pool, with some options changed.

        Closing the derived client leaves the pool open; close the original. Closing the
        original closes every client derived from it: their calls raise ``ClientClosedError``.
        """
        clone = copy.copy(self)
        clone._owns_http = False
        clone._closed_by = (*self._closed_by, threading.Event())
        clone._raw_facade = None
        if deadline is not KEEP:
            clone.deadline = check_deadline(deadline)
        if max_response_bytes is not None:
            clone.max_response_bytes = check_max_bytes(max_response_bytes)
        if retry is not None:
            clone.retry = check_retry(retry)
        if timeout is not KEEP:
            clone._timeout = check_timeout(timeout)
        if validate_responses is not None:
            check_mode(validate_responses, VALIDATE_MODES)
            clone.validate_responses = validate_responses
        if headers:
            clone._headers = {**self._headers, **check_headers(headers, "with_options(headers=)")}
            clone._set_contract()
        clone._attach_groups()
        return clone

    def webhooks(
        self, secret: str | bytes, *, tolerance: float = 300, validate: WebhookValidation = "compatible"
    ) -> Webhooks:
        """``dynclient.Webhooks`` for this client's spec, sharing its schema engine (see there).

        When the spec's operations form a ``webhooks`` group (Polar's full spec does), that group
        joins this method: ``client.webhooks(secret)`` still returns ``Webhooks`` and
        ``client.webhooks.<operation>()`` calls the group's operations.
        """
        from ._webhooks import Webhooks

        return Webhooks._for_runtime(secret, self._runtime, tolerance, validate)

    def build_request(self, operation: str, /, **arguments: Any) -> httpx.Request:
        """Validate and build the request ``call()`` would send, without sending it."""
        return self._request(self._prepared(operation), arguments)

    @property
    def closed(self) -> bool:
        """Whether this client (or the one it was derived from) was closed."""
        return any(event.is_set() for event in self._closed_by)

    def __repr__(self) -> str:
        closed = ", closed" if self.closed else ""
        return (
            f"<{type(self).__name__} {clip(self.spec.title, 60)!r} {clip(self.spec.version, 32)}: "
            f"{len(self.operations)} operations at {clip(self.base_url, 80)}, "
            f"token {'set' if self._token else 'unset'}{closed}>"
        )

    def _set_contract(self) -> None:
        """``api_version`` (what the headers really send) and the decoding context, once per client."""
        wanted = self.version_header.lower()
        sent = next((v for k, v in self._headers.items() if k.lower() == wanted), None)
        #: the API version sent with every request (None: none)
        self.api_version: str | None = sent
        self._contract = Contract(sent, self.version_header, self.spec.version, self._drift)

    def _use_http(self, http_client: Any, factory: Callable[..., Any]) -> None:
        """Adopt the caller's httpx client as-is, or make (and own) one with our defaults."""
        if http_client is not None:
            self._http = http_client
            self._owns_http = False
        else:
            timeout = DEFAULT_TIMEOUT if self._timeout is UNSET else self._timeout
            # no cookie jar: the API authenticates with the token, and a server's Set-Cookie
            # would otherwise be stored and sent back on every later request (a non-ASCII one
            # broke each of them with a raw UnicodeEncodeError)
            jar = http.cookiejar.CookieJar(policy=http.cookiejar.DefaultCookiePolicy(allowed_domains=()))
            self._http = factory(timeout=timeout, headers=self._headers, cookies=jar)
            self._baked = self._headers  # merged once here, not on every request

    def _cursor(self, operation: str, arguments: Mapping[str, Any], max_pages: int | None) -> PageCursor:
        return PageCursor(self._prepared(operation).op, arguments, max_pages)

    def _mark_closed(self) -> None:
        self._closed_by[-1].set()

    def _closed_error(self, op: str) -> ClientClosedError:
        return ClientClosedError(f"{op}: the client was closed (close()/aclose()); make a new one")

    def _raw(self, value: Any, response: httpx.Response) -> RawResponse[Any]:
        return RawResponse(
            parsed=value,
            status_code=response.status_code,
            headers=response.headers,
            api_version=response.headers.get(self.version_header),
            elapsed=response.elapsed,
            http_response=response,
        )

    # -- building -----------------------------------------------------------------------
    def _prepared(self, operation: str) -> PreparedOperation:
        if operation not in self.operations:
            import difflib

            hint = difflib.get_close_matches(operation, self.spec.names, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ConfigurationError(f"unknown operation {operation!r}{suggestion}")
        return self._runtime.prepared(operation)

    def _auth_headers(self, op: Operation) -> dict[str, str]:
        if self._token is None or not op.security:
            return {}
        schemes = {s.name: s for s in self.spec.security_schemes}
        for requirement in op.security:
            for name, _scopes in requirement.schemes:
                scheme = schemes.get(name)
                if scheme is None:
                    continue
                bearer = scheme.type == "http" and (scheme.scheme or "").lower() == "bearer"
                if bearer or scheme.type in _BEARER_TYPES:
                    return {"Authorization": f"Bearer {self._token.reveal()}"}
                if scheme.type == "apiKey" and scheme.location == "header" and scheme.parameter_name:
                    return {scheme.parameter_name: self._token.reveal()}
        return {}

    def _request(self, prep: PreparedOperation, arguments: Mapping[str, Any]) -> httpx.Request:
        try:
            parts = prep.parts(arguments)
        except DynclientError as exc:  # a value echoed in a message must not carry the token
            raise self._scrubbed(exc)  # noqa: B904 - the same exception, re-raised
        auth = self._auth_headers(prep.op)
        if self._baked is self._headers:  # our pool's defaults already are self._headers
            headers = {**parts.headers, **auth} if parts.headers else auth
        else:
            headers = {**self._headers, **parts.headers, **auth}
        kwargs: dict[str, Any] = {}
        if self._timeout is not UNSET:
            kwargs["timeout"] = self._timeout
        try:
            request: httpx.Request = self._http.build_request(
                parts.method,
                self.base_url + parts.path,
                params=parts.query or None,
                headers=headers,
                content=parts.content,
                **kwargs,
            )
        except (httpx.InvalidURL, ValueError, TypeError) as exc:  # UnicodeEncodeError is a ValueError
            reason = clip(self._scrub(f"{type(exc).__name__}: {exc}"), 200)
            raise RequestValidationError(
                prep.op.name, [FieldError.at(("request",), f"cannot be sent: {reason}", "request")]
            ) from None
        url = request.url
        if (url.scheme, url.host, url.port) != self._origin:
            # the spec's paths start with "/" (checked at load): this is defence in depth
            raise SpecError(
                f"{prep.op.name}: refused to send to {url.scheme}://{url.host}"
                f"{'' if url.port is None else f':{url.port}'}, which is not the base URL's origin "
                f"{self._origin[0]}://{self._origin[1]}{'' if self._origin[2] is None else f':{self._origin[2]}'}",
                prep.op.pointer,
            )
        return request

    # -- the attempt loop's shared decisions ------------------------------------------------
    def _scrub(self, text: str) -> str:
        """``text`` with every token value replaced, wherever it turns up (headers, echoed
        bodies), escaped forms included (``_secrets.scrub``)."""
        return scrub(text)

    def _log_request(self, op: str, request: httpx.Request, attempt: int) -> None:
        """One DEBUG record per attempt sent (its body too, with ``log_bodies``)."""
        if logger.isEnabledFor(logging.DEBUG):
            headers = {k: self._scrub(v) for k, v in redact_headers(request.headers).items()}
            body = _logged_body(request.content) if self._log_bodies and request.content else None
            logger.debug(
                "request %s %s (operation=%s attempt=%d headers=%s)%s",
                request.method,
                request.url,
                op,
                attempt,
                headers,
                "" if body is None else f" body: {body}",
            )

    def _on_exchange_error(self, op: str, request: httpx.Request, state: RetryState, exc: Exception) -> float:
        """Seconds to wait before retrying, or raise the error the caller sees (always ours)."""
        if self.closed or getattr(self._http, "is_closed", False):
            raise self._closed_error(op) from exc
        if state.expired() or isinstance(exc, _DeadlinePassed):
            logger.info(  # raised: below WARNING (the exception is how the caller learns of it)
                "deadline of %gs passed %s %s (operation=%s attempt=%d)",
                state.deadline,
                request.method,
                request.url,
                op,
                state.attempt,
            )
            raise DeadlineExceeded(
                op, f"the call's deadline of {state.deadline:g} s passed", request, state.attempt
            ) from (None if isinstance(exc, _DeadlinePassed) else exc)  # an httpx timeout is worth keeping
        attempt = state.attempt
        wait = state.after_error(exc) if isinstance(exc, httpx.RequestError) else None
        logger.info(  # retried, or raised: below WARNING either way
            "transport error %s %s: %s (operation=%s attempt=%d%s)",
            request.method,
            request.url,
            type(exc).__name__,
            op,
            attempt,
            f" retry in {wait:.2f}s" if wait is not None else "",
        )
        if wait is None:
            cls = RequestTimeout if isinstance(exc, httpx.TimeoutException) else TransportError
            raise cls(op, self._scrub(f"{type(exc).__name__}: {exc}"), request, state.attempt) from exc
        return wait

    def _retry_state(self, request: httpx.Request) -> RetryState:
        return RetryState(self.retry, request.method, deadline=self.deadline)

    @staticmethod
    def _fit_timeouts(request: httpx.Request, state: RetryState, base: Mapping[str, float | None]) -> float:
        """Cap each phase's timeout (connect, write, read, pool) at what is left of the deadline,
        so no single wait can outlast it; the seconds left, or raise when none are."""
        left = state.remaining()
        if left <= 0:
            raise _DeadlinePassed
        request.extensions["timeout"] = {k: left if v is None else min(v, left) for k, v in base.items()}
        return left

    def _too_large(self, op: str, response: httpx.Response, state: RetryState) -> ResponseTooLargeError:
        logger.info(  # raised: below WARNING
            "response %s %s -> %d larger than max_response_bytes=%d; reading stopped (operation=%s)",
            response.request.method,
            response.request.url,
            response.status_code,
            self.max_response_bytes,
            op,
        )
        return self._scrubbed(ResponseTooLargeError(op, response, self.max_response_bytes, attempts=state.attempt))

    def _finish_total(self, prep: PreparedOperation, response: httpx.Response, attempts: int) -> Any:
        """``_finish``, with anything unforeseen that server data makes the decoding raise
        turned into a ResponseValidationError: only this package's errors reach a caller."""
        try:
            return self._finish(prep, response, attempts)
        except DynclientError:
            raise
        except MemoryError:
            raise
        except Exception as exc:
            problem = ResponseValidationError(
                prep.op.name,
                response,
                [FieldError.at(("body",), f"cannot be decoded: {type(exc).__name__}", "decode")],
                attempts=attempts,
            )
            raise self._scrubbed(problem) from exc

    def _on_response(
        self, op: str, request: httpx.Request, response: httpx.Response, state: RetryState, started: float
    ) -> float | None:
        """Log the response (one record: DEBUG, INFO when it is retried; its body too, with
        ``log_bodies``); seconds to wait before retrying it, or None to keep it."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        attempt = state.attempt
        wait = state.after_response(response)
        level = logging.DEBUG if wait is None else logging.INFO
        if logger.isEnabledFor(level):
            with_body = self._log_bodies and logger.isEnabledFor(logging.DEBUG)
            logger.log(
                level,
                "response %s %s -> %d in %.1f ms (operation=%s attempt=%d%s)%s",
                request.method,
                request.url,
                response.status_code,
                elapsed_ms,
                op,
                attempt,
                f" retry in {wait:.2f}s" if wait is not None else "",
                f" body: {_logged_body(response.content)}" if with_body else "",
            )
        return wait

    def _finish(self, prep: PreparedOperation, response: httpx.Response, attempts: int) -> Any:
        contract = self._contract
        if contract.sent_version is not None:
            echo = response.headers.get(contract.version_header)
            if echo is not None and echo.strip() != contract.sent_version and contract.ledger.once("api-version"):
                self._version_mismatch(prep.op.name, echo.strip(), contract)
        try:
            value, problem = prep.decode(response, self.validate_responses, attempts, contract=contract)
        except DynclientError as exc:
            exc = self._scrubbed(exc)  # every kept attribute, headers included
            raise exc from exc.__cause__
        if isinstance(problem, Drift):
            for error, more in zip(problem.errors, problem.more, strict=True):
                message = self._scrub(drift_message(problem.operation, error, contract.spec_version, more))
                logger.info("%s", message)
                warn_caller(message, ResponseDriftWarning)
        elif problem is not None:
            problem = self._scrubbed(problem)
            if self.validate_responses in ("strict", "compatible"):
                raise problem
            # warned: the report is the warning; the log gets one line (below WARNING)
            logger.info(
                "%s: response HTTP %d does not match the spec (%d problem(s)); returned with a "
                "ResponseValidationWarning (validate_responses='warn')",
                problem.operation,
                problem.status_code,
                len(problem.errors),
            )
            warn_caller(str(problem), ResponseValidationWarning)
        return value

    def _version_mismatch(self, operation: str, echo: str, contract: Contract) -> None:
        message = self._scrub(
            f"{operation}: the server answered in API version {echo!r}, but the client sent "
            f"{contract.sent_version!r} ({contract.version_header}); answers are checked against the spec "
            f"({contract.spec_version}). Pin a version the server supports (Client(api_version=...)) or "
            "update the spec (`dynclient spec update`) (reported once per client)"
        )
        logger.info("%s", message)
        warn_caller(message, ApiVersionWarning)

    def _scrubbed(self, exc: _E) -> _E:
        """``exc`` with every token removed from its message and kept values (a server may echo
        it, escaped or not; a caller may pass it as an argument)."""
        exc.args = _scrub_value(exc.args)
        for name, kept in list(vars(exc).items()):
            clean = _scrub_value(kept)
            if clean is not kept:
                setattr(exc, name, clean)
        return exc

    # -- groups -------------------------------------------------------------------------
    def _make_method(self, op: Operation) -> Callable[..., Any]:
        raise NotImplementedError

    def _attach_groups(self, root: Any = None, make: Callable[[Operation], Callable[..., Any]] | None = None) -> None:
        """Operation groups and methods on ``root`` (this client, or its ``with_raw_response``).

        No spec name may shadow a member of the client (the rule: ``_names``); the attributes
        this instance holds count too, except the groups and methods attached here before (a
        with_options() clone re-attaches fresh ones), and so do a subclass's members.
        """
        root = self if root is None else root
        make = self._make_method if make is None else make
        if root is self:
            own = vars(self).keys() - getattr(self, "_spec_members", frozenset())
            members = client_member_names() | own | set(dir(type(self)))
        else:
            members = set(dir(type(root)))
        check_member_names(self.spec, members, MERGEABLE_GROUPS if root is self else frozenset())
        made: dict[tuple[str, ...], OperationGroup] = {}
        top: set[str] = set()
        for op in self.spec:
            target: Any = root
            top.add(op.group[0] if op.group else op.method_name)
            for i, segment in enumerate(op.group):
                key = op.group[: i + 1]
                node = made.get(key)
                if node is None:  # fresh groups each time: a with_options() clone never shares them
                    if i == 0 and root is self and segment in MERGEABLE_GROUPS:
                        node = made[key] = _MethodGroup(key, getattr(type(self), segment).__get__(self))
                    else:
                        node = made[key] = OperationGroup(key)
                    setattr(target, segment, node)
                target = node
            method = make(op)
            method.__name__ = op.method_name
            method.__qualname__ = ".".join((*op.group, op.method_name))
            method.__doc__, method.__signature__ = self._runtime.described(op)  # type: ignore[attr-defined]
            setattr(target, op.method_name, method)
        if root is self:
            self._spec_members = frozenset(top)


def _version_to_send(api_version: object, spec_version: str) -> str | None:
    """The API version a client sends for its ``api_version`` option (None: none).

    ``"spec"`` (the default): the spec's ``info.version`` when it is dated (``YYYY-MM`` or
    ``YYYY-MM-DD``), else nothing, silently (most APIs do not version by date). ``True``
    insists: an undated spec version is a ConfigurationError. ``False``/``None``: nothing.
    A string: that value.
    """
    if api_version is None or api_version is False:
        return None
    if api_version is True or api_version == "spec":
        if _DATED_VERSION.match(spec_version):
            return spec_version
        if api_version is True:
            raise ConfigurationError(f"the spec's info.version {spec_version!r} is not a dated version (YYYY-MM)")
        return None
    if not isinstance(api_version, str) or not api_version.strip():
        raise ConfigurationError("api_version must be 'spec', True, False or a non-empty version string")
    return api_version


def _scrub_value(value: Any) -> Any:
    """``value`` (text, containers, ``FieldError``, an ``httpx.Request``) with every token
    scrubbed; the same object when there was nothing to scrub."""
    if isinstance(value, httpx.Request):
        url = str(value.url)
        clean = scrub(url)
        if clean == url:
            return value
        try:
            return httpx.Request(value.method, clean, headers=value.headers)
        except (httpx.InvalidURL, ValueError):  # pragma: no cover - "[redacted]" parses anywhere so far
            return None
    return scrub_value(value)


def _token_secret(access_token: Any, token_env: str) -> _Secret | None:
    """The token (from ``access_token``, else the environment), or None; InvalidTokenError
    for one that cannot be sent. The error never contains the token, whole or in part."""
    source = "access_token" if access_token is not None else f"${token_env}"
    token = access_token if access_token is not None else os.environ.get(token_env)
    if not token:
        return None
    if not isinstance(token, str):
        raise InvalidTokenError(f"the access token ({source}) must be a str, not {type(token).__name__}")
    problem = token_problem(token)
    if problem is not None:
        raise InvalidTokenError(
            f"the access token ({source}) {problem}: a token must be visible ASCII characters only "
            "(strip it, or check where it was read from)"
        )
    return _Secret(token)


#: Characters of a request or response body shown in the DEBUG log (``log_bodies=True``).
LOGGED_BODY_LIMIT = 4096


def _logged_body(content: bytes) -> str:
    """The start of a body for the log: scrubbed whole (up to a margin past the limit), then cut."""
    window = content[: 2 * LOGGED_BODY_LIMIT + 4096]
    return clip(window.decode("utf-8", "replace"), LOGGED_BODY_LIMIT)


def _client_doc(summary: str, http_type: str, hooks: str) -> str:
    """The docstring of a client class: what it is, how to call it, every option."""
    options = OPTIONS_DOC.format(
        http_type=http_type,
        token_env=DEFAULT_TOKEN_ENV,
        version_header=DEFAULT_VERSION_HEADER,
        modes=VALIDATE_MODES_DOC,
        hooks=hooks,
        max_mib=DEFAULT_MAX_RESPONSE_BYTES // 2**20,
    )
    return (
        f"{summary}\n\n"
        '``client.call("pets_list", limit=10)`` and ``client.pets.list(limit=10)`` are the same call\n'
        "(the operation names and groups come from the spec); ``client.operations`` maps every\n"
        "operation's name to its description; ``invoke()`` is the untyped escape hatch.\n" + options
    )


def _reject_awaitable(result: Any, hook: Any) -> None:
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if close is not None:
            close()
        raise TypeError(f"hook {hook!r} is async; use it with AsyncClient")


class Client(_ClientBase):
    __doc__ = _client_doc(
        "A synchronous client for every operation of a spec.",
        "httpx.Client",
        "sync functions",
    )

    _http_type = httpx.Client

    def _use_http(self, http_client: Any, factory: Callable[..., Any]) -> None:
        super()._use_http(http_client, factory)
        if self._owns_http:  # every socket wait of our own pool is capped at the deadline
            _deadline.install(self._http)

    def _make_method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        def method(**arguments: Any) -> Any:
            return self.call(name, **arguments)

        return method

    @property
    def with_raw_response(self) -> RawClient:
        """The same calls (``call``, the operation groups), each returning a ``RawResponse``."""
        if self._raw_facade is None:
            self._raw_facade = RawClient(self)
        return self._raw_facade  # type: ignore[no-any-return]

    def call(self, operation: str, /, **arguments: Any) -> Any:
        """Call ``operation`` with the spec's parameters as keyword arguments (``body=`` for the body)."""
        return self._exchange(operation, arguments)[0]

    def _exchange(self, operation: str, arguments: Mapping[str, Any]) -> tuple[Any, httpx.Response]:
        """One call, retries included: the result and the response it came from."""
        prep = self._prepared(operation)
        request = self._request(prep, arguments)
        state = self._retry_state(request)
        name = prep.op.name
        base = dict(request.extensions.get("timeout") or {}) if state.ends_at is not None else {}
        while True:
            if self.closed:
                raise self._closed_error(name)
            for hook in self._before:
                _reject_awaitable(hook(name, request), hook)
            self._log_request(name, request, state.attempt)
            started = time.perf_counter()
            try:
                response = self._attempt(name, request, state, base)
            except (httpx.HTTPError, httpx.StreamError, RuntimeError, ValueError, _DeadlinePassed) as exc:
                self._pause(self._on_exchange_error(name, request, state, exc))
                continue
            if self.closed:  # closed while this call was in flight
                raise self._closed_error(name)
            for after in self._after:
                _reject_awaitable(after(name, request, response), after)
            wait = self._on_response(name, request, response, state, started)
            if wait is None:
                return self._finish_total(prep, response, state.attempt), response
            self._pause(wait)

    def _attempt(
        self, name: str, request: httpx.Request, state: RetryState, base: Mapping[str, float | None]
    ) -> httpx.Response:
        """Send once and read the body within ``max_response_bytes`` (and the deadline, if any)."""
        if state.ends_at is None:
            return self._send_and_read(name, request, state, base)
        token = _deadline.ENDS_AT.set(state.ends_at)  # our pool caps each socket wait at it
        try:
            return self._send_and_read(name, request, state, base)
        finally:
            _deadline.ENDS_AT.reset(token)

    def _send_and_read(
        self, name: str, request: httpx.Request, state: RetryState, base: Mapping[str, float | None]
    ) -> httpx.Response:
        started = time.perf_counter()
        if state.ends_at is not None:  # also caps each phase of a pool passed in
            self._fit_timeouts(request, state, base)
        response: httpx.Response = self._http.send(request, stream=True)
        try:
            if response.is_stream_consumed:  # a transport that built it from bytes (MockTransport)
                _check_read(response, self.max_response_bytes, started)
            else:
                reader = BodyReader(response.headers, self.max_response_bytes)
                if state.ends_at is None:
                    for chunk in response.iter_raw():
                        reader.feed(chunk)
                else:
                    self._fit_timeouts(request, state, base)  # the body's reads: what is left now
                    for chunk in response.iter_raw():
                        reader.feed(chunk)
                        if state.expired():
                            raise _DeadlinePassed
                response._content = reader.body()  # what httpx's own read() would have set
        except BodyTooLarge:
            response.close()
            raise self._too_large(name, response, state) from None
        except BaseException:
            response.close()
            raise
        return response

    def _pause(self, seconds: float) -> None:
        """Wait before a retry; closing the client cuts the wait short."""
        if seconds > 0:
            self._closed_by[0].wait(seconds)

    def invoke(self, operation: str, /, **arguments: Any) -> Any:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return self.call(operation, **arguments)

    def pages(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> Iterator[Any]:
        """Each page of a paginated operation, from ``page`` (default 1) to the last.

        An operation that is not paginated (or a bad ``page``/``max_pages``) raises
        ``ConfigurationError`` here, at the call, not at the first iteration."""
        return self._pages(self._cursor(operation, arguments, max_pages))

    def paginate(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> Iterator[Any]:
        """Every item of a paginated operation, across pages, in order.

        An operation that is not paginated (or a bad ``page``/``max_pages``) raises
        ``ConfigurationError`` here, at the call, not at the first iteration."""
        return self._items(self._cursor(operation, arguments, max_pages))

    def _pages(self, cursor: PageCursor) -> Iterator[Any]:
        while not cursor.done:
            result = self.call(cursor.operation, **cursor.arguments())
            cursor.advance(result)
            yield result

    def _items(self, cursor: PageCursor) -> Iterator[Any]:
        while not cursor.done:
            yield from cursor.advance(self.call(cursor.operation, **cursor.arguments()))

    def close(self) -> None:
        """Close the client: later calls, and calls in flight, raise ``ClientClosedError``.

        Closes the connection pool if this client made it (never one passed in, nor the
        pool of the client a ``with_options()`` clone came from).
        """
        self._mark_closed()
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_ClientBase):
    __doc__ = _client_doc(
        "The asynchronous twin of ``Client``: the same surface, ``await`` on each call.",
        "httpx.AsyncClient",
        "sync or async functions",
    )

    _http_type = httpx.AsyncClient

    def _make_method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        async def method(**arguments: Any) -> Any:
            return await self.call(name, **arguments)

        return method

    @property
    def with_raw_response(self) -> AsyncRawClient:
        """The same calls (``call``, the operation groups), each returning a ``RawResponse``."""
        if self._raw_facade is None:
            self._raw_facade = AsyncRawClient(self)
        return self._raw_facade  # type: ignore[no-any-return]

    async def call(self, operation: str, /, **arguments: Any) -> Any:
        """Call ``operation`` with the spec's parameters as keyword arguments (``body=`` for the body)."""
        return (await self._exchange(operation, arguments))[0]

    async def _exchange(self, operation: str, arguments: Mapping[str, Any]) -> tuple[Any, httpx.Response]:
        """One call, retries included: the result and the response it came from."""
        prep = self._prepared(operation)
        request = self._request(prep, arguments)
        state = self._retry_state(request)
        name = prep.op.name
        base = dict(request.extensions.get("timeout") or {}) if state.ends_at is not None else {}
        while True:
            if self.closed:
                raise self._closed_error(name)
            for hook in self._before:
                await _maybe_await(hook(name, request))
            self._log_request(name, request, state.attempt)
            started = time.perf_counter()
            try:
                if state.ends_at is None:
                    response = await self._attempt(name, request, state)
                else:
                    response = await self._attempt_within(name, request, state, base)
            except (httpx.HTTPError, httpx.StreamError, RuntimeError, ValueError, _DeadlinePassed) as exc:
                await self._pause(self._on_exchange_error(name, request, state, exc))
                continue
            if self.closed:  # closed while this call was in flight
                raise self._closed_error(name)
            for after in self._after:
                await _maybe_await(after(name, request, response))
            wait = self._on_response(name, request, response, state, started)
            if wait is None:
                return self._finish_total(prep, response, state.attempt), response
            await self._pause(wait)

    async def _attempt_within(
        self, name: str, request: httpx.Request, state: RetryState, base: Mapping[str, float | None]
    ) -> httpx.Response:
        """``_attempt`` cut off when the deadline passes, whatever it is waiting for."""
        import asyncio

        left = self._fit_timeouts(request, state, base)
        try:
            async with asyncio.timeout(left) as scope:
                return await self._attempt(name, request, state)
        except TimeoutError as exc:
            if scope.expired():
                raise _DeadlinePassed from exc
            raise

    async def _attempt(self, name: str, request: httpx.Request, state: RetryState) -> httpx.Response:
        """Send once and read the body within ``max_response_bytes``."""
        started = time.perf_counter()
        response: httpx.Response = await self._http.send(request, stream=True)
        try:
            if response.is_stream_consumed:  # a transport that built it from bytes (MockTransport)
                _check_read(response, self.max_response_bytes, started)
            else:
                reader = BodyReader(response.headers, self.max_response_bytes)
                async for chunk in response.aiter_raw():
                    reader.feed(chunk)
                response._content = reader.body()  # what httpx's own aread() would have set
        except BodyTooLarge:
            await response.aclose()
            raise self._too_large(name, response, state) from None
        except BaseException:
            await response.aclose()
            raise
        return response

    async def _pause(self, seconds: float) -> None:
        """Wait before a retry, in slices: closing the client cuts the wait short."""
        import asyncio  # here, not at the top: a sync-only program never pays for importing asyncio

        end = time.monotonic() + seconds
        while not self.closed and (left := end - time.monotonic()) > 0:
            await asyncio.sleep(min(left, _SLEEP_SLICE))

    async def invoke(self, operation: str, /, **arguments: Any) -> Any:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return await self.call(operation, **arguments)

    def pages(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> AsyncIterator[Any]:
        """Each page of a paginated operation (``async for``).

        An operation that is not paginated (or a bad ``page``/``max_pages``) raises
        ``ConfigurationError`` here, at the call, not at the first iteration."""
        return self._pages(self._cursor(operation, arguments, max_pages))

    def paginate(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> AsyncIterator[Any]:
        """Every item of a paginated operation (``async for``).

        An operation that is not paginated (or a bad ``page``/``max_pages``) raises
        ``ConfigurationError`` here, at the call, not at the first iteration."""
        return self._items(self._cursor(operation, arguments, max_pages))

    async def _pages(self, cursor: PageCursor) -> AsyncIterator[Any]:
        while not cursor.done:
            result = await self.call(cursor.operation, **cursor.arguments())
            cursor.advance(result)
            yield result

    async def _items(self, cursor: PageCursor) -> AsyncIterator[Any]:
        while not cursor.done:
            for item in cursor.advance(await self.call(cursor.operation, **cursor.arguments())):
                yield item

    async def aclose(self) -> None:
        """Close the client: later calls, and calls in flight, raise ``ClientClosedError``.

        Closes the connection pool if this client made it (never one passed in, nor the
        pool of the client a ``with_options()`` clone came from).
        """
        self._mark_closed()
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


_ClientBase.with_options.__doc__ = (_ClientBase.with_options.__doc__ or "") + textwrap.indent(
    WITH_OPTIONS_DOC.format(modes=VALIDATE_MODES_DOC), "        "
)


@functools.cache
def client_member_names() -> frozenset[str]:
    """Every name a client has of its own (both kinds): what no spec name may shadow
    (``_names``). Methods and properties from ``dir()``, instance attributes from
    ``_names.CLIENT_ATTRIBUTES``; private names are refused by their ``_`` anyway."""
    return frozenset(dir(Client)) | frozenset(dir(AsyncClient)) | CLIENT_ATTRIBUTES
