"""The fake's state: the records of each resource, in insertion order, with uniqueness checks.

Records are plain JSON dicts. Lookups by the key property go through an index; other
lookups (alternate keys, filters) scan, which is fine for the hundreds of records a test
holds. Unique values are compared exactly; ``null`` never collides.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from typing import Any

__all__ = ["Store", "Table"]


def _hashable(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    return value


class Table:
    """The records of one resource."""

    def __init__(self, key: str | None, unique: Sequence[str]) -> None:
        self.key = key
        self.unique = tuple(unique)
        self._rows: dict[int, dict[str, Any]] = {}
        self._by_key: dict[Any, int] = {}
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._rows)

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(list(self._rows.values()))

    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        return list(self._rows.items())

    def find(self, prop: str, value: Any) -> tuple[int, dict[str, Any]] | None:
        if prop == self.key:
            row = self._by_key.get(_hashable(value))
            return None if row is None else (row, self._rows[row])
        for row, record in self._rows.items():
            if record.get(prop) == value and value is not None:
                return row, record
        return None

    def conflict(self, record: dict[str, Any], ignore: int | None = None) -> str | None:
        """The first unique property whose value another record already has."""
        for prop in self.unique:
            value = record.get(prop)
            if value is None:
                continue
            hit = self.find(prop, value)
            if hit is not None and hit[0] != ignore:
                return prop
        return None

    def insert(self, record: dict[str, Any]) -> int:
        row = next(self._seq)
        self._rows[row] = record
        if self.key is not None and record.get(self.key) is not None:
            self._by_key[_hashable(record[self.key])] = row
        return row

    def replace(self, row: int, record: dict[str, Any]) -> None:
        old = self._rows[row]
        if self.key is not None:
            self._by_key.pop(_hashable(old.get(self.key)), None)
            if record.get(self.key) is not None:
                self._by_key[_hashable(record[self.key])] = row
        self._rows[row] = record

    def remove(self, row: int) -> dict[str, Any]:
        record = self._rows.pop(row)
        if self.key is not None:
            self._by_key.pop(_hashable(record.get(self.key)), None)
        return record

    def clear(self) -> None:
        self._rows.clear()
        self._by_key.clear()
        self._seq = itertools.count()


class Store:
    """One table per resource name."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}

    def add(self, name: str, key: str | None, unique: Sequence[str]) -> Table:
        table = self.tables[name] = Table(key, unique)
        return table

    def __getitem__(self, name: str) -> Table:
        return self.tables[name]

    def clear(self) -> None:
        for table in self.tables.values():
            table.clear()
