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


#: dynamic mode generates data from a seed; three seeds give three different corpora
DYNAMIC_SEEDS = ("dynclient-1", "dynclient-2", "dynclient-3")


@pytest.fixture(scope="session")
def prism_dynamic_servers(prism_spec: tuple[Path, list[Change]]) -> Iterator[dict[str, PrismServer]]:
    servers = {
        seed: PrismServer(prism_spec[0], dynamic=True, seed=seed, log_dir=prism_spec[0].parent)
        for seed in DYNAMIC_SEEDS
    }
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not COUNTS:
        return
    terminalreporter.section("peer suites: cases")
    for suite in sorted(COUNTS):
        parts = ", ".join(f"{n:,} {key}" for key, n in COUNTS[suite].items())
        terminalreporter.write_line(f"{suite}: {parts}")
