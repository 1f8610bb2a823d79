"""CI habits (issue 13): the version is written in one place, the changelog exists and covers the
history, and the branch-coverage floor the test command enforces is the one the docs state."""

from __future__ import annotations

import importlib.metadata
import re

from conftest import ROOT

import dynclient
from dynclient import _client


def test_the_version_is_written_in_one_place() -> None:
    version = dynclient.__version__
    assert re.fullmatch(r"\d+\.\d+\.\d+", version)
    assert importlib.metadata.version("dynclient") == version  # pyproject.toml reads dynclient/_version.py
    assert f"dynclient/{version}" == _client._USER_AGENT
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and f'"{version}"' not in pyproject
    holders = [
        path.relative_to(ROOT).as_posix()
        for folder in ("dynclient", "codegen_templates", "scripts", "tools", "bench")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and path.suffix in {".py", ".pyi", ".jinja", ".sh", ".toml"} and version in path.read_text()
    ]
    assert holders == ["dynclient/_version.py"]
