"""Retry policy and the sans-IO decision of whether and when to try again."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from ._errors import ConfigurationError
from ._retry_after import retry_after_seconds

__all__ = ["DEFAULT_RETRY_STATUSES", "IDEMPOTENT_METHODS", "RetryPolicy", "RetryState", "retry_after_seconds"]

#: Methods retried by default: repeating them cannot do anything twice.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})
#: Statuses that say "try again later": rate limited, bad gateway, unavailable, gateway timeout.
DEFAULT_RETRY_STATUSES = frozenset({429, 502, 503, 504})

#: Transport errors that would repeat identically: the HTTP library refused to send the
#: request (an invalid header, an unsupported scheme). Never retried (nor are decoding
#: errors and redirect loops, which are not transport errors at all).
_DETERMINISTIC = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a request.

    ``attempts`` counts every try, the first included (1 = never retry). Waits grow as
    ``backoff * 2**n`` up to ``max_backoff``, with full jitter; a ``Retry-After`` header
    (seconds or HTTP-date) is honoured, capped at ``max_retry_after``. No retry starts if
    it would end past ``max_elapsed`` seconds after the first attempt. Only idempotent
    methods are retried unless ``retry_non_idempotent`` is set (a POST or PATCH may have
    taken effect even when its answer was lost).
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: bool = True
    max_elapsed: float = 60.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = field(default_factory=lambda: DEFAULT_RETRY_STATUSES)
    retry_connection_errors: bool = True
    retry_non_idempotent: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.attempts, int) or isinstance(self.attempts, bool) or self.attempts < 1:
            raise ConfigurationError("attempts must be an integer of at least 1")
        for name in ("backoff", "max_backoff", "max_elapsed", "max_retry_after"):
            value = getattr(self, name)
            if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
                raise ConfigurationError(f"{name} must be a finite number >= 0")
        object.__setattr__(self, "statuses", frozenset(self.statuses))

    @classmethod
    def none(cls) -> RetryPolicy:
        """Never retry."""
        return cls(attempts=1)


class RetryState:
    """Tracks one logical call's attempts and decides the wait before the next, if any.

    ``attempt`` is the number of the attempt in flight (1-based); after a final failure it
    is the number of attempts made. ``deadline`` (seconds, or None) bounds the whole call:
    ``ends_at`` is when it passes (on ``clock``), ``remaining()`` what is left, and no retry
    starts whose wait would end past it.
    """

    def __init__(
        self,
        policy: RetryPolicy,
        method: str,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
        wall_clock: Callable[[], float] = time.time,
        deadline: float | None = None,
    ) -> None:
        self.policy = policy
        self.attempt = 1
        self._retryable_method = method.upper() in IDEMPOTENT_METHODS or policy.retry_non_idempotent
        self._clock = clock
        self._rng = rng
        self._wall_clock = wall_clock
        self._start = clock()
        self.deadline = deadline
        self.ends_at: float | None = None if deadline is None else self._start + deadline

    def remaining(self) -> float:
        """Seconds left before the deadline (negative once it passed; infinite without one)."""
        return math.inf if self.ends_at is None else self.ends_at - self._clock()

    def expired(self) -> bool:
        return self.ends_at is not None and self._clock() >= self.ends_at

    def _backoff(self) -> float:
        base = min(self.policy.max_backoff, self.policy.backoff * 2.0 ** (self.attempt - 1))
        return base * self._rng() if self.policy.jitter else base

    def _allowed(self, wait: float) -> float | None:
        if not self._retryable_method or self.attempt >= self.policy.attempts:
            return None
        now = self._clock()
        if now - self._start + wait > self.policy.max_elapsed:
            return None
        if self.ends_at is not None and now + wait >= self.ends_at:  # it could not finish in time
            return None
        self.attempt += 1
        return wait

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or None to accept this response."""
        if response.status_code not in self.policy.statuses:
            return None
        hinted = retry_after_seconds(response.headers.get("retry-after"), self._wall_clock())
        if hinted is not None:
            return self._allowed(min(hinted, self.policy.max_retry_after))
        return self._allowed(self._backoff())

    def after_error(self, exc: httpx.RequestError) -> float | None:
        """Seconds to wait before retrying after a failed exchange, or None to give up.

        Connection failures, dropped connections and timeouts are retried (idempotent
        methods only, unless opted in); errors that would repeat identically are not: a
        request the HTTP library refuses to send (``LocalProtocolError``, an unsupported
        scheme), a body that cannot be decoded, too many redirects.
        """
        if not self.policy.retry_connection_errors or not isinstance(exc, httpx.TransportError):
            return None
        if isinstance(exc, _DETERMINISTIC):
            return None
        return self._allowed(self._backoff())
