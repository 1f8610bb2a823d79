"""Retry policy and the sans-IO decision of whether and when to try again."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

__all__ = ["IDEMPOTENT_METHODS", "RetryPolicy", "RetryState"]

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE"})


@dataclass(frozen=True)
class RetryPolicy:
    """When to retry a request.

    ``attempts`` counts every try, the first included (1 = never retry). Waits grow as
    ``backoff * 2**n`` up to ``max_backoff``, with full jitter; a ``Retry-After`` header
    (seconds or HTTP-date) is honoured up to ``max_retry_after``. No retry starts after
    ``max_elapsed`` seconds. Only idempotent methods are retried unless
    ``retry_non_idempotent`` is set (POST/PATCH may have taken effect).
    """

    attempts: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: bool = True
    max_elapsed: float = 60.0
    max_retry_after: float = 60.0
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 502, 503, 504}))
    retry_connection_errors: bool = True
    retry_non_idempotent: bool = False

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.max_elapsed < 0:
            raise ValueError("backoff, max_backoff and max_elapsed must be >= 0")

    @classmethod
    def none(cls) -> RetryPolicy:
        """Never retry."""
        return cls(attempts=1)


def _retry_after(response: httpx.Response, now: Callable[[], float]) -> float | None:
    raw = response.headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, float(when.timestamp()) - time.time())


class RetryState:
    """Tracks one logical call's attempts and decides the wait before the next, if any."""

    def __init__(
        self,
        policy: RetryPolicy,
        method: str,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.policy = policy
        self.attempt = 1
        self._retryable_method = method.upper() in IDEMPOTENT_METHODS or policy.retry_non_idempotent
        self._clock = clock
        self._rng = rng
        self._start = clock()

    def _backoff(self) -> float:
        base = min(self.policy.max_backoff, self.policy.backoff * 2.0 ** (self.attempt - 1))
        return base * self._rng() if self.policy.jitter else base

    def _allowed(self, wait: float) -> float | None:
        if not self._retryable_method or self.attempt >= self.policy.attempts:
            return None
        if self._clock() - self._start + wait > self.policy.max_elapsed:
            return None
        self.attempt += 1
        return wait

    def after_response(self, response: httpx.Response) -> float | None:
        """Seconds to wait before retrying, or None to accept this response."""
        if response.status_code not in self.policy.statuses:
            return None
        hinted = _retry_after(response, self._clock)
        if hinted is not None:
            return self._allowed(min(hinted, self.policy.max_retry_after))
        return self._allowed(self._backoff())

    def after_error(self, exc: httpx.TransportError) -> float | None:
        """Seconds to wait before retrying after a transport failure, or None to give up.

        Timeouts are retried only for idempotent methods; so are dropped connections.
        """
        if not self.policy.retry_connection_errors:
            return None
        return self._allowed(self._backoff())
