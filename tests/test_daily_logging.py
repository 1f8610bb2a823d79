"""Logging (issue 13): silent by default (a NullHandler), one switch to turn it on
(``DYNCLIENT_LOG``), one record per event, nothing at WARNING or above for what is also raised or
warned, a ``warn``-mode report printed once, a transport error printed once by the CLI, and
never the token."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from conftest import ROOT, TOKEN, Api, json_response
from payloads import CUSTOMER_ID, customer

import dynclient
from dynclient import _logging

Handler = Callable[[httpx.Request], httpx.Response]


def closed_port() -> int:
    """A port on 127.0.0.1 nobody listens on (it was free a moment ago)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


SCRIPT = """
import warnings
import httpx
import dynclient

def wrong(request):  # a 200 whose body is not a customer at all
    return httpx.Response(200, json={{"id": "not-a-customer", "email": 12345}})

mock = httpx.Client(transport=httpx.MockTransport(wrong))
client = dynclient.Client(access_token={token!r}, validate_responses="warn", http_client=mock, log_bodies=True)
client.customers.get(id="{customer_id}")
down = dynclient.Client(access_token={token!r}, base_url="http://127.0.0.1:{port}", retry=dynclient.RetryPolicy.none())
try:
    down.customers.get(id="{customer_id}")
except dynclient.TransportError as exc:
    print("raised", type(exc).__name__)
"""


def run_script(log: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DYNCLIENT_LOG", "PYTHONWARNINGS")}
    if log is not None:
        env["DYNCLIENT_LOG"] = log
    code = SCRIPT.format(token=TOKEN, port=closed_port(), customer_id=CUSTOMER_ID)
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )


def test_silent_by_default_the_warning_once_and_the_error_raised() -> None:
    proc = run_script(None)
    assert proc.stdout.strip() == "raised TransportError"
    err = proc.stderr
    assert err.count("does not match the spec") == 1  # the warn-mode report, once: the warning itself
    assert err.count("ResponseValidationWarning") == 1 and "  - body." in err
    assert err.startswith("<string>:11: ResponseValidationWarning")  # it names the caller's line
    assert "transport error" not in err and "ConnectError" not in err  # raised, so not printed too
    assert TOKEN not in err
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("dynclient").handlers)


@pytest.mark.parametrize("level", ["debug", "info", "INFO", "warning"])
def test_one_switch_turns_the_logs_on(level: str) -> None:
    err = run_script(level).stderr
    records = [line for line in err.splitlines() if " dynclient " in line]
    report = [line for line in err.splitlines() if line.startswith("  - ")]  # the warning's problem lines
    assert len(report) == len(set(report)) >= 1  # the report printed once, whatever the level
    if level == "warning":
        assert records == []  # nothing of what is raised or warned is logged at WARNING
        return
    assert sum("transport error GET" in line for line in records) == 1  # one record per event
    assert sum("does not match the spec (" in line for line in records) == 1
    assert all(" INFO " in line or " DEBUG " in line for line in records)
    debug = [line for line in records if " DEBUG " in line]
    if level == "debug":
        assert [line.split(" DEBUG ", 1)[1].split(" ", 1)[0] for line in debug] == ["request", "response", "request"]
        assert "not-a-customer" in debug[1]  # the body rides in the response's record
    else:
        assert debug == []
    assert TOKEN not in err
    assert ("[redacted]" in err) == (level == "debug")  # the headers were logged, the token replaced


def test_an_unknown_level_is_warned_about_and_logs_stay_off() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert _logging.configure_from_env({"DYNCLIENT_LOG": "verbose"}) is None
    assert [str(w.message) for w in caught] == [
        "DYNCLIENT_LOG='verbose' is not one of debug, info, warning: dynclient's logs stay off"
    ]
    assert issubclass(caught[0].category, dynclient.DynclientWarning)
    logger = logging.getLogger("dynclient")
    before = (logger.level, logger.propagate, list(logger.handlers))
    try:
        handler = _logging.configure_from_env({"DYNCLIENT_LOG": "info"})
        again = _logging.configure_from_env({"DYNCLIENT_LOG": "debug"})
        assert handler is not None and again is not None and handler not in logger.handlers  # replaced, not added
        assert logger.level == logging.DEBUG and not logger.propagate
        assert _logging.configure_from_env({}) is None and again not in logger.handlers
    finally:
        logger.setLevel(before[0])
        logger.propagate = before[1]
        logger.handlers[:] = before[2]


def test_the_cli_prints_a_transport_error_once() -> None:
    env = {k: v for k, v in os.environ.items() if k != "DYNCLIENT_LOG"}
    env["POLAR_ACCESS_TOKEN"] = TOKEN
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "dynclient", "call", "customers_get", "-p", f"id={CUSTOMER_ID}"),
            *("--base-url", f"http://127.0.0.1:{closed_port()}", "--deadline", "5"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 7 and proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("dynclient: customers_get: ConnectError"), proc.stderr
    assert TOKEN not in proc.stderr


# -- in process: levels and one record per event ----------------------------------------------------


def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "dynclient"]


def test_a_call_is_one_record_sent_and_one_received(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dynclient")
    api = make_api(lambda _r: json_response(201, customer(0)), log_bodies=True)
    api.call("customers_create", body={"email": "ada@example.com"})
    got = records(caplog)
    assert [r.getMessage().split(" ", 1)[0] for r in got] == ["request", "response"]
    assert [r.levelno for r in got] == [logging.DEBUG, logging.DEBUG]
    assert "ada@example.com" in got[0].getMessage() and "customer0@example.com" in got[1].getMessage()


def test_a_retried_call_is_one_record_per_attempt_and_outcome(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dynclient")
    answers = [httpx.Response(503), json_response(200, customer(0))]
    api = make_api(lambda _r: answers.pop(0), retry=dynclient.RetryPolicy(attempts=2, backoff=0, jitter=False))
    api.call("customers_get", id=CUSTOMER_ID)
    got = [(r.levelno, r.getMessage().split(" ", 1)[0]) for r in records(caplog)]
    assert got == [
        (logging.DEBUG, "request"),
        (logging.INFO, "response"),  # the 503, retried
        (logging.DEBUG, "request"),
        (logging.DEBUG, "response"),
    ]


def raise_connect(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("slow", request=request)


FAILURES: list[tuple[str, Handler, dict[str, Any], type[BaseException]]] = [
    ("connect", raise_connect, {}, dynclient.TransportError),
    ("timeout", raise_timeout, {}, dynclient.RequestTimeout),
    (
        "404",
        lambda _r: json_response(404, {"error": "ResourceNotFound", "detail": "gone"}),
        {},
        dynclient.NotFoundError,
    ),
    ("invalid", lambda _r: json_response(200, {"id": 3}), {}, dynclient.ResponseValidationError),
    (
        "too large",
        lambda _r: json_response(200, customer(0)),
        {"max_response_bytes": 10},
        dynclient.ResponseTooLargeError,
    ),
    (
        "retries out",
        lambda _r: httpx.Response(503),
        {"retry": dynclient.RetryPolicy(attempts=2, backoff=0)},
        dynclient.ServerError,
    ),
]


@pytest.mark.parametrize(("handler", "options", "error"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_nothing_raised_is_logged_at_warning_or_above(
    make_api: Callable[..., Api],
    caplog: pytest.LogCaptureFixture,
    handler: Handler,
    options: dict[str, Any],
    error: type[BaseException],
) -> None:
    caplog.set_level(logging.DEBUG)
    api = make_api(handler, api_version=False, **options)
    with pytest.raises(error):
        api.call("customers_get", id=CUSTOMER_ID)
    got = records(caplog)
    assert got and max(r.levelno for r in got) < logging.WARNING
    sent = [r for r in got if r.getMessage().startswith("request ")]
    assert len(got) - len(sent) == len(sent)  # one outcome record per attempt sent, no more


def test_warned_events_are_one_info_record_each(make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="dynclient")
    bad = customer(0)
    bad["email"] = 12345

    def answer(_r: httpx.Request) -> httpx.Response:
        response = json_response(200, bad)
        response.headers["Polar-Version"] = "2099-01"  # another API version than the one sent
        return response

    api = make_api(answer, validate_responses="warn")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        api.call("customers_get", id=CUSTOMER_ID)
    got = records(caplog)
    assert {r.levelno for r in got} == {logging.INFO}
    kinds = sorted(w.category.__name__ for w in caught)
    assert kinds == ["ApiVersionWarning", "ResponseValidationWarning"]
    assert len(got) == len(caught)  # one record per warned event
    summary = next(r.getMessage() for r in got if "does not match" in r.getMessage())
    assert "\n" not in summary and "1 problem(s)" in summary
