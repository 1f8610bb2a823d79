"""Peer suites: Prism servers for the session, and the case counts printed at the end."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.prism import Change, PrismServer, write_compat_spec

from ._support import COUNTS


@pytest.fixture(scope="session")
def prism_spec(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Change]]:
    return write_compat_spec(tmp_path_factory.mktemp("prism"))


@pytest.fixture(scope="session")
def prism_static(prism_spec: tuple[Path, list[Change]]) -> Iterator[PrismServer]:
    server = PrismServer(prism_spec[0], dynamic=False, log_dir=prism_spec[0].parent)
    try:
        yield server.start()
    finally:
        server.stop()


@pytest.fixture(scope="session")
def prism_dynamic(prism_spec: tuple[Path, list[Change]]) -> Iterator[PrismServer]:
    server = PrismServer(prism_spec[0], dynamic=True, seed="dynclient-peers", log_dir=prism_spec[0].parent)
    try:
        yield server.start()
    finally:
        server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not COUNTS:
        return
    terminalreporter.section("peer suites: cases")
    for suite in sorted(COUNTS):
        parts = ", ".join(f"{n:,} {key}" for key, n in COUNTS[suite].items())
        terminalreporter.write_line(f"{suite}: {parts}")
