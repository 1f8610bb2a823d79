"""Sans-IO page cursor for operations whose spec declares page/limit pagination."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ._errors import ConfigurationError, PaginationError
from ._ir import Operation, Pagination

__all__ = ["PageCursor", "page_fingerprint"]


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def page_fingerprint(items: list[Any]) -> bytes:
    """What identifies a page of a listing, in 32 bytes.

    When every item is an object with a string or integer ``id`` (the common case), the ids in
    order: two pages listing the same items in the same order are a repeat, whatever else
    changed in them (a server stuck on one page that bumps a timestamp is caught too). Else the
    items' whole content. A SHA-256 digest either way: kept per page, the memory a long walk
    holds stays small, and two different pages never share one.
    """
    try:  # the common case at C speed: objects (dicts) that all have an id
        ids = [item["id"] for item in items]
    except (KeyError, TypeError, IndexError):  # an item that is not an object, or has no id
        ids = None
    if ids is not None:
        kinds = set(map(type, ids))
        if kinds == {str}:
            joined = "\x00".join(ids)
            if joined.count("\x00") == len(ids) - 1:  # no id holds the separator: unambiguous
                return hashlib.sha256(b"str ids:" + joined.encode("utf-8", "surrogatepass")).digest()
        if kinds <= {str, int}:
            return hashlib.sha256(b"ids:" + repr(ids).encode("utf-8", "surrogatepass")).digest()
    content = json.dumps(items, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(b"content:" + content.encode("utf-8", "surrogatepass")).digest()


class PageCursor:
    """Yields the arguments of each page call and decides when to stop.

    Stops at the last page the server announces, on an empty page, or after
    ``max_pages``; raises PaginationError when the server repeats a page it already sent.
    Made before the first request: an operation that is not paginated, or a bad ``page`` or
    ``max_pages``, is a ``ConfigurationError`` at the ``paginate()``/``pages()`` call.
    """

    def __init__(self, op: Operation, arguments: Mapping[str, Any], max_pages: int | None = None) -> None:
        if op.pagination is None:
            raise ConfigurationError(f"{op.name} is not paginated in the spec; call it with call() instead")
        self.pagination: Pagination = op.pagination
        self._op = op
        #: the operation's name, for the calls that fetch each page
        self.operation: str = op.name
        self._arguments = dict(arguments)
        start = self._arguments.pop(self.pagination.page_parameter, None)
        if start is not None and (not isinstance(start, int) or isinstance(start, bool) or start < 1):
            raise ConfigurationError(f"{op.name}: {self.pagination.page_parameter} must be an integer >= 1")
        if max_pages is not None and (not isinstance(max_pages, int) or isinstance(max_pages, bool) or max_pages < 1):
            raise ConfigurationError(f"{op.name}: max_pages must be an integer >= 1")
        self.page: int = start if start is not None else 1
        self._max_pages = max_pages
        self._fetched = 0
        self._seen: dict[bytes, int] = {}
        self.done = False

    def arguments(self) -> dict[str, Any]:
        return {**self._arguments, self.pagination.page_parameter: self.page}

    def items(self, result: Any) -> list[Any]:
        found = _dig(result, self.pagination.results_path)
        if not isinstance(found, list):
            raise PaginationError(
                f"{self._op.name}: page {self.page} has no list at $.{'.'.join(self.pagination.results_path)}"
            )
        return found

    def advance(self, result: Any) -> list[Any]:
        """Record the page just fetched; return its items and move to the next page."""
        items = self.items(result)
        self._fetched += 1
        if items:
            digest = page_fingerprint(items)
            first = self._seen.setdefault(digest, self.page)
            if first != self.page:
                raise PaginationError(
                    f"{self._op.name}: page {self.page} repeats page {first}; stopping instead of looping forever"
                )
        last = _dig(result, self.pagination.num_pages_path) if self.pagination.num_pages_path is not None else None
        if (
            not items
            or (isinstance(last, int) and self.page >= last)
            or (self._max_pages is not None and self._fetched >= self._max_pages)
        ):
            self.done = True
        self.page += 1
        return items
