"""Test helpers: a stateful fake of the API, built from the spec.

    from dynclient.testing import FakeAPI

    fake = FakeAPI()                       # the bundled spec; FakeAPI("their-spec.json") for another
    with fake.client() as client:          # a dynclient.Client wired to it (fake.async_client() too)
        created = client.customers.create(body={"email": "ada@example.com", "name": "Ada"})
        assert client.customers.get(id=created["id"])["name"] == "Ada"
    fake.calls[-1]                         # Call(operation=..., arguments={'id': ...}, status=200, ...)

Behaviour is inferred from the spec, generically: collections (create, paginated list),
item paths (get, update, delete), alternate keys, views, filters, sorting, CSV export.
Every request is validated (422 in the server's shape when invalid) and every answer is
validated strictly against the spec before it leaves: an answer the spec does not allow
raises ``FakeResponseError`` (a bug in the fake) instead of reaching the code under test.
The pytest plugin (installed with dynclient) provides the fixtures ``dynclient_fake``,
``dynclient_fake_client`` and ``dynclient_fake_async_client``; ``dynclient fake serve``
serves the same fake over HTTP on 127.0.0.1. Full documentation: docs/testing.md.
"""

from __future__ import annotations

from ._fake.api import FAKE_BASE_URL, FAKE_TOKEN, Call, FakeAPI, Source
from ._fake.generate import LogicalClock
from ._fake.infer import Binding, Resource
from ._fake.respond import FakeError, FakeResponseError
from ._fake.server import FakeServer

__all__ = [
    "FAKE_BASE_URL",
    "FAKE_TOKEN",
    "Binding",
    "Call",
    "FakeAPI",
    "FakeError",
    "FakeResponseError",
    "FakeServer",
    "LogicalClock",
    "Resource",
    "Source",
]
