"""The pytest plugin (entry point ``pytest11``: loaded by pytest wherever dynclient is installed).

Fixtures, each fresh per test:

- ``dynclient_fake``: a ``FakeAPI`` (options from ``dynclient_fake_options``)
- ``dynclient_fake_client``: a ``dynclient.Client`` wired to it, closed after the test
- ``dynclient_fake_async_client``: the same for ``AsyncClient`` (a plain fixture: no async plugin needed)
- ``dynclient_fake_options``: the keyword arguments of ``FakeAPI`` (default: none; override
  it in a ``conftest.py`` to pick a spec, a seed, unique fields, ...)
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from .api import FakeAPI

if TYPE_CHECKING:  # the typed clients of the stubs (see FakeAPI.client)
    from dynclient import AsyncClient, Client


@pytest.fixture
def dynclient_fake_options() -> dict[str, Any]:
    """``FakeAPI(**options)`` for the other fixtures; override to configure the fake."""
    return {}


@pytest.fixture
def dynclient_fake(dynclient_fake_options: dict[str, Any]) -> FakeAPI:
    """A fresh stateful fake of the API (the bundled spec unless the options say otherwise)."""
    return FakeAPI(**dynclient_fake_options)


@pytest.fixture
def dynclient_fake_client(dynclient_fake: FakeAPI) -> Iterator[Client]:
    """A ``dynclient.Client`` talking to ``dynclient_fake``."""
    with dynclient_fake.client() as client:
        yield client


@pytest.fixture
def dynclient_fake_async_client(dynclient_fake: FakeAPI) -> AsyncClient:
    """A ``dynclient.AsyncClient`` talking to ``dynclient_fake``. A plain fixture (no async
    plugin needed): its in-process transport holds no connection, so nothing needs closing."""
    return dynclient_fake.async_client()
