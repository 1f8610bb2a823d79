"""Checking a client's options: every caller mistake is a ``ConfigurationError`` (also a
``ValueError``) raised when the client is made, naming the option, never showing a secret.

One function per kind of option; ``_client`` calls them from ``Client``/``AsyncClient`` and
``with_options``. The documentation of every option lives here too (``OPTIONS_DOC``), so
``help(dynclient.Client)``, ``help(dynclient.AsyncClient)`` and ``with_options`` say the same.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import httpx

from ._errors import ConfigurationError
from ._retry import RetryPolicy

__all__ = [
    "KEEP",
    "OPTIONS_DOC",
    "UNSET",
    "WITH_OPTIONS_DOC",
    "check_deadline",
    "check_flag",
    "check_headers",
    "check_hooks",
    "check_max_bytes",
    "check_mode",
    "check_names",
    "check_retry",
    "check_text",
    "check_timeout",
]

#: what ``validate_responses`` means, for the docstrings (4 spaces deep in them)
VALIDATE_MODES_DOC = """\
"compatible" (the default): additive drift (a new enum value, an unknown
    variant, an extra property) passes with a ResponseDriftWarning, anything else
    raises ResponseValidationError; "strict": drift raises too; "warn": a
    ResponseValidationWarning instead of raising; "off": no check"""


class _Sentinel:
    __slots__ = ("_label",)

    def __init__(self, label: str) -> None:
        self._label = label

    def __repr__(self) -> str:
        return self._label


#: "not given" for ``timeout``: 30 s (10 s to connect) on a pool the client makes; a pool passed
#: in (``http_client``) keeps its own
UNSET: Any = _Sentinel("<default>")
#: "leave as it is" for ``with_options``
KEEP: Any = _Sentinel("<unchanged>")

#: RFC 9110 field names (tokens) and the values dynclient sends: visible ASCII, space, tab
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+\Z")
_HEADER_VALUE = re.compile(r"^[\t\x20-\x7e]*\Z")
#: Headers that carry credentials: only ``access_token`` sets them
_CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization"})


def check_headers(headers: Any, what: str) -> dict[str, str]:
    """``headers`` as a dict, refused at construction when the HTTP library would refuse it on
    every attempt (or worse, pass it on to a custom transport): not a mapping, CR, LF, NUL or
    any other control character, non-ASCII text, a name that is not a token. The message never
    shows a value."""
    if headers is None:
        return {}
    if not isinstance(headers, Mapping):
        raise ConfigurationError(f"{what}: headers must be a mapping of names to values, not {type(headers).__name__}")
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.match(name):
            shown = repr(name)[:60] if isinstance(name, str) else type(name).__name__
            raise ConfigurationError(f"{what}: {shown} is not a valid header name")
        if name.lower() in _CREDENTIAL_HEADERS:
            # a credential here would escape the token's checks and scrubbing (and be silently
            # overridden by access_token); it has one way in
            raise ConfigurationError(
                f"{what}: {name!r} cannot be set here; pass the token as access_token= (or $POLAR_ACCESS_TOKEN), "
                "which checks it, sends it only to the base URL and keeps it out of every message and log"
            )
        if not isinstance(value, str):
            raise ConfigurationError(f"{what}: the value of header {name!r} must be a str, not {type(value).__name__}")
        if not _HEADER_VALUE.match(value):
            raise ConfigurationError(
                f"{what}: the value of header {name!r} contains a control character (CR, LF, NUL, ...) "
                "or non-ASCII text; refused before sending"
            )
    return dict(headers)


def check_deadline(deadline: Any) -> float | None:
    if deadline is None:
        return None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not 0 < deadline < math.inf:
        raise ConfigurationError("deadline must be a positive number of seconds, or None")
    return float(deadline)


def check_max_bytes(limit: Any) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ConfigurationError("max_response_bytes must be a positive integer")
    return limit


def check_mode(mode: object, modes: Sequence[str]) -> None:
    if mode not in modes:
        raise ConfigurationError(f"validate_responses must be one of {', '.join(map(repr, modes))}")


def check_timeout(timeout: Any) -> Any:
    """A number of seconds (> 0), an ``httpx.Timeout``, None (no bound) or ``UNSET``."""
    if timeout is UNSET or timeout is None or isinstance(timeout, httpx.Timeout):
        return timeout
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout < math.inf:
        raise ConfigurationError("timeout must be a positive number of seconds, an httpx.Timeout, or None")
    return timeout


def check_retry(retry: Any) -> RetryPolicy:
    if retry is None:
        return RetryPolicy()
    if not isinstance(retry, RetryPolicy):
        raise ConfigurationError(
            f"retry must be a dynclient.RetryPolicy (RetryPolicy(attempts=1) never retries), not {type(retry).__name__}"
        )
    return retry


def check_hooks(hooks: Any, what: str) -> tuple[Callable[..., Any], ...]:
    """A sequence of callables (one callable alone is a common slip: refused, with the fix)."""
    if callable(hooks):
        raise ConfigurationError(f"{what} takes a list of hooks: {what}=[hook]")
    if isinstance(hooks, str | bytes | Mapping) or not isinstance(hooks, Iterable):
        raise ConfigurationError(f"{what} must be a list of callables, not {type(hooks).__name__}")
    found = tuple(hooks)
    for hook in found:
        if not callable(hook):
            raise ConfigurationError(f"{what}: {type(hook).__name__} is not callable")
    return found


def check_names(names: Any, what: str) -> frozenset[str] | None:
    """``tags=``/``operations=``: None, or an iterable of str (one bare str is refused: it
    would be read character by character)."""
    if names is None:
        return None
    if isinstance(names, str | bytes) or not isinstance(names, Iterable):
        raise ConfigurationError(f"{what} must be a list of names ({what}=[{names!r}]), not {type(names).__name__}")
    found = list(names)
    if not all(isinstance(n, str) for n in found):
        raise ConfigurationError(f"{what} must hold str names only")
    return frozenset(found)


def check_flag(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ConfigurationError(f"{what} must be True or False, not {type(value).__name__}")
    return value


def check_text(value: Any, what: str, *, optional: bool = False) -> Any:
    """A non-empty str (or None when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise ConfigurationError(f"{what} must be a non-empty str, not {type(value).__name__}")
    return value


OPTIONS_DOC = """
Options (keyword-only, except ``spec``):

spec
    The OpenAPI document: None (the bundled spec), a path to a JSON or YAML file, an
    http(s) URL (fetched only because you passed it), a parsed dict, or an ``ApiSpec``
    from ``dynclient.load_spec()``.
http_client
    An ``{http_type}`` used as it is (its base URL, auth and headers are applied per
    request; closing this client leaves it open). Default: one made and owned here.
tags, operations
    Keep only the operations with one of these tags, or with these names or operationIds.
base_url
    Send requests here instead of the spec's server.
server
    A server of the spec by id, description or index ("production", "sandbox", 0);
    default: the first.
access_token
    The bearer token; default: the environment variable named by ``token_env``. Never
    logged, shown in a repr or in an error.
token_env
    The environment variable read for the token (default {token_env}).
timeout
    Seconds each phase may take (connect, each read, each write, the wait for a pooled
    connection), an ``httpx.Timeout``, or None for no bound. Default: 30 s, 10 s to
    connect; an ``http_client`` passed in keeps its own unless this is given.
deadline
    Seconds one whole call may take, retries and waits included (default: no bound);
    past it the call raises ``DeadlineExceeded``.
validate_responses
    {modes}.
retry
    A ``RetryPolicy``; default ``RetryPolicy()``: 3 attempts for idempotent methods on
    connection errors, 429, 502, 503 and 504, exponential backoff with jitter,
    ``Retry-After`` honoured.
headers
    Extra headers sent with every request.
api_version
    "spec" (default): the spec's dated ``info.version`` in ``version_header`` (nothing when
    it is not dated); True: the same, and an undated version is an error; a str: that
    value; False: no version header.
version_header
    The header that carries the API version (default {version_header}).
before_request, after_response
    Lists of hooks, {hooks}, called with ``(operation, request)`` before each
    attempt and ``(operation, request, response)`` after it; what they return is ignored.
log_bodies
    Also log request and response bodies (DEBUG level, scrubbed, cut at 4 KiB).
engine
    The JSON Schema engine: "auto" (jsonschema-rs verdicts, python-jsonschema
    explanations), "python" (python-jsonschema only) or "rs".
max_response_bytes
    The largest response body (decoded) a call reads, in bytes (default {max_mib} MiB);
    a larger one raises ``ResponseTooLargeError``.

Every mistake in an option raises ``ConfigurationError`` (also a ``ValueError``) here.
"""

WITH_OPTIONS_DOC = """
Options (each one not given, or None where None is not a value of its own, stays as it is):

retry
    A ``RetryPolicy``.
timeout
    Seconds per phase, an ``httpx.Timeout``, or None for no bound.
validate_responses
    {modes}.
headers
    Extra headers, merged over this client's.
deadline
    Seconds one whole call may take, or None for no bound.
max_response_bytes
    The largest response body (decoded) a call reads.

Every mistake in an option raises ``ConfigurationError`` (also a ``ValueError``).
"""
