"""CI habits (issue 13): the version is written in one place, the changelog exists and covers the
history, and the branch-coverage floor the test command enforces is the one the docs state."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import tomllib

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


def coverage_floor() -> float:
    report = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["coverage"]
    assert report["run"]["branch"] is True and report["run"]["source"] == ["dynclient"]
    return float(report["report"]["fail_under"])


def test_ci_runs_the_readme_test_command_which_enforces_the_coverage_floor() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().endswith("exec bash scripts/test.sh")
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    for step in (
        ".venv/bin/ruff check .",
        "ruff format --check",
        ".venv/bin/mypy",
        "coverage run --parallel-mode -m pytest",
    ):
        assert step in script, step
    # every pytest process runs under coverage; their data is combined, then reported against the floor
    assert "-m pytest" not in script.replace("coverage run --parallel-mode -m pytest", "")
    after = script.split("coverage run --parallel-mode -m pytest")[-1]
    assert "coverage combine" in after and "coverage report" in after.split("coverage combine", 1)[1]
    floor = coverage_floor()
    assert 80 <= floor < 100  # measured when it was set (docs/daily-use.md): not a token number
    stated = [ROOT / "docs" / "daily-use.md", ROOT / "README.md"]
    mentions = [
        (path.name, found)
        for path in stated
        if path.is_file()
        for found in re.findall(
            r"branch-coverage floor[^0-9]{0,40}(\d+(?:\.\d+)?) ?%", path.read_text(encoding="utf-8")
        )
    ]
    assert mentions and all(float(n) == floor for _, n in mentions), mentions


def test_mypy_covers_the_tests_tools_and_bench() -> None:
    mypy = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["mypy"]
    assert mypy["strict"] is True and mypy["files"] == ["dynclient", "tests", "tools", "bench"]


def test_the_changelog_covers_every_issue_of_the_history() -> None:
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert text.startswith("# Changelog")
    assert f"## Unreleased ({dynclient.__version__})" in text
    issues = [int(n) for n in re.findall(r"^### .*\(issue (\d+)\)$", text, flags=re.M)]
    assert len(issues) == len(set(issues)) and {2, 3, 4, 5, 6, 7, 10, 11, 13, 14, 15} <= set(issues)
    for ref in re.findall(r"\b[0-9a-f]{7}\b", text):  # every hash names a commit of this history
        assert subprocess.run(["git", "cat-file", "-e", f"{ref}^{{commit}}"], cwd=ROOT, check=False).returncode == 0, (
            ref
        )
