"""Webhook signatures (Standard Webhooks): both secret forms, every header source, tolerance both
ways, several signatures, tampering, constant-time comparison, and the secret never shown."""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import time
from typing import Any

import httpx
import pytest
from conftest import internals
from django.http.request import HttpHeaders
from starlette.datastructures import Headers as StarletteHeaders
from werkzeug.datastructures import EnvironHeaders

import dynclient
from dynclient._signature import WebhookKeys

PLAIN = "polar_whs_Plain-Secret-0123456789abcdef"
KEY = b"raw key bytes \x00\x01\x02 of the endpoint"
WHSEC = "whsec_" + base64.b64encode(KEY).decode()
BODY = b'{"type":"member.created","timestamp":"2026-01-02T03:04:05Z","data":{}}'


def reference_signature(key: bytes, msg_id: str, stamp: int, body: bytes) -> str:
    """Standard Webhooks, written out independently of dynclient."""
    mac = hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


def delivery(key: bytes, *, msg_id: str = "msg_1", stamp: int | None = None, body: bytes = BODY) -> dict[str, str]:
    stamp = int(time.time()) if stamp is None else stamp
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": reference_signature(key, msg_id, stamp, body),
    }


@pytest.mark.parametrize(
    ("secret", "key"),
    [(PLAIN, PLAIN.encode()), (WHSEC, KEY), (KEY, KEY)],
    ids=["as-shown", "whsec", "bytes"],
)
def test_both_secret_forms_verify_and_sign_like_the_reference(secret: str | bytes, key: bytes) -> None:
    hooks = dynclient.Webhooks(secret)
    hooks.verify(BODY, delivery(key))
    body, headers = hooks.sign(BODY, id="msg_7", timestamp=1_800_000_000)
    assert body == BODY
    assert headers == {
        "webhook-id": "msg_7",
        "webhook-timestamp": "1800000000",
        "webhook-signature": reference_signature(key, "msg_7", 1_800_000_000, BODY),
    }


def test_a_whsec_secret_also_accepts_its_utf8_bytes_as_the_key() -> None:
    hooks = dynclient.Webhooks(WHSEC)
    hooks.verify(BODY, delivery(WHSEC.encode()))
    with pytest.raises(dynclient.WebhookVerificationError):
        dynclient.Webhooks(PLAIN).verify(BODY, delivery(WHSEC.encode()))


def test_a_whsec_secret_that_is_not_base64_is_its_utf8_bytes() -> None:
    odd = "whsec_not*base64!"
    dynclient.Webhooks(odd).verify(BODY, delivery(odd.encode()))


HEADER_SOURCES: dict[str, Any] = {
    "dict, mixed case": lambda h: {k.title(): v for k, v in h.items()},
    "dict, upper case": lambda h: {k.upper(): v for k, v in h.items()},
    "httpx.Headers": httpx.Headers,
    "starlette Headers": lambda h: StarletteHeaders(raw=[(k.encode(), v.encode()) for k, v in h.items()]),
    "werkzeug EnvironHeaders (Flask)": lambda h: EnvironHeaders(
        {"HTTP_" + k.upper().replace("-", "_"): v for k, v in h.items()}
    ),
    "django HttpHeaders": lambda h: HttpHeaders({"HTTP_" + k.upper().replace("-", "_"): v for k, v in h.items()}),
    "ASGI pairs of bytes": lambda h: [(k.encode(), v.encode()) for k, v in h.items()],
}


@pytest.mark.parametrize("make", HEADER_SOURCES.values(), ids=HEADER_SOURCES.keys())
def test_headers_are_found_case_insensitively_in_any_source(make: Any) -> None:
    hooks = dynclient.Webhooks(PLAIN)
    hooks.verify(BODY, make(delivery(PLAIN.encode())))
    with pytest.raises(dynclient.WebhookVerificationError):
        hooks.verify(BODY + b" ", make(delivery(PLAIN.encode())))


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_named(missing: str) -> None:
    headers = delivery(PLAIN.encode())
    del headers[missing]
    with pytest.raises(dynclient.WebhookVerificationError, match=f"missing webhook header.*{missing}"):
        dynclient.Webhooks(PLAIN).verify(BODY, headers)


@pytest.mark.parametrize("stamp", ["soon", "1.5e9", "-5", "", "\uff11\uff12\uff13"])
def test_a_timestamp_that_is_not_unix_seconds_is_refused(stamp: str) -> None:
    headers = {**delivery(PLAIN.encode()), "webhook-timestamp": stamp}
    with pytest.raises(dynclient.WebhookVerificationError, match="timestamp"):
        dynclient.Webhooks(PLAIN).verify(BODY, headers)


def test_the_tolerance_holds_in_both_directions() -> None:
    hooks = dynclient.Webhooks(PLAIN, tolerance=60)
    now = int(time.time())
    for inside in (now - 55, now + 55):
        hooks.verify(BODY, delivery(PLAIN.encode(), stamp=inside))
    with pytest.raises(dynclient.WebhookVerificationError, match="old"):
        hooks.verify(BODY, delivery(PLAIN.encode(), stamp=now - 65))
    with pytest.raises(dynclient.WebhookVerificationError, match="future"):
        hooks.verify(BODY, delivery(PLAIN.encode(), stamp=now + 65))
    default = dynclient.Webhooks(PLAIN)  # Standard Webhooks: five minutes
    default.verify(BODY, delivery(PLAIN.encode(), stamp=now - 290))
    with pytest.raises(dynclient.WebhookVerificationError):
        default.verify(BODY, delivery(PLAIN.encode(), stamp=now - 310))


def test_any_matching_signature_among_several_is_accepted() -> None:
    headers = delivery(PLAIN.encode())
    good = headers["webhook-signature"]
    old_key = reference_signature(b"rotated-out key", "msg_1", int(headers["webhook-timestamp"]), BODY)
    for line in (
        f"{old_key} {good}",
        f"v2,{good[3:]} {good}",  # another version is skipped
        f"v1,not*base64 {good}",  # an undecodable entry is skipped
        f"v1 {good}",
        f"  {good}  ",
    ):
        dynclient.Webhooks(PLAIN).verify(BODY, {**headers, "webhook-signature": line})
    with pytest.raises(dynclient.WebhookVerificationError, match="no v1 signature"):
        dynclient.Webhooks(PLAIN).verify(BODY, {**headers, "webhook-signature": f"v2,{good[3:]}"})
    with pytest.raises(dynclient.WebhookVerificationError, match="no matching signature among the 1"):
        dynclient.Webhooks(PLAIN).verify(BODY, {**headers, "webhook-signature": old_key})


def test_tampering_with_body_id_timestamp_or_signature_fails() -> None:
    hooks = dynclient.Webhooks(PLAIN)
    headers = delivery(PLAIN.encode())
    stamp = int(headers["webhook-timestamp"])
    sig = headers["webhook-signature"]
    flipped = sig[:-6] + ("A" if sig[-6] != "A" else "B") + sig[-5:]
    for body, changed in (
        (BODY.replace(b"member", b"memder"), headers),
        (BODY, {**headers, "webhook-id": "msg_2"}),
        (BODY, {**headers, "webhook-timestamp": str(stamp - 1)}),
        (BODY, {**headers, "webhook-signature": flipped}),
        (BODY + b"\n", headers),
    ):
        with pytest.raises(dynclient.WebhookVerificationError, match="no matching signature"):
            hooks.verify(body, changed)


def test_signatures_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)  # the module _signature compares with
    dynclient.Webhooks(WHSEC).verify(BODY, delivery(KEY))
    assert len(calls) == 2  # both keys of a whsec_ secret, each compared with hmac.compare_digest


SECRETS = {"as-shown": PLAIN, "whsec": WHSEC}


def _texts(exc: BaseException) -> str:
    return f"{exc} {exc!r} {exc.args!r} {vars(exc)!r}"


@pytest.mark.parametrize("secret", SECRETS.values(), ids=SECRETS.keys())
def test_the_secret_never_appears_in_errors_or_reprs(secret: str) -> None:
    secret_parts = {secret, secret.removeprefix("whsec_"), secret[6:26]}
    if secret.startswith("whsec_"):
        secret_parts.add(repr(KEY)[2:-1])
    hooks = dynclient.Webhooks(secret)
    now = int(time.time())
    good = delivery(secret.encode() if secret == PLAIN else KEY, stamp=now)
    failures: list[tuple[bytes, dict[str, str]]] = [
        (BODY, {}),
        (BODY, {**good, "webhook-timestamp": "x" + secret}),  # a header carrying the secret is not quoted
        (BODY, {**good, "webhook-id": "id-" + secret}),  # nor is the secret inside a quoted id
        (BODY, {**good, "webhook-timestamp": str(now - 3600)}),
        (BODY, {**good, "webhook-timestamp": str(now + 3600)}),
        (BODY, {**good, "webhook-signature": "v1," + base64.b64encode(b"x" * 32).decode()}),
        (BODY, {**good, "webhook-signature": "v0,abc"}),
        (b"not json at all", {}),
    ]
    seen: list[str] = [repr(hooks), str(hooks), repr(internals(hooks)._keys)]
    for body, headers in failures:
        with pytest.raises(dynclient.WebhookVerificationError) as info:
            hooks.parse(body, headers)
        seen.append(_texts(info.value))
    signed_body, signed = hooks.sign(b"not json")
    with pytest.raises(dynclient.WebhookVerificationError) as info:
        hooks.parse(signed_body, signed)  # verified, but undecodable
    seen.append(_texts(info.value))
    for bad in ("", b""):
        with pytest.raises(dynclient.ConfigurationError) as config:
            dynclient.Webhooks(bad)
        seen.append(_texts(config.value))
    with pytest.raises(TypeError):
        pickle.dumps(hooks)
    joined = "\n".join(seen)
    for part in secret_parts:
        assert part not in joined
    assert "redacted" in repr(hooks)


def test_sign_defaults_and_arguments() -> None:
    hooks = dynclient.Webhooks(PLAIN)
    body, headers = hooks.sign({"type": "member.created", "name": "Zoë"})
    assert body == '{"type":"member.created","name":"Zoë"}'.encode()
    assert headers["webhook-id"].startswith("msg_") and len(headers["webhook-id"]) > 20
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 5
    assert hooks.sign({"a": 1})[1]["webhook-id"] != headers["webhook-id"]
    import datetime as dt

    moment = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert hooks.sign("x", timestamp=moment)[1]["webhook-timestamp"] == str(int(moment.timestamp()))
    with pytest.raises(dynclient.ConfigurationError, match="aware"):
        hooks.sign("x", timestamp=dt.datetime(2026, 1, 2))
    with pytest.raises(dynclient.ConfigurationError):
        dynclient.Webhooks(PLAIN, tolerance=-1)
    with pytest.raises(dynclient.ConfigurationError):
        dynclient.Webhooks(PLAIN, validate="lenient")  # type: ignore[arg-type]


def test_keys_hold_no_state_worth_leaking() -> None:
    keys = WebhookKeys(WHSEC)
    assert repr(keys) == str(keys) == "<webhook secret: redacted>"
    with pytest.raises(TypeError):
        pickle.dumps(keys)


@pytest.mark.parametrize("secret", ["polar_whs_secret\n", "polar_whs_secret\r\n", " polar_whs_secret", "polar\twhs"])
def test_a_secret_with_whitespace_or_control_characters_is_named_not_a_signature_mismatch(secret: str) -> None:
    # a secret read from a file or a CRLF .env: said at construction, never quoted, instead of
    # every delivery failing later as "no matching signature"
    with pytest.raises(dynclient.ConfigurationError) as info:
        dynclient.Webhooks(secret)
    assert "polar_whs_secret" not in str(info.value) and "polar" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_sign_refuses_what_a_sender_could_not_send() -> None:
    hooks = dynclient.Webhooks("polar_whs_secret")
    for payload in ({"a": float("nan")}, {"a": float("inf")}, {"a": {1, 2}}):
        with pytest.raises(dynclient.ConfigurationError):
            hooks.sign(payload)
    for kwargs in ({"timestamp": "1700000000"}, {"timestamp": -1}, {"timestamp": True}, {"id": ""}, {"id": "a\nb"}):
        with pytest.raises(dynclient.ConfigurationError):
            hooks.sign({"a": 1}, **kwargs)


@pytest.mark.parametrize("headers", [[1, 2, 3], [("webhook-id",)], [(1, 2)], 5, None, "webhook-id: x"])
def test_headers_of_any_odd_shape_are_a_verification_error(headers: Any) -> None:
    hooks = dynclient.Webhooks("polar_whs_secret")
    body, _ = hooks.sign({"type": "customer.created", "timestamp": "2026-01-01T00:00:00Z", "data": {}})
    with pytest.raises(dynclient.WebhookVerificationError):
        hooks.parse(body, headers)
