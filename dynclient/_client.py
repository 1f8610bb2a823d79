"""``Client`` and ``AsyncClient``: one request/response logic, two ways of waiting.

Everything that decides what goes on the wire or what comes back lives in
``_ClientBase`` and the sans-IO modules it uses (``_operation``, ``_retry``,
``_pagination``). The two subclasses only differ where they send, sleep and
call hooks.
"""

from __future__ import annotations

import copy
import functools
import inspect
import logging
import os
import re
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

import httpx

from ._errors import (
    ConfigurationError,
    DynclientError,
    InvalidTokenError,
    RequestTimeout,
    ResponseValidationWarning,
    TransportError,
    redact_headers,
)
from ._ir import ApiSpec, Operation, Server
from ._names import CLIENT_ATTRIBUTES, check_member_names
from ._operation import ErrorClasses, PreparedOperation, SpecRuntime, ValidateMode, runtime_for
from ._pagination import PageCursor
from ._retry import RetryPolicy, RetryState
from ._secrets import ScrubFilter, clip, scrub, scrub_value, token_problem
from ._secrets import Secret as _Secret
from ._spec import SpecSource, load_spec
from ._validation import Engine

__all__ = [
    "DEFAULT_TIMEOUT",
    "AfterResponse",
    "AsyncClient",
    "BeforeRequest",
    "Client",
    "OperationGroup",
]

logger = logging.getLogger("dynclient")
logger.addFilter(ScrubFilter())  # no log line of ours carries a token, whatever it quotes

#: 30 s overall, 10 s to connect: finite, so a silent server can never hang a call.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
#: The environment variable read for the token when ``access_token`` is not given.
DEFAULT_TOKEN_ENV = "POLAR_ACCESS_TOKEN"
#: The header that pins the API version when ``api_version`` is set.
DEFAULT_VERSION_HEADER = "Polar-Version"

BeforeRequest = Callable[[str, httpx.Request], Any]
AfterResponse = Callable[[str, httpx.Request, httpx.Response], Any]

_USER_AGENT = "dynclient/0.1"
_BEARER_TYPES = frozenset({"oauth2", "openIdConnect"})
_DATED_VERSION = re.compile(r"^\d{4}-\d{2}(-\d{2})?$")
_Self = TypeVar("_Self", bound="_ClientBase")
_E = TypeVar("_E", bound=BaseException)


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET: Any = _Unset()


class OperationGroup:
    """A namespace of operations (``client.<group>``), made from operationId segments."""

    def __init__(self, path: tuple[str, ...]) -> None:
        self._path = path

    def __repr__(self) -> str:
        names = sorted(k for k in vars(self) if not k.startswith("_"))
        return f"<operation group {'.'.join(self._path)}: {', '.join(names)}>"


def _pick_server(servers: Sequence[Server], server: str | int | None) -> Server:
    if server is None:
        return servers[0]
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


class _ClientBase:
    """State and logic shared by the sync and async clients."""

    _http: Any

    def __init__(
        self,
        spec: SpecSource | None = None,
        *,
        tags: Iterable[str] | None = None,
        operations: Iterable[str] | None = None,
        base_url: str | None = None,
        server: str | int | None = None,
        access_token: str | None = None,
        timeout: float | httpx.Timeout | None = _UNSET,
        validate_responses: ValidateMode = "strict",
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        api_version: bool | str = False,
        version_header: str = DEFAULT_VERSION_HEADER,
        token_env: str = DEFAULT_TOKEN_ENV,
        before_request: Sequence[BeforeRequest] = (),
        after_response: Sequence[AfterResponse] = (),
        log_bodies: bool = False,
        engine: Engine = "auto",
    ) -> None:
        if validate_responses not in ("strict", "warn", "off"):
            raise ConfigurationError("validate_responses must be 'strict', 'warn' or 'off'")
        self.operations: ApiSpec = load_spec(spec, tags=tags, operations=operations)
        self._runtime: SpecRuntime = runtime_for(self.operations, engine)
        self.errors: ErrorClasses = self._runtime.errors
        self.server: Server = _pick_server(self.operations.servers, server)
        self.base_url: str = (base_url or self.server.url).rstrip("/")
        self._token = _token_secret(access_token, token_env)
        self._timeout: Any = _UNSET if timeout is _UNSET else timeout
        self.validate_responses: ValidateMode = validate_responses
        self.retry: RetryPolicy = retry if retry is not None else RetryPolicy()
        self._headers: dict[str, str] = {"User-Agent": _USER_AGENT, "Accept": "application/json"}
        if api_version:
            version = self.operations.version if api_version is True else str(api_version)
            if api_version is True and not _DATED_VERSION.match(version):
                raise ConfigurationError(f"the spec's info.version {version!r} is not a dated version (YYYY-MM)")
            self._headers[version_header] = version
        self._headers.update(headers or {})
        self._before = tuple(before_request)
        self._after = tuple(after_response)
        self._log_bodies = log_bodies
        self._owns_http = True
        # the headers an owned pool already sends by default (see _request); None: send them each time
        self._baked: dict[str, str] | None = None
        self._attach_groups()

    # -- public, shared -----------------------------------------------------------------
    @property
    def spec_version(self) -> str:
        """The spec's ``info.version``."""
        return self.operations.version

    @property
    def fingerprint(self) -> str:
        """sha256 of the canonical spec document."""
        return self.operations.fingerprint

    def with_options(
        self: _Self,
        *,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout | None = _UNSET,
        validate_responses: ValidateMode | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> _Self:
        """A client sharing this one's connection pool, with some options changed.

        Closing the derived client leaves the pool open; close the original.
        """
        clone = copy.copy(self)
        clone._owns_http = False
        if retry is not None:
            clone.retry = retry
        if timeout is not _UNSET:
            clone._timeout = timeout
        if validate_responses is not None:
            if validate_responses not in ("strict", "warn", "off"):
                raise ConfigurationError("validate_responses must be 'strict', 'warn' or 'off'")
            clone.validate_responses = validate_responses
        if headers:
            clone._headers = {**self._headers, **headers}
        clone._attach_groups()
        return clone

    def build_request(self, operation: str, /, **arguments: Any) -> httpx.Request:
        """Validate and build the request ``call()`` would send, without sending it."""
        return self._request(self._prepared(operation), arguments)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(spec={self.operations.title!r} {self.operations.version!r}, "
            f"base_url={self.base_url!r}, operations={len(self.operations)}, "
            f"token={'set' if self._token else 'unset'})"
        )

    def _use_http(self, http_client: Any, factory: Callable[..., Any]) -> None:
        """Adopt the caller's httpx client as-is, or make (and own) one with our defaults."""
        if http_client is not None:
            self._http = http_client
            self._owns_http = False
        else:
            timeout = DEFAULT_TIMEOUT if self._timeout is _UNSET else self._timeout
            self._http = factory(timeout=timeout, headers=self._headers)
            self._baked = self._headers  # merged once here, not on every request

    def _cursor(self, operation: str, arguments: Mapping[str, Any], max_pages: int | None) -> PageCursor:
        return PageCursor(self._prepared(operation).op, arguments, max_pages)

    # -- building -----------------------------------------------------------------------
    def _prepared(self, operation: str) -> PreparedOperation:
        if operation not in self.operations:
            import difflib

            hint = difflib.get_close_matches(operation, self.operations.names, n=1)
            suggestion = f"; did you mean {hint[0]!r}?" if hint else ""
            raise ConfigurationError(f"unknown operation {operation!r}{suggestion}")
        return self._runtime.prepared(operation)

    def _auth_headers(self, op: Operation) -> dict[str, str]:
        if self._token is None or not op.security:
            return {}
        schemes = {s.name: s for s in self.operations.security_schemes}
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
        if self._timeout is not _UNSET:
            kwargs["timeout"] = self._timeout
        return self._http.build_request(  # type: ignore[no-any-return]
            parts.method,
            self.base_url + parts.path,
            params=parts.query or None,
            headers=headers,
            content=parts.content,
            **kwargs,
        )

    # -- the attempt loop's shared decisions ------------------------------------------------
    def _scrub(self, text: str) -> str:
        """``text`` with every token value replaced, wherever it turns up (headers, echoed
        bodies), escaped forms included (``_secrets.scrub``)."""
        return scrub(text)

    def _log_request(self, op: str, request: httpx.Request, attempt: int) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            headers = {k: self._scrub(v) for k, v in redact_headers(request.headers).items()}
            logger.debug(
                "request %s %s (operation=%s attempt=%d headers=%s)",
                request.method,
                request.url,
                op,
                attempt,
                headers,
            )
            if self._log_bodies and request.content:
                logger.debug("request body %s: %s", op, _logged_body(request.content))

    def _on_transport_error(self, op: str, request: httpx.Request, state: RetryState, exc: httpx.RequestError) -> float:
        """Seconds to wait before retrying, or raise the wrapped error."""
        attempt = state.attempt
        wait = state.after_error(exc)
        logger.log(
            logging.WARNING if wait is None else logging.INFO,
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

    def _on_response(
        self, op: str, request: httpx.Request, response: httpx.Response, state: RetryState, started: float
    ) -> float | None:
        """Log the response; seconds to wait before retrying it, or None to keep it."""
        elapsed_ms = (time.perf_counter() - started) * 1000
        attempt = state.attempt
        wait = state.after_response(response)
        logger.log(
            logging.DEBUG if wait is None else logging.INFO,
            "response %s %s -> %d in %.1f ms (operation=%s attempt=%d%s)",
            request.method,
            request.url,
            response.status_code,
            elapsed_ms,
            op,
            attempt,
            f" retry in {wait:.2f}s" if wait is not None else "",
        )
        if self._log_bodies and logger.isEnabledFor(logging.DEBUG):
            logger.debug("response body %s: %s", op, _logged_body(response.content))
        return wait

    def _finish(self, prep: PreparedOperation, response: httpx.Response, attempts: int) -> Any:
        try:
            value, problem = prep.decode(response, self.validate_responses, attempts)
        except DynclientError as exc:
            raise self._scrubbed(exc) from exc.__cause__
        if problem is not None:
            problem = self._scrubbed(problem)
            if self.validate_responses == "strict":
                raise problem
            logger.warning("%s", problem)
            warnings.warn(str(problem), ResponseValidationWarning, stacklevel=4)
        return value

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

    def _attach_groups(self) -> None:
        # no spec name may shadow a member of the client (the rule: _names); the attributes
        # this instance holds count too, except the groups and methods attached here before
        # (a with_options() clone re-attaches fresh ones), and so do a subclass's members
        own = vars(self).keys() - getattr(self, "_spec_members", frozenset())
        check_member_names(self.operations, client_member_names() | own | set(dir(type(self))))
        made: dict[tuple[str, ...], OperationGroup] = {}
        top: set[str] = set()
        for op in self.operations:
            target: Any = self
            top.add(op.group[0] if op.group else op.method_name)
            for i, segment in enumerate(op.group):
                key = op.group[: i + 1]
                node = made.get(key)
                if node is None:  # fresh groups each time: a with_options() clone never shares them
                    node = made[key] = OperationGroup(key)
                    setattr(target, segment, node)
                target = node
            method = self._make_method(op)
            method.__name__ = op.method_name
            method.__qualname__ = ".".join((*op.group, op.method_name))
            method.__doc__, method.__signature__ = self._runtime.described(op)  # type: ignore[attr-defined]
            setattr(target, op.method_name, method)
        self._spec_members = frozenset(top)


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


def _reject_awaitable(result: Any, hook: Any) -> None:
    if inspect.isawaitable(result):
        close = getattr(result, "close", None)
        if close is not None:
            close()
        raise TypeError(f"hook {hook!r} is async; use it with AsyncClient")


class Client(_ClientBase):
    """A synchronous client for every operation of a spec.

    ``client.call("pets_list", limit=10)`` and ``client.pets.list(limit=10)``
    are the same call. See the README for every option.
    """

    def __init__(
        self,
        spec: SpecSource | None = None,
        *,
        http_client: httpx.Client | None = None,
        **options: Any,
    ) -> None:
        super().__init__(spec, **options)
        self._use_http(http_client, httpx.Client)

    def _make_method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        def method(**arguments: Any) -> Any:
            return self.call(name, **arguments)

        return method

    def call(self, operation: str, /, **arguments: Any) -> Any:
        """Call ``operation`` with the spec's parameters as keyword arguments (``body=`` for the body)."""
        prep = self._prepared(operation)
        request = self._request(prep, arguments)
        state = RetryState(self.retry, request.method)
        name = prep.op.name
        while True:
            for hook in self._before:
                _reject_awaitable(hook(name, request), hook)
            self._log_request(name, request, state.attempt)
            started = time.perf_counter()
            try:
                response = self._http.send(request)
            except httpx.RequestError as exc:  # transport, decoding, redirects
                time.sleep(self._on_transport_error(name, request, state, exc))
                continue
            for after in self._after:
                _reject_awaitable(after(name, request, response), after)
            wait = self._on_response(name, request, response, state, started)
            if wait is None:
                return self._finish(prep, response, state.attempt)
            response.close()
            time.sleep(wait)

    def invoke(self, operation: str, /, **arguments: Any) -> Any:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return self.call(operation, **arguments)

    def pages(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> Iterator[Any]:
        """Each page of a paginated operation, from ``page`` (default 1) to the last."""
        cursor = self._cursor(operation, arguments, max_pages)
        while not cursor.done:
            result = self.call(operation, **cursor.arguments())
            cursor.advance(result)
            yield result

    def paginate(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> Iterator[Any]:
        """Every item of a paginated operation, across pages, in order."""
        cursor = self._cursor(operation, arguments, max_pages)
        while not cursor.done:
            yield from cursor.advance(self.call(operation, **cursor.arguments()))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(_ClientBase):
    """The asynchronous twin of ``Client``: same surface, ``await`` on each call."""

    def __init__(
        self,
        spec: SpecSource | None = None,
        *,
        http_client: httpx.AsyncClient | None = None,
        **options: Any,
    ) -> None:
        super().__init__(spec, **options)
        self._use_http(http_client, httpx.AsyncClient)

    def _make_method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        async def method(**arguments: Any) -> Any:
            return await self.call(name, **arguments)

        return method

    async def call(self, operation: str, /, **arguments: Any) -> Any:
        """Call ``operation`` with the spec's parameters as keyword arguments (``body=`` for the body)."""
        prep = self._prepared(operation)
        request = self._request(prep, arguments)
        state = RetryState(self.retry, request.method)
        name = prep.op.name
        while True:
            for hook in self._before:
                await _maybe_await(hook(name, request))
            self._log_request(name, request, state.attempt)
            started = time.perf_counter()
            try:
                response = await self._http.send(request)
            except httpx.RequestError as exc:  # transport, decoding, redirects
                await _asleep(self._on_transport_error(name, request, state, exc))
                continue
            for after in self._after:
                await _maybe_await(after(name, request, response))
            wait = self._on_response(name, request, response, state, started)
            if wait is None:
                return self._finish(prep, response, state.attempt)
            await response.aclose()
            await _asleep(wait)

    async def invoke(self, operation: str, /, **arguments: Any) -> Any:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return await self.call(operation, **arguments)

    async def pages(self, operation: str, /, *, max_pages: int | None = None, **arguments: Any) -> AsyncIterator[Any]:
        """Each page of a paginated operation (``async for``)."""
        cursor = self._cursor(operation, arguments, max_pages)
        while not cursor.done:
            result = await self.call(operation, **cursor.arguments())
            cursor.advance(result)
            yield result

    async def paginate(
        self, operation: str, /, *, max_pages: int | None = None, **arguments: Any
    ) -> AsyncIterator[Any]:
        """Every item of a paginated operation (``async for``)."""
        cursor = self._cursor(operation, arguments, max_pages)
        while not cursor.done:
            for item in cursor.advance(await self.call(operation, **cursor.arguments())):
                yield item

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def _asleep(seconds: float) -> None:
    import asyncio  # here, not at the top: a sync-only program never pays for importing asyncio

    await asyncio.sleep(seconds)


async def _maybe_await(result: Any) -> None:
    if inspect.isawaitable(result):
        await result


@functools.cache
def client_member_names() -> frozenset[str]:
    """Every name a client has of its own (both kinds): what no spec name may shadow
    (``_names``). Methods and properties from ``dir()``, instance attributes from
    ``_names.CLIENT_ATTRIBUTES``; private names are refused by their ``_`` anyway."""
    return frozenset(dir(Client)) | frozenset(dir(AsyncClient)) | CLIENT_ATTRIBUTES
