"""The `dynclient` console script, run in a subprocess against a local server on 127.0.0.1:
every command, and the exit code of each failure kind."""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from _server import LocalServer, Reply
from conftest import POLAR_CURRENT, POLAR_OLD, ROOT, internals
from payloads import CUSTOMER_ID, EXPORT_CSV, NOT_FOUND, ORG_ID, customer, customer_page

from dynclient import bundled_spec_path, load_spec
from dynclient._cli import (
    EXIT_API,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_REQUEST,
    EXIT_RESPONSE,
    EXIT_SPEC,
    EXIT_TRANSPORT,
    EXIT_USAGE,
    build_parser,
    main,
    parse_params,
)
from dynclient._document import load_document
from dynclient._extract import dump_spec, extract
from dynclient._stubs import render_stubs

SCRIPT = Path(sys.executable).with_name("dynclient")
TOKEN = "polar_oat_cli-test-token-0123456789"


def run(
    *args: str, env: dict[str, str] | None = None, input: str | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    assert SCRIPT.is_file(), f"the console script is not installed at {SCRIPT} (pip install -e .)"
    full_env = {k: v for k, v in os.environ.items() if k != "POLAR_ACCESS_TOKEN"}
    full_env.update(env or {})
    return subprocess.run(
        [str(SCRIPT), *args],
        check=False,
        capture_output=True,
        text=True,
        env=full_env,
        input=input,
        timeout=timeout,
        cwd=ROOT,
        start_new_session=True,  # no controlling terminal: getpass reads stdin
    )


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    with LocalServer() as srv:
        srv.script("GET", f"/v1/customers/{CUSTOMER_ID}", [Reply(200, json=customer(0))])
        srv.script("GET", "/v1/customers/", [Reply(200, json=customer_page(3))])
        srv.script("POST", "/v1/customers/", [Reply(201, json=customer(0))])
        srv.script("DELETE", f"/v1/customers/{CUSTOMER_ID}", [Reply(204)])
        srv.script(
            "GET", "/v1/customers/export", [Reply(200, body=EXPORT_CSV.encode(), headers={"Content-Type": "text/csv"})]
        )
        srv.script("GET", "/v1/customers/external/missing", [Reply(404, json=NOT_FOUND)])
        bad = customer(0)
        del bad["email"]
        srv.script("GET", "/v1/customers/external/broken", [Reply(200, json=bad)])
        srv.script("GET", f"/specs/{POLAR_OLD.name}", [Reply(200, body=POLAR_OLD.read_bytes())])
        yield srv


def token_env() -> dict[str, str]:
    return {"POLAR_ACCESS_TOKEN": TOKEN}


def assert_no_token(result: subprocess.CompletedProcess[str]) -> None:
    assert TOKEN not in result.stdout and TOKEN not in result.stderr


# -- help ------------------------------------------------------------------------------------------
HELP = [
    [],
    ["ops"],
    ["describe"],
    ["call"],
    ["stubs"],
    ["spec"],
    ["spec", "extract"],
    ["spec", "diff"],
    ["spec", "update"],
    ["spec", "check"],
]


@pytest.mark.parametrize("words", HELP, ids=[" ".join(w) or "dynclient" for w in HELP])
def test_every_command_has_help(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main([*words, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: dynclient")
    # every command lists its own exit codes (issue 13: not all of them each time); the token
    # is for `call`, and for the overview
    assert "exit codes:" in out and "\n  0  success" in out
    assert ("POLAR_ACCESS_TOKEN" in out) == (words in ([], ["call"]))


def test_help_through_the_console_script_and_python_m() -> None:
    result = run("--help")
    assert result.returncode == 0 and "call" in result.stdout and "spec" in result.stdout
    for code in (EXIT_USAGE, EXIT_SPEC, EXIT_REQUEST, EXIT_API, EXIT_RESPONSE, EXIT_TRANSPORT):
        assert f"\n  {code}  " in result.stdout
    via_m = subprocess.run(
        [sys.executable, "-m", "dynclient", "ops"], capture_output=True, text=True, cwd=ROOT, timeout=60, check=False
    )
    assert via_m.returncode == 0 and via_m.stdout == run("ops").stdout


def test_there_is_no_token_flag() -> None:
    options = {
        o
        for action in internals(build_parser())._subparsers._group_actions[0].choices["call"]._actions
        for o in action.option_strings
    }
    assert not any("token" in o and o != "--prompt-token" for o in options)
    result = run("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--token", TOKEN)
    assert result.returncode == EXIT_USAGE


# -- ops / describe ------------------------------------------------------------------------------
def test_ops_lists_every_operation() -> None:
    result = run("ops")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "METHOD", "PATH", "SUMMARY"]
    assert len(lines) == 1 + 30
    assert lines[1].split()[:4] == ["customers_list", "GET", "/v1/customers/", "List"]
    data = json.loads(run("ops", "--json").stdout)
    assert [d["name"] for d in data] == list(load_spec().names)
    old = json.loads(run("ops", "--json", "--spec", str(POLAR_OLD), "--tag", "customers").stdout)
    assert len(old) == 30


def test_describe_shows_parameters_body_responses_scopes() -> None:
    result = run("describe", "customers_list")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("customers_list  GET /v1/customers/")
    rows = {
        line.split()[0]: line.split() for line in out.splitlines() if line.startswith("  ") and len(line.split()) >= 4
    }
    assert rows["limit"][:3] == ["limit", "query", "int"] and rows["limit"][-2:] == ["no", "10"]
    assert rows["page"][-1] == "1"
    assert "200  ListResource[Customer]" in out and "422  HTTPValidationError" in out
    assert "Scopes: customers:read customers:write" in out
    body = run("describe", "customers:create").stdout  # an operationId works too
    assert "Body (application/json, required): CustomerCreate" in body
    assert "one of: CustomerIndividualCreate" in body
    email = next(line.split()[:2] for line in body.splitlines() if line.strip().startswith("email"))
    assert email == ["email", "required"]


# -- call ----------------------------------------------------------------------------------------
def test_call_prints_the_json_result(server: LocalServer) -> None:
    result = run("call", "customers_get", "--param", f"id={CUSTOMER_ID}", "--base-url", server.url, env=token_env())
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout) == customer(0)
    seen = server.requests_to("GET", f"/v1/customers/{CUSTOMER_ID}")[-1]
    assert seen.headers["Authorization"] == f"Bearer {TOKEN}"
    assert_no_token(result)


def test_call_parses_values_per_schema(server: LocalServer) -> None:
    result = run(
        "call",
        "customers_list",
        "--base-url",
        server.url,
        "-p",
        "limit=5",
        "-p",
        "sorting=-created_at",
        "-p",
        "sorting=name",
        "-p",
        "active=true",
        "-p",
        "metadata.plan=pro",
        "-p",
        "metadata.seats=3",
        "-p",
        f"organization_id={ORG_ID}",
        env=token_env(),
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout) == customer_page(3)
    q = server.requests_to("GET", "/v1/customers/")[-1].query
    assert q == {
        "limit": ["5"],
        "sorting": ["-created_at", "name"],
        "active": ["true"],
        "metadata[plan]": ["pro"],
        "metadata[seats]": ["3"],
        "organization_id": [ORG_ID],
    }


def test_param_values_are_typed_by_the_schema() -> None:
    spec = load_spec()
    args = parse_params(
        spec,
        spec["customers_list"],
        [
            "limit=5",
            "sorting=-created_at",
            "metadata.plan=pro",
            "metadata.seats=3",
            "metadata.vip=true",
            "active=false",
            "email=a@example.com",
            f"organization_id={ORG_ID}",
            f"organization_id={ORG_ID}",
        ],
    )
    assert args == {
        "limit": 5,
        "sorting": ["-created_at"],
        "active": False,
        "email": "a@example.com",
        "organization_id": [ORG_ID, ORG_ID],
        "metadata": {"plan": "pro", "seats": 3, "vip": True},
    }
    assert parse_params(spec, spec["customers_list"], ['metadata:={"a": [1]}']) == {"metadata": {"a": [1]}}


def test_call_with_body_from_file(server: LocalServer, tmp_path: Path) -> None:
    body = {"email": "new@example.com", "name": "New", "metadata": {"plan": "pro"}}
    (tmp_path / "body.json").write_text(json.dumps(body))
    result = run(
        "call", "customers_create", "--body", f"@{tmp_path / 'body.json'}", "--base-url", server.url, env=token_env()
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(server.requests_to("POST", "/v1/customers/")[-1].body) == body
    assert json.loads(result.stdout)["id"] == CUSTOMER_ID
    inline = run("call", "customers_create", "--body", json.dumps(body), "--base-url", server.url, env=token_env())
    assert inline.returncode == EXIT_OK, inline.stderr
    piped = run(
        "call",
        "customers_create",
        "--body",
        "@-",
        "--base-url",
        server.url,
        env=token_env(),
        input=json.dumps({**body, "name": "Piped"}),
    )
    assert piped.returncode == EXIT_OK, piped.stderr
    assert json.loads(server.requests_to("POST", "/v1/customers/")[-1].body)["name"] == "Piped"


def test_call_text_csv_and_no_content(server: LocalServer) -> None:
    export = run(
        "call", "customers_export", "-p", f"organization_id={ORG_ID}", "--base-url", server.url, env=token_env()
    )
    assert export.returncode == EXIT_OK, export.stderr
    assert export.stdout == EXPORT_CSV
    deleted = run("call", "customers_delete", "-p", f"id={CUSTOMER_ID}", "--base-url", server.url, env=token_env())
    assert (deleted.returncode, deleted.stdout) == (EXIT_OK, "")
    as_csv = run("call", "customers_list", "--output", "csv", "--base-url", server.url, env=token_env())
    assert as_csv.returncode == EXIT_OK, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [r["email"] for r in rows] == [c["email"] for c in customer_page(3)["items"]]


def test_call_prompts_for_the_token(server: LocalServer) -> None:
    result = run(
        "call",
        "customers_get",
        "-p",
        f"id={CUSTOMER_ID}",
        "--base-url",
        server.url,
        "--prompt-token",
        input=TOKEN + "\n",
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert server.requests_to("GET", f"/v1/customers/{CUSTOMER_ID}")[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert_no_token(result)


def test_server_option_picks_a_spec_server() -> None:
    result = run("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--server", "nowhere")
    assert result.returncode == EXIT_USAGE
    assert "unknown server 'nowhere'" in result.stderr and "sandbox" in result.stderr


# -- exit codes ------------------------------------------------------------------------------------
def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


FAILURES: list[tuple[str, list[str], int, str]] = [
    ("unknown-operation", ["call", "customers_gett"], EXIT_USAGE, "did you mean 'customers_get'"),
    ("unknown-parameter", ["call", "customers_get", "-p", "idd=1"], EXIT_USAGE, "has no parameter 'idd'"),
    ("bad-integer", ["call", "customers_list", "-p", "limit=ten"], EXIT_USAGE, "'ten' is not a valid integer"),
    ("not-name-value", ["call", "customers_list", "-p", "limit"], EXIT_USAGE, "expected NAME=VALUE"),
    ("bad-body-json", ["call", "customers_create", "--body", "{nope"], EXIT_USAGE, "--body is not JSON"),
    (
        "repeated-scalar",
        ["call", "customers_list", "-p", "limit=1", "-p", "limit=2"],
        EXIT_USAGE,
        "takes a single value",
    ),
    ("spec-error", ["ops", "--spec", "{broken}"], EXIT_SPEC, "cannot read spec"),
    ("request-validation", ["call", "customers_get", "-p", "id=not-a-uuid"], EXIT_REQUEST, "path.id"),
    ("request-validation-missing", ["call", "customers_get"], EXIT_REQUEST, "path.id"),
    ("api-error", ["call", "customers_get_external", "-p", "external_id=missing"], EXIT_API, "HTTP 404"),
    (
        "response-validation",
        ["call", "customers_get_external", "-p", "external_id=broken"],
        EXIT_RESPONSE,
        "does not match the spec",
    ),
    (
        "transport-error",
        ["call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--timeout", "5"],
        EXIT_TRANSPORT,
        "ConnectError",
    ),
]


@pytest.mark.parametrize(("args", "code", "message"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_each_failure_kind_has_its_exit_code(server: LocalServer, args: list[str], code: int, message: str) -> None:
    base_url = f"http://127.0.0.1:{_closed_port()}" if code == EXIT_TRANSPORT else server.url
    before = len(server.seen)
    result = run(*args, "--base-url", base_url, env=token_env()) if args[0] == "call" else run(*args)
    assert result.returncode == code, result.stderr
    assert message in result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert_no_token(result)
    if code in (EXIT_USAGE, EXIT_REQUEST):
        assert len(server.seen) == before  # nothing was sent
    if code == EXIT_API:
        assert json.loads(result.stderr.splitlines()[-1]) == NOT_FOUND


# -- stubs ------------------------------------------------------------------------------------------
def test_stubs_writes_and_checks(tmp_path: Path) -> None:
    result = run("stubs", "--out", str(tmp_path))
    assert result.returncode == EXIT_OK, result.stderr
    expected = render_stubs(load_spec())
    for rel, text in expected.items():
        assert (tmp_path / rel).read_text(encoding="utf-8") == text
    assert run("stubs", "--out", str(tmp_path), "--check").returncode == EXIT_OK
    (tmp_path / "dynclient" / "schemas.pyi").write_text("# stale\n")
    stale = run("stubs", "--out", str(tmp_path), "--check")
    assert stale.returncode == EXIT_FAILED and "stale stub" in stale.stderr


def test_shipped_stubs_are_current() -> None:
    assert run("stubs", "--check").returncode == EXIT_OK


# -- spec commands ------------------------------------------------------------------------------------
def test_spec_extract_is_byte_identical_to_the_bundled_spec() -> None:
    result = run("spec", "extract", "--tag", "customers", "--webhook-prefix", "customer.", str(POLAR_CURRENT))
    assert result.returncode == EXIT_OK
    assert result.stdout == bundled_spec_path().read_text(encoding="utf-8")


def test_spec_diff_text_json_and_gate(tmp_path: Path) -> None:
    text = run("spec", "diff", "--tag", "customers", str(POLAR_OLD), str(POLAR_CURRENT))
    assert text.returncode == EXIT_OK, text.stderr
    assert "6 change(s): 0 breaking, 6 non-breaking" in text.stdout
    assert "CustomerIndividual: response property 'first_user_event_at' added (required)" in text.stdout
    data = json.loads(run("spec", "diff", "--tag", "customers", "--json", str(POLAR_OLD), "@bundled").stdout)
    assert data["summary"] == {"changes": 6, "breaking": 0, "non_breaking": 6}
    assert (
        run("spec", "diff", "--tag", "customers", "--fail-on", "breaking", str(POLAR_OLD), "@bundled").returncode
        == EXIT_OK
    )
    assert (
        run("spec", "diff", "--tag", "customers", "--fail-on", "any", str(POLAR_OLD), "@bundled").returncode
        == EXIT_FAILED
    )
    # the reverse direction removes a required response property: breaking
    back = run("spec", "diff", "--fail-on", "breaking", "@bundled", str(POLAR_OLD), "--tag", "customers")
    assert back.returncode == EXIT_FAILED and "BREAKING (4)" in back.stdout
    doc = json.loads(bundled_spec_path().read_text())
    doc["components"]["schemas"]["CustomerSortProperty"]["enum"].remove("-name")
    (tmp_path / "edited.json").write_text(json.dumps(doc))
    gated = run("spec", "diff", "--fail-on", "breaking", "--json", "@bundled", str(tmp_path / "edited.json"))
    assert gated.returncode == EXIT_FAILED
    (change,) = json.loads(gated.stdout)["changes"]
    assert (change["kind"], change["breaking"], change["pointer"]) == (
        "parameter-enum-values-removed",
        True,
        "/components/schemas/CustomerSortProperty",
    )
    assert run("spec", "diff", "@bundled", str(tmp_path / "nope.json")).returncode == EXIT_SPEC


def test_spec_check(tmp_path: Path) -> None:
    ok = run("spec", "check", str(bundled_spec_path()))
    assert ok.returncode == EXIT_OK, ok.stderr
    assert "valid OpenAPI 3.1.0" in ok.stdout and "30 operations usable by dynclient" in ok.stdout
    doc = json.loads(bundled_spec_path().read_text())
    doc["paths"]["/v1/customers/"]["get"]["parameters"][0]["in"] = "bogus"
    (tmp_path / "bad.json").write_text(json.dumps(doc))
    bad = run("spec", "check", str(tmp_path / "bad.json"))
    assert bad.returncode == EXIT_FAILED
    assert "/paths/~1v1~1customers~1/get/parameters/0/in" in bad.stderr
    (tmp_path / "broken.json").write_text("{")
    assert run("spec", "check", str(tmp_path / "broken.json")).returncode == EXIT_SPEC


def _spec_dir(tmp_path: Path) -> Path:
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / bundled_spec_path().name).write_bytes(bundled_spec_path().read_bytes())
    return specs


def test_spec_update_from_a_url(server: LocalServer, tmp_path: Path) -> None:
    specs, out = _spec_dir(tmp_path), tmp_path / "out"
    target = specs / bundled_spec_path().name
    before = target.read_text()
    refused = run(
        "spec",
        "update",
        f"{server.url}/specs/{POLAR_OLD.name}",
        "--spec-dir",
        str(specs),
        "--stubs-dir",
        str(out),
        "--fail-on",
        "breaking",
    )
    assert refused.returncode == EXIT_FAILED and "not updating" in refused.stderr
    assert "BREAKING (4)" in refused.stdout
    dry = run("spec", "update", f"{server.url}/specs/{POLAR_OLD.name}", "--spec-dir", str(specs), "--dry-run")
    assert dry.returncode == EXIT_OK and "dry run" in dry.stdout
    assert target.read_text() == before and not out.exists()
    done = run(
        "spec", "update", f"{server.url}/specs/{POLAR_OLD.name}", "--spec-dir", str(specs), "--stubs-dir", str(out)
    )
    assert done.returncode == EXIT_OK, done.stderr
    assert "first_user_event_at" in done.stdout  # the diff is shown
    # the cut's choice is kept (recorded in x-dynclient-extract): the tag and the webhook prefix
    kept = extract(load_document(POLAR_OLD), ["customers"], webhook_prefixes=["customer."])
    assert target.read_text() == dump_spec(kept)
    new_spec = load_spec(target)
    assert [w.name for w in new_spec.webhooks] == [w.name for w in load_spec().webhooks]
    assert new_spec.version == "2026-04"
    for rel, text in render_stubs(new_spec).items():
        assert (out / rel).read_text(encoding="utf-8") == text
    assert "first_user_event_at" not in (out / "dynclient" / "schemas.pyi").read_text()
    again = run("spec", "update", str(POLAR_OLD), "--spec-dir", str(specs), "--no-stubs")
    assert again.returncode == EXIT_OK and "no changes a client would notice" in again.stdout


def test_spec_update_with_another_tag(tmp_path: Path) -> None:
    specs, out = _spec_dir(tmp_path), tmp_path / "out"
    result = run(
        "spec", "update", str(POLAR_CURRENT), "--tag", "meters", "--spec-dir", str(specs), "--stubs-dir", str(out)
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert "operation meters_list added" in result.stdout and "operation customers_list removed" in result.stdout
    assert set(load_spec(next(specs.glob("*.openapi.json"))).names) == {
        "meters_list",
        "meters_create",
        "meters_get",
        "meters_update",
        "meters_quantities",
    }
    assert "def quantities(" in (out / "dynclient" / "__init__.pyi").read_text()


def test_cli_loads_an_edited_spec_without_code_change(server: LocalServer, tmp_path: Path) -> None:
    doc: dict[str, Any] = json.loads(bundled_spec_path().read_text())
    op = copy.deepcopy(doc["paths"]["/v1/customers/{id}"]["get"])
    op["operationId"] = "customers:get_again"
    doc["paths"]["/v1/customers/{id}/again"] = {"get": op}
    (tmp_path / "edited.json").write_text(json.dumps(doc))
    server.script("GET", f"/v1/customers/{CUSTOMER_ID}/again", [Reply(200, json=customer(0))])
    assert "customers_get_again" in run("ops", "--spec", str(tmp_path / "edited.json")).stdout
    result = run(
        "call",
        "customers_get_again",
        "-p",
        f"id={CUSTOMER_ID}",
        "--spec",
        str(tmp_path / "edited.json"),
        "--base-url",
        server.url,
        env=token_env(),
    )
    assert result.returncode == EXIT_OK, result.stderr
    assert json.loads(result.stdout)["id"] == CUSTOMER_ID


def test_spec_update_defaults_to_the_bundled_spec_and_shipped_stubs() -> None:
    """Against the checkout's own specs/ (dry run: the bundled spec is already Polar's current cut)."""
    before = bundled_spec_path().read_bytes()
    result = run("spec", "update", str(POLAR_CURRENT), "--dry-run")
    assert result.returncode == EXIT_OK, result.stderr
    assert f"old: {bundled_spec_path().name}" in result.stdout
    assert "no changes a client would notice" in result.stdout and "is up to date" in result.stdout
    assert bundled_spec_path().read_bytes() == before
