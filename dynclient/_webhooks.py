"""Webhooks from the spec: verify a delivery, decode it, and validate its payload against the
schema of its event type, with the same engines and the same drift policy as responses.

The events come from the spec's ``webhooks`` (``ApiSpec.webhooks``, built by ``_build``):
there is no event list here. A verified event whose ``type`` the spec does not know is
returned as an ``UnknownWebhookEvent``, never raised, so a receiver can acknowledge it
(Polar retries a failed delivery and disables an endpoint after ten failures in a row).

Validation modes, as for responses: ``"compatible"`` (default) returns a payload with additive
drift (a new enum value, an unknown variant, an extra property where the schema closes the
object) with one ``ResponseDriftWarning`` per ``Webhooks`` object, event type and schema
location, and raises ``WebhookPayloadError`` for violations; ``"strict"`` raises for drift
too; ``"warn"`` issues ``ResponseValidationWarning`` and returns; ``"off"`` skips validation.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import warnings
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from ._drift import judge
from ._errors import (
    ConfigurationError,
    FieldError,
    ResponseDriftWarning,
    ResponseValidationWarning,
    WebhookPayloadError,
    WebhookVerificationError,
)
from ._ir import ApiSpec, Webhook
from ._operation import SpecRuntime, runtime_for
from ._signature import DEFAULT_TOLERANCE, HeaderSource, WebhookKeys, new_message_id
from ._spec import SpecSource, load_spec
from ._validation import Compiled, Engine

__all__ = [
    "UnknownWebhookEvent",
    "WebhookEvent",
    "WebhookValidation",
    "Webhooks",
]

logger = logging.getLogger("dynclient")

WebhookValidation = Literal["strict", "compatible", "warn", "off"]
_MODES: tuple[str, ...] = ("strict", "compatible", "warn", "off")


class WebhookEvent:
    """A verified webhook event.

    ``type`` is the payload's ``type``; ``id`` the ``webhook-id`` header (the same on every
    retry of one delivery: use it to process an event once); ``timestamp`` the signed
    ``webhook-timestamp`` (when this attempt was sent, UTC); ``data`` the payload's ``data``;
    ``payload`` the whole decoded JSON (the event's own time is ``payload["timestamp"]``).
    """

    __slots__ = ("_id", "_payload", "_timestamp", "_type")

    def __init__(self, *, type: str, id: str, timestamp: dt.datetime, payload: dict[str, Any]) -> None:  # noqa: A002
        self._type = type
        self._id = id
        self._timestamp = timestamp
        self._payload = payload

    @property
    def type(self) -> str:
        return self._type

    @property
    def id(self) -> str:
        return self._id

    @property
    def timestamp(self) -> dt.datetime:
        return self._timestamp

    @property
    def data(self) -> Any:
        return self._payload.get("data")

    @property
    def payload(self) -> Mapping[str, Any]:
        return self._payload

    @property
    def known(self) -> bool:
        """Whether the spec declares this event type (``False`` for ``UnknownWebhookEvent``)."""
        return True

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._type!r} id={self._id!r} at {self._timestamp.isoformat()}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WebhookEvent) or type(other) is not type(self):
            return NotImplemented
        return (self._type, self._id, self._timestamp, self._payload) == (
            other._type,
            other._id,
            other._timestamp,
            other._payload,
        )

    __hash__ = None  # type: ignore[assignment]  # holds a dict


class UnknownWebhookEvent(WebhookEvent):
    """A verified event whose ``type`` the spec does not declare (the sender is newer than the
    spec). Returned, never raised: acknowledge it (and consider ``dynclient spec update``).
    Its payload is not validated."""

    __slots__ = ()

    @property
    def payload(self) -> dict[str, Any]:
        return self._payload

    @property
    def known(self) -> Literal[False]:
        return False


class Webhooks:
    """Verify, parse and validate the webhooks of a spec (the bundled one by default).

    ``Webhooks(secret)``: ``secret`` is the endpoint secret as the dashboard shows it, or in
    the ``whsec_<base64>`` form, or the key as ``bytes``. ``tolerance``: seconds a delivery's
    timestamp may differ from now (both ways). ``validate``: see the module docstring.
    The secret never appears in a repr, a log line or an error message.
    """

    spec: ApiSpec
    tolerance: float
    validate: WebhookValidation

    def __init__(
        self,
        secret: str | bytes,
        *,
        spec: SpecSource | None = None,
        tolerance: float = DEFAULT_TOLERANCE,
        validate: WebhookValidation = "compatible",
        engine: Engine = "auto",
    ) -> None:
        loaded = load_spec(spec)
        self._setup(secret, runtime_for(loaded, engine), tolerance, validate)

    @classmethod
    def _for_runtime(
        cls, secret: str | bytes, runtime: SpecRuntime, tolerance: float, validate: WebhookValidation
    ) -> Webhooks:
        """A ``Webhooks`` sharing a client's runtime (its schema engine and compiled validators)."""
        self = cls.__new__(cls)
        self._setup(secret, runtime, tolerance, validate)
        return self

    def _setup(self, secret: str | bytes, runtime: SpecRuntime, tolerance: float, validate: WebhookValidation) -> None:
        if validate not in _MODES:
            raise ConfigurationError(f"validate must be one of {', '.join(map(repr, _MODES))}")
        if isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or not tolerance >= 0:
            raise ConfigurationError("tolerance must be a number of seconds >= 0")
        self._keys = WebhookKeys(secret)
        self._runtime = runtime
        self.spec = runtime.spec
        self.tolerance = float(tolerance)
        self.validate = validate
        self._compiled: dict[str, Compiled] = {}
        self._warned: set[tuple[str, tuple[str | None, ...]]] = set()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return (
            f"Webhooks(spec={self.spec.title!r} {self.spec.version!r}, events={len(self.spec.webhooks)}, "
            f"tolerance={self.tolerance:g}, validate={self.validate!r}, secret=<redacted>)"
        )

    @property
    def event_types(self) -> tuple[str, ...]:
        """The event types the spec declares, in its order."""
        return tuple(w.event_type for w in self.spec.webhooks)

    # -- the three verbs ------------------------------------------------------------------
    def verify(self, body: bytes, headers: HeaderSource | Mapping[str, str]) -> None:
        """Check the signature and the timestamp of a delivery; ``WebhookVerificationError`` if
        it cannot be trusted. ``body`` is the raw request body, exactly as received."""
        self._keys.verify(_raw(body), headers, self.tolerance)

    def parse(self, body: bytes, headers: HeaderSource | Mapping[str, str]) -> WebhookEvent:
        """Verify, decode and validate a delivery: a ``WebhookEvent`` (an ``UnknownWebhookEvent``
        for an event type the spec does not declare).

        Raises ``WebhookVerificationError`` (untrusted or undecodable) or ``WebhookPayloadError``
        (trusted, but the payload violates the spec).
        """
        raw = _raw(body)
        delivery = self._keys.verify(raw, headers, self.tolerance)
        webhook_id = self._keys.scrub(delivery.id)  # errors quote it: never with the secret in it
        try:
            payload = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise WebhookVerificationError(
                f"webhook-id {webhook_id[:80]!r}: the body is not JSON ({type(exc).__name__})"
            ) from None
        event_type = payload.get("type") if isinstance(payload, dict) else None
        if not isinstance(event_type, str):
            error = FieldError.at(("payload", "type"), "a webhook payload is an object with a string 'type'", "type")
            raise WebhookPayloadError("", webhook_id, [error], payload)
        when = dt.datetime.fromtimestamp(delivery.timestamp, tz=dt.UTC)
        hook = self.spec.webhook_for(event_type)
        if hook is None:
            return UnknownWebhookEvent(type=event_type, id=delivery.id, timestamp=when, payload=payload)
        if self.validate != "off":
            self._check(hook, webhook_id, payload)
        return WebhookEvent(type=event_type, id=delivery.id, timestamp=when, payload=payload)

    def sign(
        self,
        payload: Mapping[str, object] | bytes | str,
        *,
        id: str | None = None,  # noqa: A002 - the Standard Webhooks name
        timestamp: int | dt.datetime | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """A signed delivery for tests: ``(body, headers)`` as the sender would post them.

        ``payload`` is JSON-encoded (compact, UTF-8) unless it is already ``bytes``/``str``;
        ``id`` defaults to a fresh ``msg_...``; ``timestamp`` (Unix seconds or an aware
        datetime) to now. The payload is not validated: tests may sign bad payloads on purpose.
        """
        if isinstance(payload, bytes):
            body = payload
        elif isinstance(payload, str):
            body = payload.encode("utf-8")
        else:
            try:  # what a sender posts is JSON: no NaN, no infinities, no objects JSON cannot hold
                body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
            except (TypeError, ValueError, RecursionError) as exc:
                raise ConfigurationError(f"sign(): the payload cannot be sent as JSON: {type(exc).__name__}") from None
        message_id = id if id is not None else new_message_id()
        if not isinstance(message_id, str) or not message_id or not message_id.isprintable():
            raise ConfigurationError("sign(id=...) must be a non-empty printable str")
        if timestamp is None:
            seconds = int(dt.datetime.now(tz=dt.UTC).timestamp())
        elif isinstance(timestamp, dt.datetime):
            if timestamp.tzinfo is None:
                raise ConfigurationError("sign(timestamp=...) needs an aware datetime (or Unix seconds)")
            seconds = int(timestamp.timestamp())
        elif isinstance(timestamp, int) and not isinstance(timestamp, bool) and timestamp >= 0:
            seconds = timestamp
        else:
            raise ConfigurationError("sign(timestamp=...) must be Unix seconds (an int >= 0) or an aware datetime")
        headers = {
            "webhook-id": message_id,
            "webhook-timestamp": str(seconds),
            "webhook-signature": self._keys.signature(message_id, seconds, body),
        }
        return body, headers

    # -- validation ------------------------------------------------------------------------
    def _validator(self, hook: Webhook) -> Compiled:
        hit = self._compiled.get(hook.event_type)
        if hit is None:
            hit = self._compiled.setdefault(hook.event_type, self._runtime.engine.for_pointer(hook.payload.pointer))
        return hit

    def _check(self, hook: Webhook, webhook_id: str, payload: dict[str, Any]) -> None:
        verdict = judge(self._validator(hook), payload, "payload")
        if verdict.valid:
            return
        problems = (*verdict.violations, *verdict.drift)
        if self.validate == "warn":
            message = str(WebhookPayloadError(hook.event_type, webhook_id, problems, payload))
            warnings.warn(message, ResponseValidationWarning, stacklevel=3)
            return
        if verdict.violations or self.validate == "strict":
            raise WebhookPayloadError(hook.event_type, webhook_id, problems, payload)
        self._drifted(hook, verdict.drift)

    def _drifted(self, hook: Webhook, drift: Iterable[FieldError]) -> None:
        """One ``ResponseDriftWarning`` (and one INFO log line) per event type and schema location."""
        for fe in drift:
            key = (hook.event_type, tuple(None if isinstance(p, int) else p for p in fe.path))  # any index
            with self._lock:
                if key in self._warned:
                    continue
                self._warned.add(key)
            message = (
                f"webhook {hook.event_type!r}: {fe.location}: {fe.message}; the spec "
                f"({self.spec.title} {self.spec.version}) does not know this yet, so the event was returned "
                "as it came (additive drift). Take the newer spec with `dynclient spec update`."
            )
            logger.info("%s", message)
            warnings.warn(message, ResponseDriftWarning, stacklevel=4)


def _raw(body: bytes | bytearray | memoryview | str) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, bytearray | memoryview):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")
    raise WebhookVerificationError(f"the webhook body must be the raw bytes received, not {type(body).__name__}")
