"""The CLI and the live contract (issue 11): warnings on stderr with exit 0, ApiVersionError's own exit code.

The console script runs as a real process against ``tests/_polar_server.py`` on 127.0.0.1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _polar_server import DEFAULT_VERSION, TOKEN, PolarServer
from payloads import CUSTOMER_ID, customer

from dynclient._cli import EXIT_API, EXIT_API_VERSION, EXIT_OK, EXIT_RESPONSE, main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).with_name("dynclient")


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POLAR_ACCESS_TOKEN"}
    env["POLAR_ACCESS_TOKEN"] = TOKEN
    env["PYTHONWARNINGS"] = "default"  # as a user's shell may have it: our lines must still be one each
    return subprocess.run(
        [str(SCRIPT), *args], check=False, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT
    )


@pytest.fixture
def polar() -> Iterator[PolarServer]:
    with PolarServer() as server:
        yield server


def test_drift_prints_one_short_line_on_stderr_and_exits_0(polar: PolarServer) -> None:
    robot = {**customer(0), "type": "robot"}
    polar.customers[CUSTOMER_ID] = robot
    result = run("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", polar.url)
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout) == robot
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("dynclient: drift: customers_get:") and "'robot'" in lines[0]
    assert "dynclient spec update" in lines[0]
    assert TOKEN not in result.stderr


def test_strict_on_the_command_line_fails_on_drift(polar: PolarServer) -> None:
    polar.customers[CUSTOMER_ID] = {**customer(0), "type": "robot"}
    result = run(
        "call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", polar.url, "--validate-responses", "strict"
    )
    assert result.returncode == EXIT_RESPONSE
    assert "robot" in result.stderr


def test_a_version_mismatch_prints_one_line_and_exits_0(polar: PolarServer) -> None:
    polar.echo_override = DEFAULT_VERSION
    result = run("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", polar.url)
    assert result.returncode == EXIT_OK, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dynclient: api version: customers_get:"), result.stderr
    assert "'2026-04'" in lines[0] and "'2026-10'" in lines[0]


def test_a_refused_version_has_its_own_exit_code(polar: PolarServer) -> None:
    result = run(
        "call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", polar.url, "--api-version", "2026-07"
    )
    assert result.returncode == EXIT_API_VERSION == 8
    assert "refused API version '2026-07'" in result.stderr and "dynclient spec update" in result.stderr
    # a real missing customer stays an API error, and --api-version none sends nothing
    missing = run("call", "customers_get", "-p", "id=00000000-0000-4000-8000-000000000000", "--base-url", polar.url)
    assert missing.returncode == EXIT_API
    unpinned = run("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", polar.url, "--api-version", "none")
    assert unpinned.returncode == EXIT_OK, unpinned.stderr
    assert polar.versions_seen() == ["2026-07", "2026-10", None]


def test_help_lists_the_version_exit_code_and_the_compatible_mode(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["call", "--help"])
    out = capsys.readouterr().out
    assert f"\n  {EXIT_API_VERSION}  the API refused the API version sent" in out
    flat = " ".join(out.split())  # argparse wraps help to the terminal's width
    assert "{compatible,strict,warn,off}" in flat and "compatible (default)" in flat
    assert "--api-version" in flat
