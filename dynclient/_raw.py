"""Raw responses: ``client.with_raw_response`` and the ``RawResponse`` its calls return.

``client.with_raw_response`` has the client's call surface (``call()`` and the operation
groups, ``.customers.get(...)``); each call runs exactly as the plain one (validation,
retries, errors raised alike) and returns the parsed value together with the HTTP facts
around it.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import httpx

from ._errors import safe_request

if TYPE_CHECKING:
    from ._client import AsyncClient, Client
    from ._ir import Operation

__all__ = ["AsyncRawClient", "RawClient", "RawResponse"]

T = TypeVar("T")


@dataclass(frozen=True)
class RawResponse(Generic[T]):
    """What a call returned (``parsed``) and the response it came from.

    ``api_version`` is the version the server says it answered with (the response header
    named by ``client.version_header``), or None when it sent none.
    """

    parsed: T
    status_code: int
    headers: httpx.Headers = field(repr=False)
    api_version: str | None
    elapsed: datetime.timedelta
    http_response: httpx.Response = field(repr=False)

    def __reduce__(self) -> tuple[Any, ...]:
        # pickled (to another process, a cache) with the request's credential headers redacted:
        # the token never travels in a pickle; in-process, http_response is the one received
        response = copy.copy(self.http_response)
        if response._request is not None:
            response.request = safe_request(response.request)  # type: ignore[assignment]
        fields = (self.parsed, self.status_code, self.headers, self.api_version, self.elapsed, response)
        return (type(self), fields)


class RawClient:
    """``Client.with_raw_response``: the client's calls, each returning a ``RawResponse``."""

    def __init__(self, client: Client) -> None:
        self._client = client
        client._attach_groups(self, self._method)

    def _method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        def method(**arguments: Any) -> RawResponse[Any]:
            return self.call(name, **arguments)

        return method

    def call(self, operation: str, /, **arguments: Any) -> RawResponse[Any]:
        """``client.call(...)``, returning a ``RawResponse`` around its result."""
        return self._client._raw(*self._client._exchange(operation, arguments))

    def invoke(self, operation: str, /, **arguments: Any) -> RawResponse[Any]:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return self.call(operation, **arguments)

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"


class AsyncRawClient:
    """``AsyncClient.with_raw_response``: the client's calls, each returning a ``RawResponse``."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client
        client._attach_groups(self, self._method)

    def _method(self, op: Operation) -> Callable[..., Any]:
        name = op.name

        async def method(**arguments: Any) -> RawResponse[Any]:
            return await self.call(name, **arguments)

        return method

    async def call(self, operation: str, /, **arguments: Any) -> RawResponse[Any]:
        """``await client.call(...)``, returning a ``RawResponse`` around its result."""
        return self._client._raw(*(await self._client._exchange(operation, arguments)))

    async def invoke(self, operation: str, /, **arguments: Any) -> RawResponse[Any]:
        """Untyped escape hatch: ``call()`` for operation names known only at run time."""
        return await self.call(operation, **arguments)

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"
