"""`dynclient webhook verify` and `dynclient webhook sign` in subprocesses: headers as options or a
JSON file, the secret only from the environment (never a flag, never printed), and the exit codes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT
from payloads import customer, customer_state

import dynclient
from dynclient._cli import EXIT_OK, EXIT_RESPONSE, EXIT_USAGE, EXIT_WEBHOOK

SCRIPT = Path(sys.executable).with_name("dynclient")
PLAIN = "polar_whs_cli-secret-0123456789"
WHSEC = "whsec_" + base64.b64encode(b"cli key bytes 0123456789").decode()


def run(*args: str, secret: str | None, stdin: bytes = b"") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POLAR_WEBHOOK_SECRET"}
    if secret is not None:
        env["POLAR_WEBHOOK_SECRET"] = secret
    proc = subprocess.run(
        [str(SCRIPT), "webhook", *args],
        check=False,
        capture_output=True,
        env=env,
        input=stdin,
        timeout=60,
        cwd=ROOT,
        start_new_session=True,  # no terminal: a prompt reads the (already consumed) stdin
    )
    return subprocess.CompletedProcess(proc.args, proc.returncode, proc.stdout.decode(), proc.stderr.decode())


def state_event() -> bytes:
    return json.dumps(
        {"type": "customer.state_changed", "timestamp": "2026-01-02T03:04:05Z", "data": customer_state()}
    ).encode()


@pytest.mark.parametrize("secret", [PLAIN, WHSEC], ids=["as-shown", "whsec"])
def test_sign_then_verify_with_options_and_with_a_headers_file(secret: str, tmp_path: Path) -> None:
    signed = run("sign", "--id", "msg_cli", secret=secret, stdin=state_event())
    assert signed.returncode == EXIT_OK, signed.stderr
    out = json.loads(signed.stdout)
    assert out["body"].encode() == state_event() and out["headers"]["webhook-id"] == "msg_cli"
    dynclient.Webhooks(secret).verify(state_event(), out["headers"])  # the library agrees
    headers = out["headers"]
    by_options = run(
        "verify",
        "--id",
        headers["webhook-id"],
        "--timestamp",
        headers["webhook-timestamp"],
        "--signature",
        "v1,bm90IHRoaXMgb25l",  # several signatures: any match is enough
        "--signature",
        headers["webhook-signature"],
        secret=secret,
        stdin=state_event(),
    )
    assert by_options.returncode == EXIT_OK, by_options.stderr
    event = json.loads(by_options.stdout)
    assert (event["type"], event["id"], event["known"]) == ("customer.state_changed", "msg_cli", True)
    assert event["payload"] == json.loads(state_event())
    (tmp_path / "headers.json").write_text(json.dumps({k.title(): v for k, v in headers.items()}))
    by_file = run("verify", "--headers-json", str(tmp_path / "headers.json"), secret=secret, stdin=state_event())
    assert by_file.returncode == EXIT_OK and json.loads(by_file.stdout) == event
    for proc in (signed, by_options, by_file):
        assert secret not in proc.stdout + proc.stderr


def _headers_file(tmp_path: Path, body: bytes, secret: str = PLAIN) -> str:
    _, headers = dynclient.Webhooks(secret).sign(body, id="msg_x")
    path = tmp_path / "h.json"
    path.write_text(json.dumps(headers))
    return str(path)


def test_exit_codes_untrusted_invalid_drift_unknown_and_usage(tmp_path: Path) -> None:
    body = state_event()
    headers = _headers_file(tmp_path, body)
    tampered = run("verify", "--headers-json", headers, secret=PLAIN, stdin=body.replace(b"active", b"activ"))
    assert tampered.returncode == EXIT_WEBHOOK and "no matching signature" in tampered.stderr
    wrong_secret = run("verify", "--headers-json", headers, secret=WHSEC, stdin=body)
    assert wrong_secret.returncode == EXIT_WEBHOOK
    assert PLAIN not in wrong_secret.stderr and WHSEC not in wrong_secret.stderr
    missing = run("verify", "--id", "msg_x", secret=PLAIN, stdin=body)
    assert missing.returncode == EXIT_WEBHOOK and "webhook-timestamp" in missing.stderr

    bad = json.loads(body)
    bad["data"]["email_verified"] = "yes"
    bad_body = json.dumps(bad).encode()
    invalid = run("verify", "--headers-json", _headers_file(tmp_path, bad_body), secret=PLAIN, stdin=bad_body)
    assert invalid.returncode == EXIT_RESPONSE and "payload.data.email_verified" in invalid.stderr

    drift = json.loads(body)
    drift["data"]["billing_address"]["country"] = "ZZ"
    drift_body = json.dumps(drift).encode()
    drifted = run("verify", "--headers-json", _headers_file(tmp_path, drift_body), secret=PLAIN, stdin=drift_body)
    assert drifted.returncode == EXIT_OK and "ResponseDriftWarning" in drifted.stderr
    assert drifted.stderr.count("additive drift") == 1
    strict = run(
        "verify",
        "--validate",
        "strict",
        "--headers-json",
        _headers_file(tmp_path, drift_body),
        secret=PLAIN,
        stdin=drift_body,
    )
    assert strict.returncode == EXIT_RESPONSE

    unknown_body = json.dumps({"type": "member.created", "data": customer(1)}).encode()
    unknown = run("verify", "--headers-json", _headers_file(tmp_path, unknown_body), secret=PLAIN, stdin=unknown_body)
    assert unknown.returncode == EXIT_OK and json.loads(unknown.stdout)["known"] is False

    no_secret = run("verify", "--headers-json", headers, secret=None, stdin=body)
    assert no_secret.returncode == EXIT_USAGE and "POLAR_WEBHOOK_SECRET" in no_secret.stderr
    prompt_without_terminal = run("verify", "--prompt-secret", "--headers-json", headers, secret=None, stdin=body)
    assert prompt_without_terminal.returncode == EXIT_USAGE
    not_json = tmp_path / "bad.json"
    not_json.write_text("[1, 2]")
    assert run("verify", "--headers-json", str(not_json), secret=PLAIN, stdin=body).returncode == EXIT_USAGE
    assert run("sign", "--timestamp", "soon", secret=PLAIN, stdin=body).returncode == EXIT_USAGE


def test_help_lists_the_webhook_exit_code_and_no_secret_flag() -> None:
    for args in (("--help",), ("verify", "--help"), ("sign", "--help")):
        shown = run(*args, secret=None)
        assert shown.returncode == EXIT_OK
        # each command lists its own exit codes (issue 13): signing cannot fail verification
        listed = f"{EXIT_WEBHOOK}  the webhook cannot be trusted" in shown.stdout
        assert listed == (args[0] != "sign")
        assert "POLAR_WEBHOOK_SECRET" in shown.stdout and "--secret" not in shown.stdout
