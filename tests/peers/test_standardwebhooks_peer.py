"""The `standardwebhooks` package (PyPI; the library Polar's server signs with) as an independent peer.

- Deliveries it signs, with the secret in both forms (Polar's: the secret's UTF-8 bytes, handed
  over base64-encoded; and ``whsec_<base64>``), verify and parse in dynclient; deliveries dynclient
  signs verify in it; tampered bodies, ids, timestamps and signatures fail in both.
- For each of the four customer events, payloads generated from the spec's own schema (by the
  independent generator in ``_gen``, checked by python-jsonschema) verify, parse, validate and
  carry their type; the same payload with an extra field and a new enum value parses with one
  drift warning; an unknown event type parses as ``UnknownWebhookEvent``; a wrong type in a
  required field raises ``WebhookPayloadError``.

Hypothesis runs under the profile of ``tests/conftest.py`` (fixed seed in CI;
``DYNCLIENT_HYPOTHESIS_PROFILE=long`` for a longer, random run).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import warnings
from typing import Any

import pytest
import standardwebhooks
from conftest import internals
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dynclient

from ._gen import SchemaStrategies
from ._support import count

SUITE = "standardwebhooks"
PLAIN = "polar_whs_peer-Secret-0123456789abcdefXYZ"  # a secret as Polar's dashboard shows it
KEY = b"\x00\x01peer key bytes, not text \xff\xfe"
WHSEC = "whsec_" + base64.b64encode(KEY).decode()
SECRETS = {
    # Polar's server: Webhook(base64(secret.encode())) -> the HMAC key is the secret's UTF-8 bytes
    "as-shown": (PLAIN, standardwebhooks.Webhook(base64.b64encode(PLAIN.encode()).decode())),
    "whsec": (WHSEC, standardwebhooks.Webhook(WHSEC)),
}
SPEC = dynclient.load_spec()
GEN = SchemaStrategies(SPEC.document)
CUSTOMER_EVENTS = ("customer.created", "customer.updated", "customer.deleted", "customer.state_changed")
#: a quarter of the profile's examples per event and property: 125 in CI (profile "ci": 500), 5,000 with the long profile
PEER_SETTINGS = settings(
    max_examples=max(1, internals(settings).default.max_examples // 4),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def peer_sign(
    peer: standardwebhooks.Webhook, body: bytes, msg_id: str = "msg_peer", at: int | None = None
) -> dict[str, str]:
    stamp = dt.datetime.now(tz=dt.UTC) if at is None else dt.datetime.fromtimestamp(at, tz=dt.UTC)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(stamp.timestamp())),
        "webhook-signature": peer.sign(msg_id, stamp, body.decode()),
    }


def peer_accepts(peer: standardwebhooks.Webhook, body: bytes, headers: dict[str, str]) -> bool:
    try:
        peer.verify(body, headers)
    except standardwebhooks.WebhookVerificationError:
        return False
    return True


def payload_for(event_type: str) -> st.SearchStrategy[dict[str, Any]]:
    hook = SPEC.webhook_for(event_type)
    assert hook is not None and hook.payload.name is not None
    return GEN.strategy({"$ref": f"#/components/schemas/{hook.payload.name}"})


def body_of(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


# -- signatures ------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", SECRETS)
def test_deliveries_the_peer_signs_verify_and_parse(form: str) -> None:
    secret, peer = SECRETS[form]
    hooks = dynclient.Webhooks(secret)
    body = body_of({"type": "member.created", "timestamp": "2026-01-02T03:04:05Z", "data": {"id": "m"}})
    for msg_id in ("msg_1", "msg_2XyZ", "evt-ü-3"):
        headers = peer_sign(peer, body, msg_id)
        hooks.verify(body, headers)
        event = hooks.parse(body, headers)
        assert event.id == msg_id and isinstance(event, dynclient.UnknownWebhookEvent)
        count(SUITE, "deliveries signed by the peer, verified by dynclient")


@pytest.mark.parametrize("form", SECRETS)
def test_deliveries_dynclient_signs_verify_in_the_peer(form: str) -> None:
    secret, peer = SECRETS[form]
    hooks = dynclient.Webhooks(secret)
    for payload in ({"type": "customer.deleted"}, {"type": "x", "text": "Zoë ✓"}, {"type": "y", "n": [1, 2.5, None]}):
        body, headers = hooks.sign(payload)
        assert peer.verify(body, headers) == payload
        count(SUITE, "deliveries signed by dynclient, verified by the peer")


@pytest.mark.parametrize("form", SECRETS)
def test_tampering_fails_in_both(form: str) -> None:
    secret, peer = SECRETS[form]
    hooks = dynclient.Webhooks(secret)
    body = body_of({"type": "customer.deleted", "timestamp": "2026-01-02T03:04:05Z", "data": {}})
    for signer in ("peer", "dynclient"):
        headers = peer_sign(peer, body) if signer == "peer" else hooks.sign(body)[1]
        assert peer_accepts(peer, body, headers)
        stamp = int(headers["webhook-timestamp"])
        signature = headers["webhook-signature"]
        raw = bytearray(base64.b64decode(signature[3:]))
        raw[0] ^= 1
        tampered = {
            "body": (body.replace(b"deleted", b"created"), headers),
            "id": (body, {**headers, "webhook-id": headers["webhook-id"] + "x"}),
            "timestamp": (body, {**headers, "webhook-timestamp": str(stamp - 7)}),
            "signature": (body, {**headers, "webhook-signature": "v1," + base64.b64encode(bytes(raw)).decode()}),
            "expired": (body, peer_sign(peer, body, at=stamp - 3600)),
            "future": (body, peer_sign(peer, body, at=stamp + 3600)),
        }
        for what, (b, h) in tampered.items():
            assert not peer_accepts(peer, b, h), what
            with pytest.raises(dynclient.WebhookVerificationError):
                hooks.verify(b, h)
            count(SUITE, "tampered deliveries refused by both")


def test_a_wrong_secret_fails_in_both() -> None:
    body = body_of({"type": "customer.deleted"})
    headers = peer_sign(SECRETS["as-shown"][1], body)
    assert not peer_accepts(SECRETS["whsec"][1], body, headers)
    with pytest.raises(dynclient.WebhookVerificationError):
        dynclient.Webhooks(WHSEC).verify(body, headers)


# -- the four customer events, generated from the spec ---------------------------------------------


def _record(fn: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    return result, [w for w in caught if issubclass(w.category, dynclient.DynclientWarning)]


@pytest.mark.parametrize("event_type", CUSTOMER_EVENTS)
def test_generated_payloads_verify_parse_validate_and_carry_their_type(event_type: str) -> None:
    hook = SPEC.webhook_for(event_type)
    assert hook is not None
    reference = GEN.validator({"$ref": f"#/components/schemas/{hook.payload.name}"})
    secret, peer = SECRETS["as-shown"]

    @PEER_SETTINGS
    @given(payload_for(event_type))
    def check(payload: dict[str, Any]) -> None:
        assert reference.is_valid(payload)  # the generator's own check, by python-jsonschema
        body = body_of(payload)
        hooks = dynclient.Webhooks(secret, validate="strict")  # valid means: not even drift
        event, warned = _record(lambda: hooks.parse(body, peer_sign(peer, body)))
        assert warned == []
        assert type(event) is dynclient.WebhookEvent and event.known
        assert event.type == event_type and event.data == payload["data"] and event.payload == payload
        count(SUITE, f"generated {event_type} payloads")

    check()


def _drift(payload: dict[str, Any]) -> dict[str, Any]:
    """An extra field (where the schema is open) and a new enum value: ``tax_id``'s format."""
    changed: dict[str, Any] = json.loads(json.dumps(payload))
    changed["api_version"] = "2026-10"
    changed["data"]["tax_id"] = ["DE123456789", "xx_vat_new"]
    return changed


@pytest.mark.parametrize("event_type", CUSTOMER_EVENTS)
def test_an_extra_field_and_a_new_enum_value_parse_with_one_drift_warning(event_type: str) -> None:
    secret, peer = SECRETS["whsec"]

    @PEER_SETTINGS
    @given(payload_for(event_type).map(_drift))
    def check(payload: dict[str, Any]) -> None:
        body = body_of(payload)
        hooks = dynclient.Webhooks(secret)
        event, warned = _record(lambda: hooks.parse(body, peer_sign(peer, body)))
        assert event.known and event.payload == payload
        assert [w.category for w in warned] == [dynclient.ResponseDriftWarning]
        assert "payload.data.tax_id[1]: 'xx_vat_new'" in str(warned[0].message)
        _, again = _record(lambda: hooks.parse(body, peer_sign(peer, body)))
        assert again == []  # once per Webhooks object, event type and location
        count(SUITE, "drifted payloads (one warning each)")

    check()


@pytest.mark.parametrize("event_type", CUSTOMER_EVENTS)
def test_an_unknown_event_type_parses_as_unknown_and_a_wrong_type_raises(event_type: str) -> None:
    secret, peer = SECRETS["as-shown"]
    hooks = dynclient.Webhooks(secret)

    @PEER_SETTINGS
    @given(payload_for(event_type))
    def check(payload: dict[str, Any]) -> None:
        renamed = {**payload, "type": event_type.replace("customer.", "customer.merged_")}
        body = body_of(renamed)
        event = hooks.parse(body, peer_sign(peer, body))
        assert isinstance(event, dynclient.UnknownWebhookEvent) and event.payload == renamed
        broken = json.loads(json.dumps(payload))
        broken["data"]["id"] = 42  # a required string
        body = body_of(broken)
        headers = peer_sign(peer, body)
        assert peer_accepts(peer, body, headers)  # trusted ...
        with pytest.raises(dynclient.WebhookPayloadError) as info:  # ... but not what the spec says
            hooks.parse(body, headers)
        assert "payload.data.id" in {e.location for e in info.value.errors}
        count(SUITE, "unknown and broken payloads")

    check()
