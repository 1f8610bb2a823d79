"""The pytest plugin (entry point ``pytest11``): the README's example test exactly as printed
there, fixtures fresh per test, options overridable, and the async client fixture."""

from __future__ import annotations

import re
from importlib.metadata import entry_points
from typing import Any

import pytest
from conftest import ROOT
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark

# --- the README example (README.md), verbatim from here to the end marker ---
import dynclient
from dynclient.testing import FakeAPI


def on_signup(client: dynclient.Client, user_id: str, email: str) -> str:  # your code
    return client.customers.create(body={"email": email, "external_id": user_id})["id"]


def test_signup_creates_the_billing_customer(dynclient_fake: FakeAPI, dynclient_fake_client: dynclient.Client) -> None:
    customer_id = on_signup(dynclient_fake_client, "usr_42", "ada@example.com")
    state = dynclient_fake_client.customers.get_state_external(external_id="usr_42")
    assert state["id"] == customer_id and state.get("email") == "ada@example.com"
    assert [c.operation for c in dynclient_fake.calls] == ["customers_create", "customers_get_state_external"]


# --- end of the README example ---

pytestmark = pytest.mark.usefixtures("fake_oracle")  # every answer of the fake judged by openapi-core


def test_the_readme_shows_this_exact_example() -> None:
    source = (ROOT / "tests" / "test_fake_plugin.py").read_text(encoding="utf-8")
    example = source.split("# --- the README example (README.md), verbatim from here to the end marker ---\n")[1]
    example = example.split("\n\n\n# --- end of the README example ---")[0].strip()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert example in [b.strip() for b in blocks]
    assert len(example.splitlines()) <= 14


def test_the_plugin_is_registered_by_the_package_metadata() -> None:
    (plugin,) = [e for e in entry_points(group="pytest11") if e.name == "dynclient"]
    assert plugin.value == "dynclient._fake.plugin"


_SEEN: list[str] = []


def test_fixtures_are_fresh_per_test_first(dynclient_fake: FakeAPI, dynclient_fake_client: dynclient.Client) -> None:
    _SEEN.append(dynclient_fake_client.customers.create(body={"email": "a@example.com"})["id"])
    assert len(dynclient_fake.records("customers")) == 1


def test_fixtures_are_fresh_per_test_second(dynclient_fake: FakeAPI, dynclient_fake_client: dynclient.Client) -> None:
    assert _SEEN, "runs after the first"
    assert dynclient_fake.records("customers") == [] and dynclient_fake.calls == []
    assert dynclient_fake_client.customers.list()["items"] == []


class TestOptions:
    @pytest.fixture
    def dynclient_fake_options(self) -> dict[str, Any]:
        return {"seed": 42, "api_versions": ("2026-04", "2026-10")}

    def test_options_reach_the_fake(self, dynclient_fake: FakeAPI, dynclient_fake_client: dynclient.Client) -> None:
        assert dynclient_fake.seed == 42 and dynclient_fake.api_versions == ("2026-04", "2026-10")
        dynclient_fake_client.customers.list()
        assert dynclient_fake.calls[-1].status == 200


async def test_the_async_client_fixture(
    dynclient_fake: FakeAPI, dynclient_fake_async_client: dynclient.AsyncClient
) -> None:
    made = await dynclient_fake_async_client.customers.create(body={"email": "a@example.com"})
    assert (await dynclient_fake_async_client.customers.get(id=made["id"])) == made
    assert [c.status for c in dynclient_fake.calls] == [201, 200]
