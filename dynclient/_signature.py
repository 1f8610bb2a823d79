"""Standard Webhooks signatures (https://www.standardwebhooks.com), as Polar sends them.

A delivery carries three headers: ``webhook-id``, ``webhook-timestamp`` (Unix seconds) and
``webhook-signature`` (space-separated ``v1,<base64 HMAC-SHA256>`` entries) over
``"{id}.{timestamp}.{raw body}"``. The HMAC key comes from the endpoint secret:

- a secret in the ``whsec_<base64>`` form carries the key base64-encoded (the Standard
  Webhooks convention); its UTF-8 bytes are tried as well;
- any other secret *is* the key, as UTF-8 bytes (Polar's server base64-encodes the secret
  string and hands that to the ``standardwebhooks`` library, which decodes it again);
- ``bytes`` are the key itself.

Nothing here knows a spec; nothing here ever puts the secret, a key or a computed signature
into a message. Comparisons are constant-time (``hmac.compare_digest``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ._errors import ConfigurationError, WebhookVerificationError

__all__ = [
    "DEFAULT_TOLERANCE",
    "HeaderSource",
    "SignedDelivery",
    "WebhookKeys",
    "header_value",
    "new_message_id",
]

#: Seconds a delivery's timestamp may lie in the past or in the future (Standard Webhooks: 5 min).
DEFAULT_TOLERANCE = 300
_PREFIX = "whsec_"
_ID, _TIMESTAMP, _SIGNATURE = "webhook-id", "webhook-timestamp", "webhook-signature"
_SECONDS = re.compile(r"^[0-9]{1,15}$")


class HeaderSource(Protocol):
    """What ``verify``/``parse`` accept as headers: any ``Mapping[str, str]`` (a dict, httpx's,
    Starlette's or Django's headers) or an object with ``.get(name)`` (werkzeug's/Flask's)."""

    def get(self, key: str, /) -> str | None: ...


def header_value(headers: HeaderSource | Mapping[str, str] | Iterable[tuple[Any, Any]], name: str) -> str | None:
    """``name``'s value (``name`` in lower case), looked up case-insensitively."""
    value: Any = None
    get = getattr(headers, "get", None)
    if callable(get):
        value = get(name)
    if value is None:
        items = getattr(headers, "items", None)
        pairs: Iterable[Any] = items() if callable(items) else headers if isinstance(headers, list | tuple) else ()
        for pair in pairs:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                continue  # not a (name, value) pair: no header of this name here
            key = pair[0].decode("latin-1") if isinstance(pair[0], bytes) else pair[0]
            if isinstance(key, str) and key.lower() == name:
                value = pair[1]
                break
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    if isinstance(value, list | tuple):  # a header repeated: its values, as one line
        value = " ".join(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in value)
    return value if isinstance(value, str) else None


def _secret_text_problem(secret: str) -> str | None:
    """Why a secret given as text cannot be what the sender signs with, or None.

    Whitespace around it (a secret read from a file with its newline, a CRLF ``.env``) or a
    control character inside it would make every signature check fail as "no matching
    signature", the most reported webhook complaint; it is named here instead.
    """
    if secret != secret.strip():
        return "starts or ends with whitespace (a newline read from a file or a CRLF .env?): strip it"
    if any(not c.isprintable() for c in secret):
        return "contains a control character or whitespace other than a space"
    return None


def new_message_id() -> str:
    """A fresh ``webhook-id`` (``msg_`` and 24 random URL-safe characters)."""
    return "msg_" + secrets.token_urlsafe(18)


@dataclass(frozen=True)
class SignedDelivery:
    """The verified facts of one delivery: its id and its timestamp (Unix seconds)."""

    id: str
    timestamp: int


class WebhookKeys:
    """The HMAC key(s) of one endpoint secret. Its repr never shows them."""

    __slots__ = ("_keys", "_texts")

    def __init__(self, secret: str | bytes) -> None:
        if isinstance(secret, bytes | bytearray):
            keys = [bytes(secret)]
        elif isinstance(secret, str):
            problem = _secret_text_problem(secret)
            if problem is not None:
                raise ConfigurationError(f"the webhook secret {problem}; it is never quoted")
            keys = []
            if secret.startswith(_PREFIX):
                body = secret[len(_PREFIX) :].strip()
                try:
                    decoded = base64.b64decode(body + "=" * (-len(body) % 4), validate=True)
                except (binascii.Error, ValueError):
                    decoded = b""
                if decoded:
                    keys.append(decoded)
            keys.append(secret.encode("utf-8"))
        else:
            raise ConfigurationError(f"the webhook secret must be a str or bytes, not {type(secret).__name__}")
        if not any(keys):
            raise ConfigurationError("the webhook secret is empty")
        self._keys: tuple[bytes, ...] = tuple(k for k in keys if k)
        # the secret as text, in each form a sender could echo back (longest first)
        texts = {k.decode("utf-8", "replace") for k in self._keys} | {
            k.decode("utf-8", "replace").removeprefix(_PREFIX) for k in self._keys
        }
        self._texts = tuple(sorted((t for t in texts if len(t) >= 4), key=len, reverse=True))

    def scrub(self, text: str) -> str:
        """``text`` (a header value about to be quoted in a message) without the secret in it."""
        for secret in self._texts:
            text = text.replace(secret, "[redacted]")
        return text

    def __repr__(self) -> str:
        return "<webhook secret: redacted>"

    __str__ = __repr__

    def __reduce__(self) -> Any:  # a secret is not pickled along with whatever holds it
        raise TypeError("webhook keys cannot be pickled")

    # -- signing ------------------------------------------------------------------------
    def signature(self, message_id: str, timestamp: int, body: bytes) -> str:
        """The ``v1,<base64>`` entry for ``body`` with the first key (the one a sender uses)."""
        return "v1," + base64.b64encode(self._mac(self._keys[0], message_id, timestamp, body)).decode("ascii")

    @staticmethod
    def _mac(key: bytes, message_id: str, timestamp: int, body: bytes) -> bytes:
        return hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()

    # -- verifying ----------------------------------------------------------------------
    def verify(self, body: bytes, headers: Any, tolerance: float, now: float | None = None) -> SignedDelivery:
        """Check ``body`` against the headers; the delivery's id and timestamp, or
        ``WebhookVerificationError`` saying which check failed (never with a key in it)."""
        values = {name: header_value(headers, name) for name in (_ID, _TIMESTAMP, _SIGNATURE)}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise WebhookVerificationError(f"missing webhook header(s): {', '.join(missing)}")
        message_id, stamp, signatures = (str(values[n]) for n in (_ID, _TIMESTAMP, _SIGNATURE))
        if not _SECONDS.match(stamp.strip()):  # its value is not quoted: a header may carry anything
            raise WebhookVerificationError(
                f"webhook-timestamp is not a time in Unix seconds (a value of {len(stamp)} characters)"
            )
        timestamp = int(stamp.strip())
        current = time.time() if now is None else now
        if timestamp < current - tolerance:
            raise WebhookVerificationError(
                f"webhook-timestamp is {current - timestamp:.0f} s old, beyond the tolerance of {tolerance:g} s "
                "(a replayed or long-delayed delivery)"
            )
        if timestamp > current + tolerance:
            raise WebhookVerificationError(
                f"webhook-timestamp is {timestamp - current:.0f} s in the future, beyond the tolerance of "
                f"{tolerance:g} s (check the clock)"
            )
        expected = [self._mac(key, message_id, timestamp, body) for key in self._keys]
        seen = 0
        for entry in signatures.split():
            version, comma, encoded = entry.partition(",")
            if version != "v1" or not comma:
                continue
            seen += 1
            try:
                given = base64.b64decode(encoded, validate=True)
            except (binascii.Error, ValueError):
                continue
            matched = False
            for mac in expected:  # every key compared, constant-time
                matched |= hmac.compare_digest(mac, given)
            if matched:
                return SignedDelivery(message_id, timestamp)
        if not seen:
            raise WebhookVerificationError("webhook-signature holds no v1 signature")
        raise WebhookVerificationError(
            f"no matching signature among the {seen} v1 signature(s) for webhook-id "
            f"{self.scrub(message_id)[:80]!r}: "
            "the body, the id or the timestamp was changed, or the secret is not this endpoint's "
            "(both the secret as shown and the whsec_<base64> form are accepted)"
        )
