"""The webhook examples of the README's "Webhooks" section type-check with mypy --strict and
pyright strict, and the FastAPI, Flask and Django receivers work against each framework's own
test client: a signed event is accepted, a tampered one refused, an unknown type acknowledged."""

from __future__ import annotations

import json
import re
import runpy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from payloads import customer, customer_state
from test_stubs import run_mypy, run_pyright

import dynclient

README = ROOT / "README.md"
SECRET = "polar_whs_docs-example-secret"


def blocks() -> list[str]:
    section = README.read_text(encoding="utf-8").split("\n## Webhooks\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


@pytest.fixture(scope="module")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    out = tmp_path_factory.mktemp("readme-webhooks")
    files = []
    for i, code in enumerate(blocks()):
        path = out / f"readme_webhooks_{i}.py"
        path.write_text("# pyright: strict\n" + code, encoding="utf-8")
        files.append(path)
    return files


def test_there_is_an_example_per_framework() -> None:
    found = blocks()
    assert len(found) == 4
    assert [any(f"from {fw}" in b for b in found) for fw in ("fastapi", "flask", "django")] == [True] * 3


def test_examples_pass_mypy_strict(example_files: list[Path], tmp_path: Path) -> None:
    assert run_mypy(example_files, ROOT, tmp_path / "cache") == {}


def test_examples_pass_pyright_strict(example_files: list[Path]) -> None:
    assert run_pyright(example_files, ROOT) == {}


# -- the receivers, for real ----------------------------------------------------------------------


@pytest.fixture
def module(monkeypatch: pytest.MonkeyPatch, example_files: list[Path]) -> Iterator[Any]:
    monkeypatch.setenv("POLAR_WEBHOOK_SECRET", SECRET)

    def load(framework: str) -> dict[str, Any]:
        path = next(p for p in example_files if f"from {framework}" in p.read_text())
        return runpy.run_path(str(path), run_name=f"readme_{framework}")

    yield load


def deliveries() -> list[tuple[bytes, dict[str, str], int]]:
    hooks = dynclient.Webhooks(SECRET)
    stamp = "2026-01-02T03:04:05Z"
    state = hooks.sign({"type": "customer.state_changed", "timestamp": stamp, "data": customer_state()})
    created = hooks.sign({"type": "customer.created", "timestamp": stamp, "data": customer(1)})
    deleted = hooks.sign({"type": "customer.deleted", "timestamp": stamp, "data": customer(2)})
    unknown = hooks.sign({"type": "member.created", "timestamp": stamp, "data": {}})
    tampered = (state[0].replace(b"active", b"paused", 1), state[1])
    return [(*state, 202), (*created, 202), (*deleted, 202), (*unknown, 202), (*tampered, 403)]


def test_the_fastapi_receiver(module: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from fastapi.testclient import TestClient

    client = TestClient(module("fastapi")["app"])
    for body, headers, status in deliveries():
        assert client.post("/webhooks/polar", content=body, headers=headers).status_code == status
    assert "1 active subscriptions" in capsys.readouterr().out


def test_the_flask_receiver(module: Any, capsys: pytest.CaptureFixture[str]) -> None:
    client = module("flask")["app"].test_client()
    for body, headers, status in deliveries():
        assert client.post("/webhooks/polar", data=body, headers=headers).status_code == status
    assert "new customer customer1@example.com" in capsys.readouterr().out


def test_the_django_receiver(module: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from django.conf import settings

    if not settings.configured:
        settings.configure(DEBUG=False, ALLOWED_HOSTS=["testserver"], DEFAULT_CHARSET="utf-8")
    from django.test import RequestFactory

    view = module("django")["polar_webhook"]
    factory = RequestFactory()
    for body, headers, status in deliveries():
        request = factory.post("/webhooks/polar", data=body, content_type="application/json", headers=headers)
        assert view(request).status_code == status
    assert view(factory.get("/webhooks/polar")).status_code == 405
    assert "customer deleted" in capsys.readouterr().out
    assert json.loads(deliveries()[0][0])["type"] == "customer.state_changed"
