"""Sans-IO page cursor for operations whose spec declares page/limit pagination."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ._errors import DynclientError, PaginationError
from ._ir import Operation, Pagination

__all__ = ["PageCursor"]


def _dig(value: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


class PageCursor:
    """Yields the arguments of each page call and decides when to stop.

    Stops at the last page the server announces, on an empty page, or after
    ``max_pages``; raises PaginationError when the server repeats a page it already sent.
    """

    def __init__(self, op: Operation, arguments: Mapping[str, Any], max_pages: int | None = None) -> None:
        if op.pagination is None:
            raise DynclientError(f"{op.name} is not paginated in the spec")
        self.pagination: Pagination = op.pagination
        self._op = op
        self._arguments = dict(arguments)
        start = self._arguments.pop(self.pagination.page_parameter, None)
        if start is not None and (not isinstance(start, int) or isinstance(start, bool) or start < 1):
            raise DynclientError(f"{op.name}: {self.pagination.page_parameter} must be an integer >= 1")
        if max_pages is not None and (not isinstance(max_pages, int) or max_pages < 1):
            raise DynclientError(f"{op.name}: max_pages must be an integer >= 1")
        self.page: int = start if start is not None else 1
        self._max_pages = max_pages
        self._fetched = 0
        self._seen: dict[str, int] = {}
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
        digest = hashlib.sha256(json.dumps(items, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
        if items and digest in self._seen:
            raise PaginationError(
                f"{self._op.name}: page {self.page} repeats page {self._seen[digest]}; "
                "stopping instead of looping forever"
            )
        self._seen[digest] = self.page
        last = _dig(result, self.pagination.num_pages_path) if self.pagination.num_pages_path is not None else None
        if (
            not items
            or (isinstance(last, int) and self.page >= last)
            or (self._max_pages is not None and self._fetched >= self._max_pages)
        ):
            self.done = True
        self.page += 1
        return items
