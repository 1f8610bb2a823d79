"""The access token never shows, whole or in part (issue 10, item 3).

* A token that cannot be sent (whitespace, control or non-ASCII characters) is refused when
  the client is made, by an error that quotes none of it.
* A token echoed by a server, as is or escaped (JSON ``\\u``, ``\\/``, percent-encoding,
  nested escapes), is scrubbed from error messages, kept bodies and headers, logs and the
  CLI's stderr.
* Every cut (300 characters of an API message, 120 of a value in a validation message, 4096
  of a logged body, 4000 of the CLI's body) scrubs first and never ends in a token's beginning.
* A value too short to be a credential is never scrubbed ("on" leaves "Connection" alone),
  and dynclient never prints such a token either.
"""

from __future__ import annotations

import copy
import json
import logging
import os
import pickle
import re
import socket
import subprocess
import sys
import traceback
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _server import LocalServer, Reply
from conftest import ROOT, json_response
from payloads import CUSTOMER_ID, customer

import dynclient
from dynclient import _secrets
from dynclient._cli import EXIT_API, EXIT_USAGE

#: letters, digits, ``/`` and ``+``: every 5-character piece of it is unlikely anywhere else
TOKEN = "tkZq8/Xv3Lw9+Rb2Nf7Hj4Pd6Ms1Gy5Kc0"
GET_PATH = f"/v1/customers/{CUSTOMER_ID}"


def pieces(secret: str = TOKEN, size: int = 5) -> set[str]:
    return {secret[i : i + size] for i in range(len(secret) - size + 1)}


def assert_clean(*texts: str) -> None:
    for text in texts:
        leaked = [p for p in pieces() if p in text]
        assert not leaked, f"token pieces {leaked[:3]} in {text[:400]!r}"


def u_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def percent(text: str) -> str:
    return "".join(f"%{ord(c):02X}" for c in text)


#: the token as servers and libraries echo it: as is, JSON \u-escaped, with \/ (JSON's
#: optional escape), percent-encoded, double percent-encoded, mixed, nested JSON escapes
FORMS = {
    "raw": TOKEN,
    "json-u": u_escaped(TOKEN),
    "json-slash": TOKEN.replace("/", "\\/"),
    "percent": percent(TOKEN),
    "percent-lower": re.sub("%[0-9A-F]{2}", lambda m: m.group().lower(), urllib.parse.quote(TOKEN, safe="")),
    "double-percent": urllib.parse.quote(urllib.parse.quote(TOKEN, safe=""), safe=""),
    "mixed": TOKEN[:6] + u_escaped(TOKEN[6:12]) + percent(TOKEN[12:20]) + TOKEN[20:],
    "nested-json": json.dumps(u_escaped(TOKEN))[1:-1],
}


def echo_body() -> bytes:
    """A JSON error body carrying every form (each a JSON string: the \\u forms decode)."""
    fields = ", ".join(f'"{name}": "{form.replace(chr(34), "")}"' for name, form in FORMS.items())
    return ('{"detail": "invalid token ' + TOKEN + '", ' + fields + "}").encode()


# -- refused at construction ---------------------------------------------------------------------

BAD_TOKENS = {
    "trailing CR": TOKEN + "\r",
    "trailing LF": TOKEN + "\n",
    "trailing CRLF": TOKEN + "\r\n",
    "trailing tab": TOKEN + "\t",
    "leading space": " " + TOKEN,
    "inner space": TOKEN[:10] + " " + TOKEN[10:],
    "non-ASCII": TOKEN[:10] + "é" + TOKEN[10:],
    "NUL": TOKEN[:10] + "\x00" + TOKEN[10:],
    "DEL": TOKEN + "\x7f",
    "vertical tab": TOKEN[:3] + "\x0b" + TOKEN[3:],
}


#: an environment variable cannot hold NUL: that one is tried as an argument only
SOURCES = [
    (n, s) for n in BAD_TOKENS for s in ("argument", "environment") if "\x00" not in BAD_TOKENS[n] or s == "argument"
]


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize(("name", "source"), SOURCES)
def test_a_token_that_cannot_be_sent_is_refused_without_quoting_it(
    kind: str, source: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = BAD_TOKENS[name]
    cls = dynclient.Client if kind == "sync" else dynclient.AsyncClient
    options: dict[str, Any] = {}
    if source == "argument":
        options["access_token"] = bad
    else:
        monkeypatch.setenv("DYNCLIENT_TEST_TOKEN", bad)
        options["token_env"] = "DYNCLIENT_TEST_TOKEN"
    with pytest.raises(dynclient.InvalidTokenError) as info:
        cls(**options)
    exc = info.value
    assert isinstance(exc, dynclient.ConfigurationError | ValueError | dynclient.DynclientError)
    assert exc.__cause__ is None and exc.__context__ is None
    text = str(exc)
    assert ("$DYNCLIENT_TEST_TOKEN" if source == "environment" else "access_token") in text
    assert_clean(text, repr(exc), repr(exc.args), "".join(traceback.format_exception(exc)))
    assert_clean(str(pickle.loads(pickle.dumps(exc))))
    for char in ("\r", "\n", "\t", "é", "\x00"):
        if char in bad:
            assert char not in text and repr(char)[1:-1] not in text


def test_the_message_says_what_is_wrong() -> None:
    with pytest.raises(dynclient.InvalidTokenError, match="ends with whitespace"):
        dynclient.Client(access_token=TOKEN + "\r\n")
    with pytest.raises(dynclient.InvalidTokenError, match="non-ASCII"):
        dynclient.Client(access_token=BAD_TOKENS["non-ASCII"])
    with pytest.raises(dynclient.InvalidTokenError, match="control character"):
        dynclient.Client(access_token=BAD_TOKENS["NUL"])
    with pytest.raises(dynclient.InvalidTokenError, match="must be a str"):
        dynclient.Client(access_token=TOKEN.encode())  # type: ignore[arg-type]


def test_every_visible_ascii_character_is_accepted() -> None:
    token = "".join(chr(c) for c in range(0x21, 0x7F))
    with dynclient.Client(access_token=token) as client:
        request = client.build_request("customers_get", id=CUSTOMER_ID)
    assert request.headers["Authorization"] == f"Bearer {token}"


def test_the_secret_holder_never_shows_or_pickles_the_token() -> None:
    client = dynclient.Client(access_token=TOKEN)
    secret = vars(client)["_token"]
    assert secret is not None
    assert_clean(repr(secret), str(secret), repr(client), repr(vars(client)))
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(secret)
    assert copy.copy(secret) is secret and copy.deepcopy(secret) is secret
    client.close()


# -- echoed by a server, in any form ---------------------------------------------------------------


def _error_texts(exc: BaseException) -> list[str]:
    texts = [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
    for name in ("text", "body", "headers", "errors", "request", "message", "args"):
        texts.append(repr(getattr(exc, name, None)))
    request = getattr(exc, "request", None)
    if isinstance(request, httpx.Request):
        texts += [str(request.url), repr(dict(request.headers))]
    texts.append(str(pickle.loads(pickle.dumps(exc))))
    return texts


def test_an_echo_in_every_form_is_scrubbed_from_errors_and_logs(
    make_api: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    headers = {
        "content-type": "application/json",
        "x-echo": TOKEN,
        "www-authenticate": f'Bearer realm="{percent(TOKEN)}"',
    }
    api = make_api(
        lambda _r: httpx.Response(401, content=echo_body(), headers=headers), access_token=TOKEN, log_bodies=True
    )
    with pytest.raises(dynclient.AuthenticationError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    exc = info.value
    assert "invalid token [redacted]" in str(exc)  # the echo was there, and was replaced
    assert exc.body["detail"] == "invalid token [redacted]"
    assert_clean(*_error_texts(exc), caplog.text, *(r.getMessage() for r in caplog.records))
    assert "[redacted]" in caplog.text  # the body was logged, scrubbed
    for name in FORMS:
        assert f'"{name}": "[redacted]"' in exc.text, name


def test_a_token_passed_as_an_argument_is_scrubbed_from_the_url_in_errors_and_logs(
    make_api: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dynclient")
    api = make_api(lambda _r: json_response(400, {"detail": "bad"}), access_token=TOKEN)
    with pytest.raises(dynclient.BadRequestError) as info:
        api.call("customer_portal_customers_check_email_update", token=TOKEN)
    assert api.sent[0].url.params["token"] == TOKEN  # it was sent: the test would see a leak
    assert "token=" in str(info.value)
    assert_clean(*_error_texts(info.value), caplog.text)


@pytest.mark.parametrize("offset", range(262, 300, 3))
def test_a_cut_api_message_shows_no_part_of_the_token(make_api: Callable[..., Any], offset: int) -> None:
    detail = "x" * offset + TOKEN + " and more text after it"
    # api_version=False: an echo-less 404 with a version sent would be an ApiVersionError (issue 11)
    api = make_api(lambda _r: json_response(404, {"detail": detail}), access_token=TOKEN, api_version=False)
    with pytest.raises(dynclient.NotFoundError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert_clean(*_error_texts(info.value))


@pytest.mark.parametrize("offset", range(80, 121, 4))
def test_a_cut_value_in_a_validation_message_shows_no_part_of_the_token(
    make_api: Callable[..., Any], offset: int
) -> None:
    bad = customer(0)
    bad["billing_address"]["country"] = "x" * offset + TOKEN
    api = make_api(lambda _r: json_response(200, bad), access_token=TOKEN, validate_responses="strict")
    with pytest.raises(dynclient.ResponseValidationError) as info:
        api.call("customers_get", id=CUSTOMER_ID)
    assert "body.billing_address.country" in str(info.value)
    assert_clean(*_error_texts(info.value))
    with pytest.raises(dynclient.RequestValidationError) as request_info:
        api.call("customers_list", email=1, query=None, limit="x" * offset + TOKEN)
    assert_clean(*_error_texts(request_info.value))
    assert api.sent and len(api.sent) == 1


@pytest.mark.parametrize("offset", [4000, 4070, 4080, 4090, 4095])
def test_a_cut_logged_body_shows_no_part_of_the_token(
    make_api: Callable[..., Any], caplog: pytest.LogCaptureFixture, offset: int
) -> None:
    caplog.set_level(logging.DEBUG, logger="dynclient")
    payload = customer(0)
    payload["name"] = ""
    prefix_len = len(json.dumps(payload, separators=(",", ":")))
    payload["name"] = "n" * max(0, offset - prefix_len) + TOKEN
    api = make_api(lambda _r: json_response(200, payload), access_token=TOKEN, log_bodies=True)
    api.call("customers_get", id=CUSTOMER_ID)
    # the body rides in the response's one record (issue 13: one record per event)
    logged = [r.getMessage().split(" body: ", 1)[1] for r in caplog.records if r.getMessage().startswith("response ")]
    assert logged and len(logged[0]) <= 4096 + 40
    assert_clean(caplog.text, *logged)


def test_clip_never_ends_in_a_partial_token_or_escape() -> None:
    holder = _secrets.Secret(TOKEN)
    for form in (TOKEN, u_escaped(TOKEN), percent(TOKEN)):
        partial = form[: len(form) // 2]  # a server that echoes half the token, cut anywhere
        for limit in range(20, 20 + len(partial) + 10):
            shown = _secrets.clip("y" * 20 + partial + "z" * 80, limit)
            assert len(shown) <= limit and shown.endswith("...")
            kept = urllib.parse.unquote(shown[:-3].encode().decode("unicode_escape"))
            assert kept.startswith("y" * min(20, limit - 3))
            assert not any(kept.endswith(TOKEN[:k]) for k in range(1, len(TOKEN))), (limit, shown)
            assert not re.search(r"(\\u[0-9a-f]{0,3}|%[0-9A-F]?)$", shown[:-3]), shown
    assert _secrets.clip("plain words that are long enough", 10) == "plain w..."
    assert _secrets.clip("plain text", 9) == "plain ..."  # "t" could start the token
    del holder


def test_scrubbing_handles_deep_values() -> None:
    holder = _secrets.Secret(TOKEN)
    deep: Any = TOKEN
    for _ in range(5000):  # deeper than Python's recursion limit: the walk is iterative
        deep = [deep]
    clean = _secrets.scrub_value({"k": deep, TOKEN: 1})
    inner = clean["k"]
    for _ in range(5000):
        inner = inner[0]
    assert inner == "[redacted]" and "[redacted]" in clean
    unchanged = {"a": [1, "b"]}
    assert _secrets.scrub_value(unchanged) is unchanged  # nothing copied when nothing changed
    del holder


# -- short values ----------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_a_short_token_is_never_scrubbed_and_never_printed(kind: str, caplog: pytest.LogCaptureFixture) -> None:
    import asyncio

    caplog.set_level(logging.DEBUG)
    base_url = f"http://127.0.0.1:{_closed_port()}"
    options: dict[str, Any] = {"access_token": "on", "base_url": base_url, "retry": dynclient.RetryPolicy.none()}
    with pytest.raises(dynclient.TransportError) as info:
        if kind == "sync":
            with dynclient.Client(**options) as client:
                client.call("customers_get", id=CUSTOMER_ID)
        else:

            async def go() -> None:
                async with dynclient.AsyncClient(**options) as client:
                    await client.call("customers_get", id=CUSTOMER_ID)

            asyncio.run(go())
    text = str(info.value)
    assert "Connect" in text and "[redacted]" not in text  # "Connection"/"ConnectError" intact
    assert "[redacted]" not in caplog.text.replace("'authorization': '[redacted]'", "")
    assert "onnection" in text and "onnection" in caplog.text  # "Connection refused" or "connection attempts"
    assert "Bearer on" not in caplog.text and "Bearer on" not in "".join(traceback.format_exception(info.value))


def test_the_minimum_length_is_eight_characters() -> None:
    seven, eight = "Abcdef7", "Abcdefg8"
    holders = [_secrets.Secret(seven), _secrets.Secret(eight)]
    assert _secrets.MIN_SECRET_LENGTH == 8
    assert _secrets.scrub(f"x {seven} y {eight} z") == f"x {seven} y [redacted] z"
    del holders


# -- the CLI ---------------------------------------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("dynclient")


def run_cli(*args: str, token: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "POLAR_ACCESS_TOKEN"}
    env["POLAR_ACCESS_TOKEN"] = token
    return subprocess.run(
        [str(SCRIPT), *args], check=False, capture_output=True, text=True, env=env, timeout=60, cwd=ROOT
    )


@pytest.fixture(scope="module")
def echo_server() -> Iterator[LocalServer]:
    headers = {"Content-Type": "application/json", "X-Echo": TOKEN}
    with LocalServer() as srv:
        srv.script("GET", GET_PATH, [Reply(401, body=echo_body(), headers=headers)])
        yield srv


def test_the_cli_never_prints_an_echoed_token(echo_server: LocalServer) -> None:
    result = run_cli("call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", echo_server.url, token=TOKEN)
    assert result.returncode == EXIT_API, result.stderr
    assert echo_server.requests_to("GET", GET_PATH)[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    assert "HTTP 401" in result.stderr and "[redacted]" in result.stderr
    assert_clean(result.stdout, result.stderr)


def test_the_cli_refuses_a_token_with_a_newline_without_printing_it(echo_server: LocalServer) -> None:
    before = len(echo_server.seen)
    result = run_cli(
        "call", "customers_get", "-p", f"id={CUSTOMER_ID}", "--base-url", echo_server.url, token=TOKEN + "\r"
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert "whitespace" in result.stderr and "Traceback" not in result.stderr
    assert_clean(result.stdout, result.stderr)
    assert len(echo_server.seen) == before  # nothing was sent


def test_a_token_with_quotes_and_backslashes_is_scrubbed_in_json_and_repr_forms() -> None:
    token = "Qx\\7\"Rk'9/Wm+Z"
    holder = _secrets.Secret(token)
    for form in (token, json.dumps(token), repr(token), json.dumps(json.dumps(token)), repr(json.dumps(token))):
        text = _secrets.scrub(f"<{form}>")
        assert text.count("[redacted]") == 1, (form, text)
        assert "Rk" not in text and "Wm" not in text, (form, text)
    del holder


def test_scrubbing_many_escape_characters_stays_linear() -> None:
    # a hostile body of backslash runs and percent signs: the work grows with its size only
    holder = _secrets.Secret(TOKEN)
    for junk in ("\\" * 200_000, "%" * 200_000, "%25" * 70_000, "\\u00" * 50_000):
        assert _secrets.scrub(junk + TOKEN) == junk + "[redacted]"
    del holder


def test_clients_made_while_another_thread_scrubs() -> None:
    import threading

    stop = threading.Event()
    failures: list[BaseException] = []

    def scrub_all_the_time() -> None:
        try:
            while not stop.is_set():
                _secrets.scrub("some text with " + TOKEN)
        except BaseException as exc:  # pragma: no cover - what the test is for
            failures.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    worker = threading.Thread(target=scrub_all_the_time)
    worker.start()
    try:
        kept = [_secrets.Secret(f"{TOKEN}-{i}") for i in range(2_000)]  # a long set to iterate
        for i in range(20_000):  # secrets added and collected while the other thread iterates them
            _secrets.Secret(f"{TOKEN}+{i}")
        del kept
    finally:
        stop.set()
        worker.join()
        sys.setswitchinterval(interval)
    assert failures == []


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("name", ["Authorization", "authorization", "Proxy-Authorization"])
def test_a_credential_header_has_one_way_in_access_token(kind: str, name: str) -> None:
    """A token in ``headers=`` would skip the token's checks and scrubbing (and be silently
    overridden by ``access_token``): refused at construction and in ``with_options``."""
    cls = dynclient.Client if kind == "sync" else dynclient.AsyncClient
    with pytest.raises(dynclient.ConfigurationError) as info:
        cls(headers={name: f"Bearer {TOKEN}"})
    assert "access_token" in str(info.value)
    assert_clean(*_error_texts(info.value))
    client = cls(access_token=TOKEN)
    with pytest.raises(dynclient.ConfigurationError) as clone_info:
        client.with_options(headers={name: f"Bearer {TOKEN}"})
    assert_clean(*_error_texts(clone_info.value))
