"""The fake decodes requests as the inverse of the client's serialization: for arguments generated
from the spec (independently of dynclient), serialize -> decode -> serialize gives the same wire
request, and path values and bodies come back exactly. Hypothesis, ``derandomize=True``;
``DYNCLIENT_HYPOTHESIS_PROFILE=long`` runs ten times as many examples."""

from __future__ import annotations

import os
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark
from peers._support import CORE_OPS, arguments_strategy

import dynclient
from dynclient.testing import FakeAPI

pytestmark = pytest.mark.usefixtures("fake_oracle")
_SETTINGS = settings(
    max_examples=600 if os.environ.get("DYNCLIENT_HYPOTHESIS_PROFILE") == "long" else 60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)


def _wire(request: httpx.Request) -> tuple[str, str, list[tuple[str, str]], bytes]:
    return (
        request.method,
        request.url.raw_path.decode().split("?")[0],
        sorted(request.url.params.multi_items()),
        request.content,
    )


@pytest.mark.parametrize("op_name", CORE_OPS)
def test_decoding_is_the_inverse_of_serializing(op_name: str) -> None:
    fake = FakeAPI()
    client: Any = fake.client()  # operations and arguments chosen at run time
    op = fake.spec[op_name]
    transport = fake.transport()

    @_SETTINGS
    @given(st.data())
    def check(data: st.DataObject) -> None:
        args: dict[str, Any] = data.draw(arguments_strategy(op_name), label="arguments")
        try:
            request = client.build_request(op_name, **args)
        except dynclient.RequestValidationError:
            return  # dynclient refuses it (the oracle suite checks those); nothing to decode
        fake.reset()  # each example alone: no duplicate from an earlier one
        transport.handle_request(request)
        decoded = fake.calls[-1].arguments
        assert fake.calls[-1].status != 422, fake.calls[-1].body
        assert _wire(client.build_request(op_name, **decoded)) == _wire(request)
        for p in op.parameters:
            if p.location == "path":
                assert decoded[p.name] == args[p.name]
        if "body" in args:
            assert decoded["body"] == args["body"]

    check()
