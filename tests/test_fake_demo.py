"""The main job needs nothing but pip: the demo runs against the in-process fake by default,
carries state from step to step and says so; ``scripts/demo.sh`` never calls npm unless ``--prism``."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT
from peers._fake_oracle import fake_oracle  # noqa: F401 - the fixture, used by pytestmark
from peers._support import CORE_OPS

from dynclient.testing import FakeAPI
from tools import demo

pytestmark = pytest.mark.usefixtures("fake_oracle")


def test_the_demo_runs_all_eleven_operations_on_the_fake_with_state(capsys: pytest.CaptureFixture[str]) -> None:
    assert demo.main([]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("In-process fake of Polar API 2026-10") and "nothing leaves this process" in lines[0]
    called = [line for line in lines if line and not line.startswith(" ") and line.split()[0] in CORE_OPS]
    assert set(called) == set(CORE_OPS)
    assert "  ok: the name set is the name read back by external id: 'Ada King'" in lines
    assert sum("(as expected)" in line for line in lines) == 2  # the 404s after the deletes
    assert "FAILED" not in out
    assert "  > POST /v1/customers/" in lines and any(
        '"name":"Ada Lovelace"' in line for line in lines
    )  # what was sent
    assert "Fake: 11/11 operations called, 14 exchanges, 8 checks of carried state, 0 failure(s)." in lines
    # then the webhook part (issue 14): one signed customer.state_changed event verified and parsed
    assert "webhook customer.state_changed" in lines
    assert any(line.startswith("  = verified and valid: customer.state_changed") for line in lines)
    assert lines[-1] == "Demo ok: the eleven operations and one webhook event, 0 failure(s)."


def test_the_demo_fails_loudly_when_state_is_not_carried(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    class Forgetful(FakeAPI):
        def _answer(self, *args: Any, **kwargs: Any) -> Any:
            self._store.clear()  # a stateless server: every answer forgets what came before
            return super()._answer(*args, **kwargs)

    monkeypatch.setattr(demo, "FakeAPI", Forgetful)
    assert demo.main([]) == 1
    out = capsys.readouterr().out
    assert "  FAILED: the name set is the name read back by external id: None" in out.splitlines()


def test_demo_sh_needs_no_npm_unless_prism(tmp_path: Path) -> None:
    marker = tmp_path / "npm-was-called"
    npm = tmp_path / "npm"
    npm.write_text(f"#!/bin/sh\ntouch {marker}\nexit 99\n")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        ["bash", "scripts/demo.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert not marker.exists()
    assert proc.stdout.startswith("In-process fake of")  # setup output stays off stdout
    assert proc.stdout.rstrip().endswith("0 failure(s).")
