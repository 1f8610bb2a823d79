"""The command line's daily-use nits (issue 13): text results end in a newline, a call without
content says on stderr what happened, ``stubs`` needs ``--out`` and ``stubs --check`` says when
it passes, ``spec check`` names the ``dynclient[check]`` extra with the usage/environment exit
code, help lists each command's own exit codes, and a missing file leaves no ``(at /)`` tail."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from _server import LocalServer, Reply
from conftest import ROOT
from payloads import CUSTOMER_ID, ORG_ID

from dynclient._cli import EXIT_FAILED, EXIT_OK, EXIT_SPEC, EXIT_USAGE, main

#: a CSV export as a server may send it: no newline after the last row
CSV = "id,email\n992fae2a-2a17-4b7a-8d9e-e287cf90131b,ada@example.com"


@pytest.fixture(scope="module")
def api() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.script("GET", "/v1/customers/export", [Reply(200, body=CSV.encode(), headers={"Content-Type": "text/csv"})])
        srv.script("DELETE", f"/v1/customers/{CUSTOMER_ID}", [Reply(204)])
        yield srv


def cli(capsys: pytest.CaptureFixture[str], *words: str) -> tuple[int, str, str]:
    code = main(list(words))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POLAR_ACCESS_TOKEN", "polar_oat_daily-cli-token")


@pytest.mark.usefixtures("token")
def test_a_text_result_ends_in_a_newline(api: LocalServer, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = cli(capsys, "call", "customers_export", "-p", f"organization_id={ORG_ID}", "--base-url", api.url)
    assert (code, out, err) == (EXIT_OK, CSV + "\n", "")


@pytest.mark.usefixtures("token")
def test_a_call_without_content_says_what_happened_on_stderr(
    api: LocalServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(capsys, "call", "customers_delete", "-p", f"id={CUSTOMER_ID}", "--base-url", api.url)
    assert (code, out) == (EXIT_OK, "")  # stdout stays clean for scripts
    assert err == "dynclient: customers_delete: done, HTTP 204 (No Content)\n"


def test_stubs_needs_out(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    before = {p: p.stat().st_mtime_ns for p in (ROOT / "dynclient").glob("*.pyi")}
    code, out, err = cli(capsys, "stubs")
    assert (code, out) == (EXIT_USAGE, "")
    assert "--out DIR is required" in err and "--out typings" in err
    assert {p: p.stat().st_mtime_ns for p in (ROOT / "dynclient").glob("*.pyi")} == before  # nothing written
    code, out, _ = cli(capsys, "stubs", "--out", str(tmp_path))
    assert code == EXIT_OK and out.count("wrote ") == 2
    code, out, err = cli(capsys, "stubs", "--out", str(tmp_path), "--check")
    assert (code, err) == (EXIT_OK, "")
    assert out == f"stubs up to date: {tmp_path}/dynclient/__init__.pyi, {tmp_path}/dynclient/schemas.pyi\n"
    (tmp_path / "dynclient" / "__init__.pyi").write_text("# stale\n", encoding="utf-8")
    code, out, err = cli(capsys, "stubs", "--out", str(tmp_path), "--check")
    assert (code, out) == (EXIT_FAILED, "") and "stale stub" in err


def test_stubs_help_lists_its_own_exit_codes_once(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["stubs", "--help"])
    out = capsys.readouterr().out
    assert out.count("exit codes:") == 1
    assert codes(out) == ["0", "1", "2", "3"]  # not the API's, the transport's or the webhook's
    with pytest.raises(SystemExit):
        main(["--help"])
    assert codes(capsys.readouterr().out) == [str(n) for n in range(10)]  # the overview has them all


def codes(help_text: str) -> list[str]:
    return re.findall(r"^  (\d)  ", help_text.split("exit codes:", 1)[1], flags=re.M)


def test_spec_check_without_its_extra(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setitem(sys.modules, "openapi_spec_validator", None)  # as after a plain `pip install dynclient`
    code, out, err = cli(capsys, "spec", "check", str(ROOT / "specs" / "polar-customers.openapi.json"))
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (
        "dynclient: spec check needs the openapi-spec-validator package, an optional dependency: "
        "pip install 'dynclient[check]'\n"
    )


def test_spec_check_with_its_extra(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = cli(capsys, "spec", "check", str(ROOT / "specs" / "polar-customers.openapi.json"))
    assert code == EXIT_OK and "valid OpenAPI 3.1" in out


def test_the_check_extra_is_declared() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'check = [\n    "openapi-spec-validator' in pyproject


@pytest.mark.parametrize(
    "words",
    [
        ["ops", "--spec", "{missing}"],
        ["describe", "customers_get", "--spec", "{missing}"],
        ["call", "customers_get", "-p", "id=x", "--spec", "{missing}"],
        ["spec", "check", "{missing}"],
        ["spec", "diff", "{missing}", "@bundled"],
        ["spec", "extract", "{missing}", "--tag", "customers"],
        ["stubs", "--out", "{tmp}", "--spec", "{missing}"],
    ],
    ids=lambda words: " ".join(words[:2]),
)
def test_a_missing_file_is_one_clean_line(words: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = str(tmp_path / "nowhere.json")
    code, out, err = cli(capsys, *(w.format(missing=missing, tmp=tmp_path) for w in words))
    assert (code, out) == (EXIT_SPEC, "")
    assert err == f"dynclient: cannot read spec {missing!r}: No such file or directory\n"  # no "(at /)" tail
